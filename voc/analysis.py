"""Analyse feedback texts: sentences, sentiment and touchpoints, per sentence and per record.

One :class:`Analyzer` holds the three models that share a sentence embedding: the
embedder, the sentiment model and the touchpoint tagger. ``analyze(texts, languages)``
splits each text into sentences and contrastive clauses
(:func:`voc.text.sentences.split_clauses`: "fast delivery | but the box was crushed"), embeds every
distinct sentence once, classifies and tags each sentence, and rolls the sentences up into
one judgement per record:

- sentiment: the record read as a whole (:meth:`SentimentModel.predict_records`: the
  length-weighted mean of its sentence embeddings, with the lexicon and n-grams of the
  whole text), ``mixed`` when one sentence leans positive (score >= +0.10) and another is
  clearly negative (<= -0.25) (:func:`voc.models.sentiment.roll_up`);
- touchpoints: the union of the sentences' (:func:`voc.touchpoints.roll_up`), in taxonomy
  order.

Both the store's analyse flow and ``voc enrich`` call it; the flow passes an ``embed``
function backed by the store's embedding cache, so a sentence is never embedded twice.
The analyse step over the store is :mod:`voc.pending` (``analyze_pending``), its time
budgets :mod:`voc.budgets`; both names stay importable from here.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from voc.forked import (
    Forked,
    WorkerCall,
    current_worker,
    default_processes,
    one_blas_thread,
    share,
    shared,
)
from voc.models.embedders import Embedder, get_embedder
from voc.models.loaders import (  # re-exported: callers import them from here too
    DEFAULT_SENTIMENT_MODEL,
    MODELS_ENV_VAR,
    load_sentiment,
    resolve_sentiment_model,
)
from voc.models.protocols import SentimentScorer
from voc.models.sentiment import roll_up
from voc.taxonomy import DEFAULT_TAXONOMY_PATH, Taxonomy, load_taxonomy
from voc.text.sentences import bounded_prefix, split_clauses
from voc.touchpoints import TouchpointTagger

__all__ = [
    "DEFAULT_SENTIMENT_MODEL",
    "MODELS_ENV_VAR",
    "AnalysisResult",
    "Analyzer",
    "RecordAnalysis",
    "ResultRows",
    "SentenceAnalysis",
    "record_sentences",
    "resolve_sentiment_model",
    "result_rows",
    "text_hash",
]

EmbedFunction = Callable[[Sequence[str]], np.ndarray]

#: Why a record got no analysis (the ``voc_error`` of ``voc enrich``).
NO_TEXT = "empty_text"
#: Why a record got no analysis: it ran over its time budget (see :func:`analyze_pending`).
TIMED_OUT = "analysis_timeout"

logger = logging.getLogger(__name__)

# -- bounds: no record can stall the analysis (see "Poison records" in docs/architecture.md)
#: Characters of a record that are analysed; the rest is counted (``chars_not_analysed``),
#: not read. About ten pages: every review, survey answer and ticket seen so far fits.
MAX_RECORD_CHARS = 20_000
#: Characters of a record read as a whole for its record-level features (VADER, n-grams):
#: VADER's idiom check is quadratic in a text's words (200 KB took over a minute).
RECORD_FEATURE_CHARS = 5_000
#: Sentences in a batch from which its touchpoints are tagged in a forked process (when
#: :attr:`Analyzer.processes` is 2): forking a process with the models loaded costs a
#: few tens of milliseconds, the tagging of this many sentences a few hundred.
MIN_FORK_SENTENCES = 500


def text_hash(text: str) -> str:
    """Key of a sentence in the embedding cache: 128-bit BLAKE2b of its UTF-8 text."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class SentenceAnalysis:
    """One sentence of a record and what the models said about it.

    Attributes:
        record: Index of its record in the input.
        index: Position of the sentence in its record (0-based).
        start, end: Character offsets into the record's text.
        text: The sentence.
        text_hash: Its key in the embedding cache (:func:`text_hash`).
        sentiment: ``negative`` / ``neutral`` / ``positive``.
        sentiment_score: ``p(positive) - p(negative)``, -1..1.
        touchpoints: Touchpoint names, taxonomy order.
    """

    record: int
    index: int
    start: int
    end: int
    text: str
    text_hash: str
    sentiment: str
    sentiment_score: float
    touchpoints: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RecordAnalysis:
    """The roll-up of one record.

    Attributes:
        sentiment: ``negative`` / ``neutral`` / ``positive`` (the record read as a whole),
            or None without sentences.
        sentiment_score: -1..1, or None.
        mixed: A positive-leaning and a clearly negative sentence both present.
        touchpoints: Union of the sentences' touchpoints, taxonomy order.
        n_sentences: Number of sentences analysed.
        error: Why the record has no analysis (``empty_text``, ``analysis_timeout``), else
            None.
        chars_not_analysed: Characters past :data:`MAX_RECORD_CHARS`, not analysed.
    """

    sentiment: str | None
    sentiment_score: float | None
    mixed: bool
    touchpoints: tuple[str, ...]
    n_sentences: int
    error: str | None = None
    chars_not_analysed: int = 0


