"""Training data of sentiment model v3, relabelled to the customer-feedback convention.

The convention (models/sentiment/v3/MODEL_CARD.md):

* a problem reported is **negative**, with or without an emotion word ("the parcel shows
  delivered and nothing came");
* a question or a request is **neutral** ("how do I change my delivery address?");
* thanks and praise are **positive**;
* both in one sentence is **mixed**: trained as half negative, half positive (a soft
  target), and at record level flagged by the clause roll-up.

Each set is a :class:`SoftSet`: texts, a probability target per text (3 columns, in
:data:`LABELS` order), a split per text (``train``/``dev``/``test``) and its licence. Only
sets whose licence lets the result ship are here; the measuring-only sets (TweetEval, the
Japanese hotel reviews) are read by :mod:`voc.models.sentiment_eval` and never trained on.

Sources and how they follow the convention:

* GoEmotions (Apache-2.0): its own train/dev/test; ``ambiguous`` (surprise, confusion,
  curiosity, realisation: mostly questions and remarks) is neutral; ``negative,positive``
  is mixed; ``neutral`` with one polar label takes the polar label.
* VADER ground truth tweets, Amazon and movie snippets (MIT): the raters' mean, neutral
  when it rounds to 0. The NYT editorial snippets are dropped: news prose was the main
  source of "neutral" that taught "a factual sentence is neutral".
* Weak labels, ``reported_problems``: sentences of 1-2 star app and clothing reviews and of
  the CFPB complaint narratives that report a problem (a problem cue, not a question, not
  praise by the lexicon) are negative; sentences of 5-star reviews that the lexicon also
  calls clearly positive are positive (agreement of the two). A sentence that says a
  problem is absent ("no problems", "never had an issue") is never a problem report. Only
  reviews of the train split by text hash; no 3-star review is used at all.
* Weak labels, ``absent_problems`` (not in v3's default sets; recipe ``v3-negation``):
  sentences of 4-5 star reviews that say a problem is absent, not negative by the
  lexicon, are positive.
* ``convention_en`` / ``convention_ja``: customer-service sentences written for this project
  (``data/sentiment/convention_{en,ja}.tsv``), the only Japanese 3-class data we may ship.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from voc.errors import VocError
from voc.models.training import DEFAULT_DATA_DIR, LabelledSet, normalise_text

__all__ = [
    "CONVENTION_DIR",
    "SoftSet",
    "absent_problems",
    "convention_set",
    "goemotions",
    "hard_labels",
    "reported_problems",
    "training_sets_v3",
    "unlabelled_pool",
    "vader_set",
]

#: The hand-written convention sets (project data, shipped with the repository).
CONVENTION_DIR = Path(__file__).resolve().parents[2] / "data" / "sentiment"

NEG, NEU, POS = np.eye(3, dtype=np.float32)
MIXED = np.array([0.5, 0.0, 0.5], dtype=np.float32)


#: v3's name for a :class:`voc.models.training.LabelledSet` (one type for both recipes):
#: probability targets, ``weak`` for rule-made labels; every v3 set may be trained on.
SoftSet = LabelledSet


def hard_labels(targets: np.ndarray) -> np.ndarray:
    """Argmax labels; a mixed target (0.5/0/0.5) has none and gets -1."""
    labels = targets.argmax(axis=1)
    labels[targets.max(axis=1) < 0.6] = -1
    return labels


def _split(text: str, dev: float = 0.1, test: float = 0.2, salt: str = "") -> str:
    digest = hashlib.sha1((salt + normalise_text(text)).encode("utf-8")).digest()
    share = int.from_bytes(digest[:4], "big") / 2**32
    return "test" if share < test else ("dev" if share < test + dev else "train")


def _make(
    name: str,
    language: str,
    licence: str,
    rows: Iterable[tuple[str, np.ndarray, str]],
    weak: bool = False,
) -> SoftSet:
    texts: list[str] = []
    targets: list[np.ndarray] = []
    splits: list[str] = []
    seen: set[str] = set()
    for text, target, split in rows:
        text = text.strip()
        key = normalise_text(text)
        if not key or key in seen:
            continue
        seen.add(key)
        texts.append(text)
        targets.append(target)
        splits.append(split)
    return SoftSet(
        name=name,
        language=language,
        licence=licence,
        texts=texts,
        targets=np.array(targets, dtype=np.float32).reshape(-1, 3),
        splits=np.array(splits),
        weak=weak,
    )


def _goemotions_target(labels: str) -> np.ndarray | None:
    found = set(labels.split(","))
    polar = found & {"negative", "positive"}
    if polar == {"negative", "positive"}:
        return MIXED
    if polar == {"negative"}:
        return NEG
    if polar == {"positive"}:
        return POS
    if found & {"neutral", "ambiguous"}:
        return NEU
    return None


def goemotions(data_dir: Path = DEFAULT_DATA_DIR) -> SoftSet:
    """GoEmotions grouped into sentiment (Apache-2.0, Google Research; Demszky et al. 2020)."""
    rows: list[tuple[str, np.ndarray, str]] = []
    for split in ("train", "dev", "test"):
        path = data_dir / f"goemotions_sentiment_{split}.tsv"
        if not path.exists():
            raise VocError(f"{path} not found: put the shared data folder beside the checkout")
        with path.open(encoding="utf-8", newline="") as handle:
            for record in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                target = _goemotions_target(record.get("labels") or "")
                if target is not None and record.get("text"):
                    rows.append((record["text"], target, split))
    return _make(
        "goemotions",
        "en",
        "Apache-2.0 (c) Google Research, GoEmotions (Demszky et al., ACL 2020)",
        rows,
    )


_VADER = {
    "vader_tweets": "tweets_GroundTruth.txt",
    "vader_amazon": "amazonReviewSnippets_GroundTruth.txt",
    "vader_movies": "movieReviewSnippets_GroundTruth.txt",
    "vader_nyt_polar": "nytEditorialSnippets_GroundTruth.txt",
}


def vader_set(name: str, data_dir: Path = DEFAULT_DATA_DIR) -> SoftSet:
    """One VADER ground-truth file: neutral when the raters' mean rounds to 0 (-4..+4).

    ``vader_nyt_polar`` keeps only the NYT editorial snippets the raters found clearly
    negative or positive: its near-neutral news prose is dropped (it taught "a factual
    sentence is neutral"), its opinions stay.
    """
    path = data_dir / "vader_ground_truth" / _VADER[name]
    if not path.exists():
        raise VocError(f"{path} not found: put the shared data folder beside the checkout")
    rows = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 3:
                text = "\t".join(parts[2:]).replace("&amp;", "&")
                mean = float(parts[1])
                target = NEU if abs(mean) < 0.5 else (POS if mean > 0 else NEG)
                if name == "vader_nyt_polar" and abs(mean) < 0.5:
                    continue
                rows.append((text, target, _split(text)))
    return _make(name, "en", "MIT (c) 2016 C.J. Hutto; Hutto & Gilbert, 'VADER', ICWSM 2014", rows)


# A sentence "reports a problem" when it has one of these cues (negation, failure, defect,
# money back, waiting): the convention's negative without an emotion word.
_PROBLEM_CUES = re.compile(
    r"\b(not|no|never|nothing|nobody|none|cannot|can't|cant|won't|wont|doesn't|doesnt|"
    r"didn't|didnt|isn't|isnt|wasn't|wasnt|don't|dont|couldn't|wouldn't|aren't|haven't|"
    r"hasn't|without|broke|broken|break|breaks|crash\w*|freez\w*|error\w*|fail\w*|bug\w*|"
    r"glitch\w*|lag\w*|stuck|stopped|stops|wrong|late|delay\w*|missing|lost|refund\w*|"
    r"charg\w+|return\w*|sent it back|too (?:small|big|large|tight|short|long|loose|thin|"
    r"sheer|low|high|much|many)|ripped|tore|torn|hole|holes|stain\w*|faded|shrank|"
    r"unravel\w*|itchy|scratchy|see-through|cheap\w*|flimsy|poor\w*|waste\w*|issue\w*|"
    r"problem\w*|still|again|keeps|kept|force[sd]? close\w*|uninstall\w*|ads|unable|"
    r"disappoint\w*|fix\w*|slow\w*|drain\w*|wait\w*|hours|days|weeks|months)\b",
    re.IGNORECASE,
)
_WORDS = re.compile(r"[A-Za-z']+")

# A sentence that states the ABSENCE of a problem ("no problems", "never had an issue",
# "nothing to complain about", "it doesn't crash", "couldn't be happier"): its negation is
# a problem cue above, but it reports none. "never had this problem before" is not one
# (a determiner pointing at a problem that is there).
_NO_PROBLEM = re.compile(
    r"\b(?:no|zero|not (?:a|one|any|a single)|without(?: (?:a|an|any|one))?|free of|"
    r"never (?:had|have|has|got|experienced|found|noticed)(?: (?:a|an|any|one|a single))?|"
    r"(?:haven't|hasn't|didn't|don't|doesn't|have not|has not|did not|do not) (?:had|have|"
    r"has|got|see|seen|experience[d]?|find|found|notice[d]?|encounter(?:ed)?)"
    r"(?: (?:a|an|any|one|a single))?)\s+(?:(?!this\b|that\b|the\b|these\b|those\b)\w+\s+)?"
    r"(?:problems?|issues?|complaints?|troubles?|glitch(?:es)?|bugs?|crash(?:es)?|hassles?|"
    r"regrets?|defects?)\b"
    r"|\bnothing (?:to complain about|wrong with)\b"
    r"|\b(?:can't|cannot|can not|couldn't) (?:complain|fault)\b"
    r"|\b(?:doesn't|does not|didn't|did not|never|hasn't|has not|won't|will not) (?:once )?"
    r"(?:crash|freeze|lag|fail|break|disappoint|shrink|fade|pill|rip)\w*\b",
    re.IGNORECASE,
)
# ...unless the sentence also turns ("no problems until the update", "not a problem, but
# it runs large", "I hope it doesn't shrink"): then it is left to the other rules.
_TURN = re.compile(
    r"\b(?:but|until|till|except|however|though|although|unfortunately|anymore|any more|"
    r"now|hope|hopefully|if)\b",
    re.IGNORECASE,
)


def states_no_problem(sentence: str) -> bool:
    """The sentence says a problem is absent, and does not turn (see ``_NO_PROBLEM``)."""
    return _NO_PROBLEM.search(sentence) is not None and _TURN.search(sentence) is None


def _sentences(text: str) -> list[str]:
    from voc.text.sentences import split_sentences

    return [s.text for s in split_sentences(text, "en")]


def _is_problem_report(sentence: str, compound: float) -> bool:
    words = _WORDS.findall(sentence)
    return (
        4 <= len(words) <= 60
        and not sentence.rstrip().endswith("?")
        and compound < 0.3
        and _PROBLEM_CUES.search(sentence) is not None
        and not states_no_problem(sentence)
    )


@functools.lru_cache(maxsize=2)
def _weak_sentences(data_dir: Path) -> tuple[list[str], list[str], list[str]]:
    """(problem reports, praise, absences of a problem) found by the weak-label rules.

    Problem reports: sentences of 1-2 star reviews and of the CFPB narratives with a problem
    cue, not a question, not praise by the lexicon, not stating the absence of a problem.
    Praise: sentences of 5-star reviews the lexicon calls clearly positive (>= 0.6).
    Absences: sentences of 4-5 star reviews that state the absence of a problem
    (:func:`states_no_problem`), not a question, not negative by the lexicon (> -0.05).
    Reviews of the train split by text hash only (the app reviews' golden set left out).
    """
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from voc.models.training import _hash_split, _read_csv

    vader = SentimentIntensityAnalyzer()
    negatives: list[str] = []
    praise: list[str] = []
    absences: list[str] = []

    def add(review: str, stars: int, test_keys: set[str]) -> None:
        if normalise_text(review) in test_keys or _hash_split(review) != "train":
            return  # only reviews of the train split: the review test splits stay unseen
        for sentence in _sentences(review):
            compound = vader.polarity_scores(sentence)["compound"]
            if stars <= 2 and _is_problem_report(sentence, compound):
                negatives.append(sentence)
            elif stars >= 4 and not sentence.rstrip().endswith("?"):
                if stars == 5 and compound >= 0.6:
                    praise.append(sentence)
                if compound > -0.05 and states_no_problem(sentence):
                    absences.append(sentence)

    golden = {
        normalise_text(r["reviewText"]) for r in _read_csv(data_dir / "app_reviews_urr_golden.csv")
    }
    for record in _read_csv(data_dir / "app_reviews_urr_regex.csv"):
        if record["ratingStars"]:
            add(record["reviewText"], int(float(record["ratingStars"])), golden)
    for record in _read_csv(data_dir / "womens_clothing_reviews.csv"):
        add(record["Review Text"], int(record["Rating"]), set())
    for record in _read_csv(data_dir / "cfpb_complaints_sample.csv"):
        narrative = record.get("Consumer complaint narrative") or ""
        for sentence in _sentences(narrative):
            if "XX" in sentence:  # redaction marks: keep the sentence out, not the mask
                continue
            compound = vader.polarity_scores(sentence)["compound"]
            if _is_problem_report(sentence, compound):
                negatives.append(sentence)
    return negatives, praise, absences


_WEAK_LICENCE = (
    "weak labels from CC0 clothing reviews, MIT app reviews (Panichella 2016) and CFPB "
    "narratives (US public domain)"
)


def reported_problems(data_dir: Path = DEFAULT_DATA_DIR, positives: bool = True) -> SoftSet:
    """Weak labels from reviews and complaints (see the module docstring).

    A sentence that states the absence of a problem ("no problems", "never had an issue":
    :func:`states_no_problem`) is never a problem report.

    Args:
        data_dir: The shared data folder.
        positives: Add the 5-star sentences the lexicon also calls positive (compound
            >= 0.6), at most as many as the problem reports.
    """
    negatives, praise, _ = _weak_sentences(Path(data_dir))
    rows = [(s, NEG, _split(s, salt="weak")) for s in negatives]
    if positives:
        step = max(1, len(praise) // max(1, len(negatives)))
        rows += [(s, POS, _split(s, salt="weak")) for s in praise[::step][: len(negatives)]]
    return _make("reported_problems", "en", _WEAK_LICENCE, rows, weak=True)


def absent_problems(data_dir: Path = DEFAULT_DATA_DIR) -> SoftSet:
    """Weak positives: sentences of 4-5 star reviews that say a problem is absent ("no
    issues so far", "it did not disappoint"), not a question, not negative by the lexicon
    (see :func:`_weak_sentences`). Split by the same hash as ``reported_problems``."""
    _, _, absences = _weak_sentences(Path(data_dir))
    rows = [(s, POS, _split(s, salt="weak")) for s in absences]
    return _make("absent_problems", "en", _WEAK_LICENCE, rows, weak=True)


def star_reviews(data_dir: Path = DEFAULT_DATA_DIR) -> SoftSet:
    """Whole clothing and app reviews: 1-2 stars negative, 4-5 positive, 3 stars left out.

    A 1-2 star review is a customer reporting problems, the convention's negative; 3-star
    reviews are mostly mixed, not neutral, so none is used. Positives are thinned to twice
    the negatives (they are 7 in 8 reviews). The app reviews' golden set (a test set) and the
    clothing reviews' test split by text hash stay out.
    """
    from voc.models.training import _hash_split, _read_csv

    golden = {
        normalise_text(r["reviewText"]) for r in _read_csv(data_dir / "app_reviews_urr_golden.csv")
    }
    negatives: list[str] = []
    positives: list[str] = []
    reviews = [
        (r["reviewText"], float(r["ratingStars"]))
        for r in _read_csv(data_dir / "app_reviews_urr_regex.csv")
        if r["ratingStars"] and normalise_text(r["reviewText"]) not in golden
    ] + [
        (r["Review Text"], float(r["Rating"]))
        for r in _read_csv(data_dir / "womens_clothing_reviews.csv")
        if _hash_split(r["Review Text"]) != "test"
    ]
    for text, stars in reviews:
        if not text.strip() or stars == 3:
            continue
        (negatives if stars <= 2 else positives).append(text)
    step = max(1, len(positives) // max(1, 2 * len(negatives)))
    rows = [(t, NEG, _split(t, salt="stars")) for t in negatives]
    rows += [(t, POS, _split(t, salt="stars")) for t in positives[::step]]
    return _make(
        "star_reviews",
        "en",
        "CC0 clothing reviews (Kaggle) and MIT app reviews (Panichella 2016); 1-2 / 4-5 stars",
        rows,
        weak=True,
    )


def convention_set(language: str, directory: Path = CONVENTION_DIR) -> SoftSet:
    """The hand-written customer-service sentences of one language (``label<TAB>text``).

    Labels: ``negative``, ``neutral``, ``positive`` or ``mixed``. Split by a hash of the
    text: 60 % train, 20 % dev (settings are chosen on it), 20 % test.
    """
    path = directory / f"convention_{language}.tsv"
    if not path.exists():
        raise VocError(f"{path} not found: the convention sets ship with the repository")
    targets = {"negative": NEG, "neutral": NEU, "positive": POS, "mixed": MIXED}
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip() or line.startswith("#"):
                continue
            label, _, text = line.rstrip("\n").partition("\t")
            if label not in targets or not text.strip():
                raise VocError(
                    f"{path}:{number}: expected 'label<TAB>text' with a label of "
                    f"{', '.join(targets)}; got {line.strip()[:60]!r}"
                )
            rows.append((text, targets[label], _split(text, dev=0.2, test=0.2)))
    return _make(
        f"convention_{language}",
        language,
        "written for this project (Apache-2.0 with the code)",
        rows,
    )


def unlabelled_pool(
    data_dir: Path = DEFAULT_DATA_DIR, praise_share: float = 0.25, seed: int = 0
) -> list[str]:
    """Unlabelled shippable English sentences for distillation (the teacher labels them).

    Sentences (4-60 words) of the train split (by text hash) of the 1-3 star clothing and
    app reviews (the app reviews' golden set and the review test splits stay out), a
    ``praise_share`` sample of their 4-5 star sentences, the CFPB complaint narratives
    (redacted sentences left out) and the end-user comments of the English support
    tickets written for the demo (``data/samples/support_tickets.json``). Customers'
    questions, requests and reports of problems: the text the teacher's convention is
    meant to reach. De-duplicated, in a fixed order.
    """
    import json

    from voc.models.training import _hash_split, _read_csv

    rng = np.random.default_rng(seed)
    low: list[str] = []
    high: list[str] = []
    golden = {
        normalise_text(r["reviewText"]) for r in _read_csv(data_dir / "app_reviews_urr_golden.csv")
    }
    reviews = [
        (r["reviewText"], float(r["ratingStars"]))
        for r in _read_csv(data_dir / "app_reviews_urr_regex.csv")
        if r["ratingStars"] and normalise_text(r["reviewText"]) not in golden
    ] + [
        (r["Review Text"], float(r["Rating"]))
        for r in _read_csv(data_dir / "womens_clothing_reviews.csv")
    ]
    for text, stars in reviews:
        if not text.strip() or _hash_split(text) != "train":
            continue
        (low if stars <= 3 else high).append(text)
    keep = rng.random(len(high)) < praise_share
    reviews_kept = low + [t for t, k in zip(high, keep, strict=True) if k]
    sentences = [s for review in reviews_kept for s in _sentences(review)]
    for record in _read_csv(data_dir / "cfpb_complaints_sample.csv"):
        narrative = record.get("Consumer complaint narrative") or ""
        sentences += [s for s in _sentences(narrative) if "XX" not in s]
    tickets = CONVENTION_DIR.parent / "samples" / "support_tickets.json"
    if tickets.exists():
        for ticket in json.loads(tickets.read_text(encoding="utf-8")):
            for comment in ticket.get("comments", []):
                body = comment.get("body") or ""
                if comment.get("author_role") == "end-user" and body.isascii():
                    sentences += _sentences(body)
    out: list[str] = []
    seen: set[str] = set()
    for sentence in sentences:
        key = normalise_text(sentence)
        if key not in seen and 4 <= len(_WORDS.findall(sentence)) <= 60:
            seen.add(key)
            out.append(sentence.strip())
    return out


#: The sets v3 trains on. ``star_reviews`` (whole 1-2 / 4-5 star reviews) and
#: ``vader_nyt_polar`` (the NYT snippets' opinions) can be loaded but lowered the mean dev
#: macro-F1 (0.711 -> 0.686 with both; see the model card); ``absent_problems`` is the
#: recipe ``v3-negation``'s (voc.models.train_v3.RECIPE_SETS).
DEFAULT_SETS = (
    "goemotions",
    "vader_tweets",
    "vader_amazon",
    "vader_movies",
    "reported_problems",
    "convention_en",
    "convention_ja",
)


def training_sets_v3(
    data_dir: Path = DEFAULT_DATA_DIR, names: Sequence[str] | None = None
) -> dict[str, SoftSet]:
    """Every v3 training set by name (all splits; train on ``subset("train")`` only)."""
    loaders: dict[str, Callable[[], SoftSet]] = {
        "goemotions": lambda: goemotions(data_dir),
        **{name: functools.partial(vader_set, name, data_dir) for name in _VADER},
        "reported_problems": lambda: reported_problems(data_dir),
        "absent_problems": lambda: absent_problems(data_dir),
        "star_reviews": lambda: star_reviews(data_dir),
        "convention_en": lambda: convention_set("en"),
        "convention_ja": lambda: convention_set("ja"),
    }
    chosen = names if names is not None else list(DEFAULT_SETS)
    return {name: loaders[name]() for name in chosen}
