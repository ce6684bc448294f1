"""What every page of the web app shares: the config, the language, reading the store
(cached, never blocking a run) and writing it (only when no run writes).

Reads open the store read-only through :func:`voc.store.warehouse.connect_reader`: while a
run holds the writer lock, that opens the snapshot the last run published, so a page
never waits for a run and never fails on DuckDB's lock. Each read opens and closes its
own connection (a long-held reader would make the next run's writer wait). Results are
cached with ``st.cache_data`` keyed on what the read would see: the store's (and its
WAL's) modification time, or the snapshot's during a run; a run's end or a write from the
app changes the key, so the next page load reads afresh.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import streamlit as st

from voc.config import VocConfig, load_config, resolve_config_path
from voc.errors import StoreBusy, VocError
from voc.store.warehouse import (
    Warehouse,
    run_in_progress,
    snapshot_path,
    writer_lock,
)
from voc.ui.i18n import LANGUAGES, t

T = TypeVar("T")

#: A write from the app waits at most this long for a run's writer lock: a person
#: clicking "rename" should hear at once that a run is writing, not stare at a spinner.
WRITE_WAIT_SECONDS = 2.0


def _config_argument() -> str | None:
    """``--config PATH`` after the script's name (``streamlit run app.py -- --config X``)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--config")
    known, _ = parser.parse_known_args(sys.argv[1:])
    return known.config


@st.cache_resource(show_spinner=False)
def _settings(config_path: str | None) -> VocConfig:
    return load_config(config_path)


def settings() -> VocConfig:
    """The config ``voc ui --config`` named (else ``$VOC_CONFIG``, else the default)."""
    resolved = resolve_config_path(_config_argument())
    return _settings(None if resolved is None else str(resolved.absolute()))


def store_path() -> str:
    """The store the config names, as an absolute path."""
    return str(Path(settings().store.path).absolute())


def lang() -> str:
    """The UI language: the toggle's, else the link's ``?lang=ja``, else
    ``digest.language``."""
    if "ui_lang" not in st.session_state:
        asked = st.query_params.get("lang")
        st.session_state["ui_lang"] = asked if asked in LANGUAGES else settings().digest.language
    value = st.session_state["ui_lang"]
    return value if value in LANGUAGES else "en"


def language_toggle() -> None:
    """The sidebar's language switch. The language lives in its own session key
    (``ui_lang``), which the switch sets: a widget's own state is dropped on a run that
    does not draw it, and the language must outlive any page."""

    def switched() -> None:
        st.session_state["ui_lang"] = st.session_state["lang_toggle"]

    st.radio(
        t("language", lang()),
        LANGUAGES,
        index=LANGUAGES.index(lang()),
        key="lang_toggle",
        on_change=switched,
        format_func=lambda code: {"en": "English", "ja": "日本語"}[code],
        horizontal=True,
    )


def widget_key(name: str) -> str:
    """A widget's key for the page's language: a widget whose options are shown in words
    of the UI language starts afresh when the language changes (its shown value would
    no longer be among its options)."""
    return f"{name}.{lang()}"


def tr(key: str, **values: object) -> str:
    """:func:`voc.ui.i18n.t` in the page's language."""
    return t(key, lang(), **values)


def label_language() -> str:
    """The language to label topics in: the app's (a topic with a label in it shows that
    one, its alias; :func:`voc.store.topics.label_sql`), as the digest in it does."""
    return lang()


def signature(path: str) -> tuple[Any, ...]:
    """What a read of ``path`` would see now: during a run the snapshot's mtime, else the
    store's and its WAL's (the cache key of every read)."""
    busy = run_in_progress(path) is not None

    def mtime(p: Path) -> int:
        try:
            return p.stat().st_mtime_ns
        except FileNotFoundError:
            return 0

    if busy:
        return ("snapshot", mtime(snapshot_path(path)))
    store = Path(path)
    return ("store", mtime(store), mtime(store.with_name(store.name + ".wal")))


def read(fn: Callable[[Warehouse], T]) -> T:
    """Run ``fn`` on the store opened read-only (the snapshot during a run); uncached."""
    with Warehouse(store_path(), read_only=True) as store:
        return fn(store)


def snapshot_notice() -> None:
    """Say so when the pages read the last run's snapshot (a run is writing)."""
    path = store_path()
    if run_in_progress(path) is None:
        return
    snapshot = snapshot_path(path)
    if snapshot.exists():
        when = datetime.fromtimestamp(snapshot.stat().st_mtime, UTC).strftime("%Y-%m-%d %H:%M")
        st.info(tr("snapshot_note", when=when))


def write(fn: Callable[[Warehouse], T]) -> T | None:
    """Run ``fn`` on the store opened for writing, holding the writer lock so no run
    starts meanwhile; when a run holds it, say so and return None. Clears the read cache."""
    path = store_path()
    try:
        with (
            writer_lock(path, timeout=WRITE_WAIT_SECONDS, flow="ui"),
            Warehouse(path, lock_timeout=WRITE_WAIT_SECONDS) as store,
        ):
            result = fn(store)
    except StoreBusy as e:
        st.warning(tr("busy", error=str(e).split(";")[0]))
        return None
    st.cache_data.clear()
    return result


def show_error(error: Exception) -> None:
    """One line for a :class:`voc.errors.VocError` (what to do), else the error."""
    message = str(error) if isinstance(error, VocError) else f"{type(error).__name__}: {error}"
    st.error(tr("store_error", error=message))


def channel_label(channel: str) -> str:
    """A channel's name in the UI language (the digest's names)."""
    from voc.digest.text import channel_name

    return channel_name(lang(), channel)


@st.cache_resource(show_spinner=False)
def _touchpoint_labels(taxonomy: str) -> dict[str, dict[str, str]]:
    from voc.taxonomy import load_taxonomy

    loaded = load_taxonomy(taxonomy)
    return {tp.name: {code: tp.label(code) for code in LANGUAGES} for tp in loaded.touchpoints}


def touchpoint_names() -> tuple[tuple[str, str], ...]:
    """Every touchpoint's (name, name in the UI language) pair: a cache key's worth."""
    from voc.taxonomy import DEFAULT_TAXONOMY_PATH

    try:
        labels = _touchpoint_labels(str(settings().taxonomy or DEFAULT_TAXONOMY_PATH))
    except VocError:
        return ()
    return tuple(sorted((name, names[lang()]) for name, names in labels.items()))


def touchpoint_label(touchpoint: str) -> str:
    """A touchpoint's name in the UI language (the taxonomy's ``labels``)."""
    from voc.taxonomy import DEFAULT_TAXONOMY_PATH

    try:
        labels = _touchpoint_labels(str(settings().taxonomy or DEFAULT_TAXONOMY_PATH))
    except VocError:
        labels = {}
    return labels.get(touchpoint, {}).get(lang(), touchpoint.replace("_", " "))


#: Modules some pages need that take seconds to import on a busy machine (scipy's stats
#: for the fixes and the drivers' intervals, the chart library, the loop's owners).
_HEAVY_MODULES = (
    "altair",
    "voc.query",
    "voc.loop",
    "voc.insights.fixes",
    "voc.insights.drivers",
    "voc.topics.edits",
)


@st.cache_resource(show_spinner=False)
def warm_up() -> bool:
    """Import the heavy modules in a background thread, once per server: the first page
    is drawn meanwhile, and a page visited next does not wait for an import."""
    import importlib
    import threading

    def load() -> None:
        for name in _HEAVY_MODULES:
            importlib.import_module(name)

    threading.Thread(target=load, name="voc-ui-warm-up", daemon=True).start()
    return True