@dataclass
class AnalysisResult:
    """What :meth:`Analyzer.analyze` returns.

    Attributes:
        records: One :class:`RecordAnalysis` per input text, in order.
        sentences: Every sentence, record by record.
        embeddings: float32 ``(len(sentences), dim)``, the sentences' embeddings.
        seconds: Wall time per step (split, embed, sentiment, touchpoints).
    """

    records: list[RecordAnalysis]
    sentences: list[SentenceAnalysis]
    embeddings: np.ndarray
    seconds: dict[str, float] = field(default_factory=dict)


def record_sentences(
    texts: Sequence[str | None], languages: Sequence[str | None]
) -> Iterator[tuple[int, int, int, str, str]]:
    """The sentences :meth:`Analyzer.analyze` reads, record by record: ``(record, start,
    end, text, language)`` for the clauses of each record's first :data:`MAX_RECORD_CHARS`
    characters (a blank record has none; an unknown language is ``und``). The cluster's
    planner (:func:`voc.scale.analysis.distinct_sentences`) splits with it too."""
    for record, (text, language) in enumerate(zip(texts, languages, strict=True)):
        if not text or not text.strip():
            continue
        code = language or "und"
        for sentence in split_clauses(bounded_prefix(text, MAX_RECORD_CHARS), code):
            yield record, sentence.start, sentence.end, sentence.text, code


@dataclass
class ResultRows:
    """An :class:`AnalysisResult` as the store's rows (:func:`result_rows`).

    Attributes:
        records: One ``analysis`` row per record (``feedback_id``, ``sentiment``,
            ``sentiment_score``, ``mixed``, ``touchpoints``, ``n_sentences``, ``error``),
            without ``version``, ``run_id`` and ``analyzed_at``, which the writer adds.
        sentences: One ``sentences`` row per sentence (``SENTENCE_COLUMNS``).
        counts: ``no_text``, ``timed_out``, ``truncated`` records and
            ``chars_not_analysed``.
    """

    records: list[dict[str, Any]]
    sentences: list[dict[str, Any]]
    counts: dict[str, int]


def result_rows(
    result: AnalysisResult,
    feedback_ids: Sequence[str],
    source_touchpoints: Sequence[Any],
    languages: Sequence[str | None],
    touchpoint_names: Sequence[str],
) -> ResultRows:
    """The rows :func:`analyze_pending` stores for one chunk (the cluster's workers build
    the same ones, :func:`voc.scale.analysis.analyze_chunk`).

    Args:
        result: The analysis of the chunk's records.
        feedback_ids, source_touchpoints, languages: Per record, as
            :meth:`Warehouse.pending_analysis` gives them; a touchpoint the source gave
            (and the taxonomy knows) is kept in the record's touchpoints.
        touchpoint_names: The taxonomy's touchpoints, in its order.
    """
    known = set(touchpoint_names)
    order = {name: i for i, name in enumerate(touchpoint_names)}
    counts = {"no_text": 0, "timed_out": 0, "truncated": 0, "chars_not_analysed": 0}
    records = []
    for feedback_id, source_touchpoint, record in zip(
        feedback_ids, source_touchpoints, result.records, strict=True
    ):
        touchpoints = set(record.touchpoints)
        if isinstance(source_touchpoint, str) and source_touchpoint in known:
            touchpoints.add(source_touchpoint)  # what the source said stays true
        records.append(
            {
                "feedback_id": feedback_id,
                "sentiment": record.sentiment,
                "sentiment_score": record.sentiment_score,
                "mixed": record.mixed,
                "touchpoints": sorted(touchpoints, key=order.__getitem__),
                "n_sentences": record.n_sentences,
                "error": record.error,
            }
        )
        counts["no_text"] += record.error == NO_TEXT
        counts["timed_out"] += record.error == TIMED_OUT
        counts["truncated"] += record.chars_not_analysed > 0
        counts["chars_not_analysed"] += record.chars_not_analysed
    sentences = [
        {
            "feedback_id": feedback_ids[s.record],
            "sentence_index": s.index,
            "start_char": s.start,
            "end_char": s.end,
            "text": s.text,
            "text_hash": s.text_hash,
            "language": languages[s.record] or "und",
            "sentiment": s.sentiment,
            "sentiment_score": s.sentiment_score,
            "touchpoints": list(s.touchpoints),
        }
        for s in result.sentences
    ]
    return ResultRows(records, sentences, counts)


class Analyzer:
    """Sentences, sentiment and touchpoints of feedback texts (see the module docstring).

    Args:
        sentiment_model: A loaded sentiment model (:class:`~voc.models.protocols.SentimentScorer`:
            v2's :class:`~voc.models.sentiment.SentimentModel` or a tuned v3/v4).
        taxonomy: The touchpoints to tag.
        embedder: The embedder both models read; built from the sentiment model's
            embedder name when None.
    """

    def __init__(
        self,
        sentiment_model: SentimentScorer,
        taxonomy: Taxonomy,
        embedder: Embedder | None = None,
    ) -> None:
        self.sentiment_model = sentiment_model
        self.taxonomy = taxonomy
        self.embedder_name = sentiment_model.embedder
        self.embedder = embedder if embedder is not None else get_embedder(self.embedder_name)
        # The models read the same vectors: one embedding per sentence serves both.
        sentiment_model.use_embedder(self.embedder)
        self.tagger = TouchpointTagger(
            taxonomy, embedder_name=self.embedder_name, embedder=self.embedder
        )
        self.model_path: Path | None = None
        self.taxonomy_path: Path | None = None
        #: 2: touchpoints of a large batch are tagged in a forked copy of this process
        #: while sentiment runs here (``VOC_ANALYSIS_PROCESSES=1``: on a thread instead).
        self.processes = default_processes("VOC_ANALYSIS_PROCESSES")

    @classmethod
    def load(
        cls,
        sentiment_model: str | Path = DEFAULT_SENTIMENT_MODEL,
        taxonomy: str | Path | Taxonomy | None = None,
    ) -> Analyzer:
        """Build an analyser from a sentiment model name or folder and a taxonomy file.

        Args:
            sentiment_model: Name (``v1``) or folder, see :func:`resolve_sentiment_model`.
            taxonomy: A taxonomy YAML, a loaded :class:`Taxonomy`, or None for the
                default ``configs/taxonomy.yaml``.

        Raises:
            ConfigError: Unknown model, unreadable or invalid taxonomy.
        """
        model_path = resolve_sentiment_model(sentiment_model)
        taxonomy_path: Path | None = None
        if isinstance(taxonomy, Taxonomy):
            loaded = taxonomy
        else:
            taxonomy_path = Path(taxonomy) if taxonomy is not None else DEFAULT_TAXONOMY_PATH
            loaded = load_taxonomy(taxonomy_path)
        analyzer = cls(load_sentiment(model_path), loaded)
        analyzer.model_path = model_path
        analyzer.taxonomy_path = taxonomy_path
        return analyzer

    @property
    def version(self) -> str:
        """Identifies what produced an analysis: models, embedder and taxonomy content.

        The analyse flow re-analyses a record whose stored version differs (an edited
        taxonomy or a new model), from cached embeddings.
        """
        model = self.model_path.name if self.model_path is not None else "custom"
        digest = hashlib.blake2b(
            # Labels only name touchpoints in reports, owners only route alerts: editing
            # either re-analyses nothing.
            self.taxonomy.model_dump_json(
                exclude={"touchpoints": {"__all__": {"labels", "owner"}}}
            ).encode("utf-8"),
            digest_size=4,
        ).hexdigest()
        relevance = self.tagger.relevance_name
        return (
            f"sentiment={model};embedder={self.embedder_name};taxonomy={digest};"
            f"touchpoints={relevance}"
        )

    def warm_up(self) -> float:
        """Load every model now (the embedder, the head, the tagger's prototypes).

        Returns:
            Seconds it took, so callers can report model loading apart from throughput.
        """
        started = time.perf_counter()
        self.tagger.fit()
        if getattr(self.sentiment_model, "reads_pooled", False):
            self.sentiment_model.predict(["ok"], ["en"])
        else:
            self.sentiment_model.predict(["ok"], ["en"], self.embedder.embed(["ok"]))
        return time.perf_counter() - started

    def analyze(
        self,
        texts: Sequence[str | None],
        languages: Sequence[str | None],
        embed: EmbedFunction | None = None,
    ) -> AnalysisResult:
        """Analyse records.

        Args:
            texts: One text per record (None or blank: the record gets ``error``
                ``empty_text`` and no sentences).
            languages: ISO 639-1 code per record (None or ``und`` when unknown).
            embed: Turns distinct sentence texts into embeddings; the embedder's
                ``embed`` when None. The store passes one backed by its cache.

        Returns:
            An :class:`AnalysisResult`.
        """
        if len(languages) != len(texts):
            raise ValueError(f"got {len(texts)} texts but {len(languages)} languages")
        seconds: dict[str, float] = {}
        clock = time.perf_counter()
        owners: list[int] = []
        spans: list[tuple[int, int, str]] = []
        sentence_languages: list[str] = []
        for record, start, end, sentence_text, code in record_sentences(texts, languages):
            owners.append(record)
            spans.append((start, end, sentence_text))
            sentence_languages.append(code)
        sentence_texts = [text for _, _, text in spans]
        seconds["split"] = time.perf_counter() - clock

        clock = time.perf_counter()
        distinct = list(dict.fromkeys(sentence_texts))
        # A model that reads pooled USE features (v3) gets them from the same pass as the
        # topic embedding; the others read the embedding itself.
        reads_pooled = getattr(self.sentiment_model, "reads_pooled", False)
        if distinct:
            position = {text: i for i, text in enumerate(distinct)}
            index = [position[text] for text in sentence_texts]
            if reads_pooled:
                vectors, pooled = self._embed_with_pooled(distinct, embed)
                sentiment_inputs = pooled[index]
            else:
                vectors = np.asarray((embed or self.embedder.embed)(distinct), dtype=np.float32)
            embeddings = vectors[index]
            if not reads_pooled:
                sentiment_inputs = embeddings
        else:
            embeddings = np.zeros((0, self.embedder.dim), dtype=np.float32)
            sentiment_inputs = embeddings
        seconds["embed"] = time.perf_counter() - clock

        # Touchpoints run beside sentiment: both are mostly Python (regular expressions,
        # per-sentence loops; VADER), so a second thread shares one core with this one
        # under the GIL. A forked copy of this process (:class:`voc.forked.Forked`) gets a
        # core of its own for a batch large enough to pay for the fork; same results.
        self.tagger._fitted()  # fitting embeds: never on the helper thread or the fork
        with one_blas_thread():
            tagging = self._start_tagging(sentence_texts, sentence_languages, embeddings)
            try:
                clock = time.perf_counter()
                probabilities = self.sentiment_model.predict_proba(
                    sentence_texts, sentence_languages, sentiment_inputs
                )
                labels = self.sentiment_model.labels
                positive, negative = labels.index("positive"), labels.index("negative")
                seconds["sentiment"] = time.perf_counter() - clock

                by_record: dict[int, list[int]] = {}
                for row, record in enumerate(owners):
                    by_record.setdefault(record, []).append(row)
                clock = time.perf_counter()
                members = [by_record.get(record, []) for record in range(len(texts))]
                weights = [[len(sentence_texts[row]) for row in rows] for rows in members]
                record_probabilities = self.sentiment_model.predict_records(
                    [bounded_prefix(text or "", RECORD_FEATURE_CHARS) for text in texts],
                    [language or "und" for language in languages],
                    sentiment_inputs,
                    members,
                    weights,
                )
                seconds["sentiment"] += time.perf_counter() - clock

                tags = tagging.result()
            finally:
                tagging.cancel()  # nothing once the result is in; else stops a fork
        seconds["touchpoints"] = tagging.seconds
        sentences: list[SentenceAnalysis] = []
        for row, (record, (start, end, text)) in enumerate(zip(owners, spans, strict=True)):
            probs = probabilities[row]
            sentences.append(
                SentenceAnalysis(
                    record=record,
                    index=row - by_record[record][0],  # a record's rows are consecutive
                    start=start,
                    end=end,
                    text=text,
                    text_hash=text_hash(text),
                    sentiment=labels[int(probs.argmax())],
                    sentiment_score=round(float(probs[positive] - probs[negative]), 4),
                    touchpoints=tuple(tags[row]),
                )
            )

        order = {name: i for i, name in enumerate(self.taxonomy.names)}
        records: list[RecordAnalysis] = []
        for record in range(len(texts)):
            rows = members[record]
            if not rows:
                records.append(RecordAnalysis(None, None, False, (), 0, NO_TEXT))
                continue
            whole = record_probabilities[record]
            label = labels[int(whole.argmax())]
            score = round(float(whole[positive] - whole[negative]), 4)
            _, _, mixed = roll_up(probabilities[rows], weights[record], labels)
            union = {name for row in rows for name in tags[row]}
            touchpoints = tuple(sorted(union, key=lambda name: order.get(name, len(order))))
            records.append(
                RecordAnalysis(
                    label, score, mixed, touchpoints, len(rows), None, _not_analysed(texts[record])
                )
            )
        return AnalysisResult(records, sentences, embeddings, seconds)

    def _start_tagging(
        self, texts: list[str], languages: list[str], embeddings: np.ndarray
    ) -> _Concurrent | Forked | WorkerCall:
        """The touchpoints of ``texts``, started on a forked copy of this process when
        :attr:`processes` allows one and there are at least :data:`MIN_FORK_SENTENCES`
        sentences (the :func:`voc.forked.serving` block's worker, forked once, when in
        one; else a fork of its own), else on a thread."""

        def tag() -> list[list[str]]:
            return self.tagger.tag(texts, languages, embeddings)

        if self.processes > 1 and len(texts) >= MIN_FORK_SENTENCES:
            worker = current_worker()
            if worker is not None:
                return worker.call(_tag_shared, share(self.tagger), texts, languages, embeddings)
            return Forked(tag)
        return _Concurrent(tag)

    def _embed_with_pooled(
        self, texts: list[str], embed: EmbedFunction | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Topic embeddings and the sentiment model's pooled features of ``texts``.

        One USE pass gives both; the store's cache keeps both. Only a custom ``embed``
        function without ``with_pooled`` costs a second pass (for the pooled features).
        """
        model: Any = self.sentiment_model
        if embed is None:
            return model.embed_with_pooled(texts)
        with_pooled = getattr(embed, "with_pooled", None)
        if with_pooled is not None:
            return with_pooled(texts, model)
        return np.asarray(embed(texts), dtype=np.float32), model.pooled(texts)


class _Concurrent:
    """``function()`` on a thread of its own; :meth:`result` waits for it (in short
    waits, so that an :class:`AnalysisTimeout` aimed at the waiting thread lands) and
    returns its value or raises its exception."""

    def __init__(self, function: Callable[[], Any]) -> None:
        self.seconds = 0.0
        self._value: Any = None
        self._error: BaseException | None = None

        def run() -> None:
            started = time.perf_counter()
            try:
                self._value = function()
            except BaseException as e:  # handed to the waiting thread
                self._error = e
            self.seconds = time.perf_counter() - started

        self._thread = threading.Thread(target=run, name="voc-analysis-tag", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        """Nothing: a thread cannot be stopped (it ends on its own; its result is dropped)."""

    def result(self) -> Any:
        while self._thread.is_alive():
            self._thread.join(0.05)
        if self._error is not None:
            raise self._error
        return self._value


def _tag_shared(
    tagger: int, texts: list[str], languages: list[str], embeddings: np.ndarray
) -> list[list[str]]:
    """:meth:`TouchpointTagger.tag` of the tagger :func:`voc.forked.share` keyed ``tagger``
    (what a :class:`voc.forked.Worker` runs)."""
    found: list[list[str]] = shared(tagger).tag(texts, languages, embeddings)
    return found


def _not_analysed(text: str | None) -> int:
    """Characters of ``text`` past the analysed prefix (:data:`MAX_RECORD_CHARS`)."""
    if not text or len(text) <= MAX_RECORD_CHARS:
        return 0
    return len(text) - len(bounded_prefix(text, MAX_RECORD_CHARS))


# Moved out (issue 12), importable from here as before. Looked up on first use, since both
# modules build on this one.
_MOVED = {
    "CHUNK_BASE_SECONDS": "voc.budgets",
    "CHUNK_SECONDS_PER_RECORD": "voc.budgets",
    "RECORD_SECONDS": "voc.budgets",
    "AnalysisTimeout": "voc.budgets",
    "analyze_within_budget": "voc.budgets",
    "run_with_budget": "voc.budgets",
    "AnalyzeSummary": "voc.pending",
    "CachedEmbedding": "voc.pending",
    "analyze_pending": "voc.pending",
}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
