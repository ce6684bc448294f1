"""``voc enrich``: analyse one file, no store needed.

Reads a CSV/TSV/JSONL/JSON/Parquet/Excel file and writes the same rows, in the same order,
with every input column as it was plus the analysis columns:

==================  =========================================================================
``language``        ISO 639-1 code of the text (``und`` when it cannot be told)
``sentiment``       ``negative`` / ``neutral`` / ``positive`` (the record's overall lean)
``sentiment_score`` -1..1, ``p(positive) - p(negative)`` rolled up over the sentences
``sentiment_mixed`` true when one sentence leans positive (>= +0.10) and another is clearly
                    negative (<= -0.25)
``touchpoints``     touchpoint names of the taxonomy, joined by ``|``
``topic_id``        the row's main topic (the one holding most of its text); -1: other
``topic_label``     that topic's label (a key phrase, e.g. "refund never arrived")
``voc_error``       why a row has no analysis (``empty_text``), else empty
==================  =========================================================================

Topics (``topics``: ``auto``, ``store`` or ``file``) come from the store's topic model
(ids and labels then match ``voc topics`` and the digest) or from a topic model fitted on
the file itself (ids 1, 2, ... by size; a file with too few sentences gets -1, other;
a large file is clustered on a hash sample of :data:`FILE_TOPIC_SAMPLE` sentences, every
sentence then going to its nearest topic).
``auto`` (the default) uses the store's model only when the file fits it: when at least
:data:`MIN_STORE_FIT_SHARE` of the file's sentences are assigned to one of the store's
topics (cosine above its threshold). A file about something else (reviews of another
product, another company's complaints) would land mostly in "other" and in topics named
after other feedback, so its own topics are fitted instead. ``store`` and ``file`` force
one; ``store`` without a fitted store model is an error. The summary says which was done,
and why (``topics_from``, ``topics_reason``, ``store_assigned_share``).

A row that cannot be analysed is never dropped: it comes out with empty analysis columns
and the reason in ``voc_error``. That includes a row the file reader
(:mod:`voc.sources.files`, the one ingest uses) cannot read: a CSV row with too few or too
many fields or an unclosed quote (``malformed_row``), a line that is not a JSON object
(``malformed_json``), bytes that do not decode in the file's encoding (``bad_encoding``).
Such a row stays in its place with what could be read of it: its fields when they could
be told apart (undecodable bytes written as ``\\xNN``), else the row exactly as written
in the file in the text column and the other columns empty. The summary counts it under
its reason and lists its line (``bad_rows``). The output format follows OUT's extension;
an Excel cell cannot hold control characters (other than tab and line breaks), so in an
``.xlsx`` output they are written as ``\\xNN``. An OUT that cannot be written (a folder, a
place where no file can be made) fails before the models load.
"""

from __future__ import annotations

import logging
import re
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from voc.analysis import DEFAULT_SENTIMENT_MODEL, Analyzer
from voc.errors import ConfigError, SourceError, UserError
from voc.forked import serving
from voc.sources.files import BadRow, read_frame
from voc.sources.mapping import not_text_kind
from voc.text.language import LanguageIdentifier
from voc.text.normalize import normalize_text

logger = logging.getLogger(__name__)

__all__ = [
    "ANALYSIS_COLUMNS",
    "FILE_TOPIC_SAMPLE",
    "MAX_LISTED_BAD_ROWS",
    "MIN_STORE_FIT_SHARE",
    "SENTENCE_COLUMNS",
    "TOPIC_SOURCES",
    "EnrichSummary",
    "enrich_file",
    "enrich_frame",
    "read_table",
]

#: ``--topics`` choices.
TOPIC_SOURCES = ("auto", "store", "file")
#: ``auto`` keeps the store's topics when at least this share of the file's sentences is
#: assigned to one of them: the store refits itself when over 25 % of new sentences are
#: other (:data:`voc.topics.store.MAX_NEW_OTHER_SHARE`), and a file is judged the same way.
MIN_STORE_FIT_SHARE = 0.75
#: Topics fitted on a file cluster at most this many of its sentences (the model's hash
#: sample, :attr:`voc.topics.TopicModel.sample_size`), then every sentence goes to its
#: nearest topic, as a store's refit does above its own sample of 20,000. Half the store's
#: sample halves the clustering of a large file (5,000 clothing reviews, 28,000
#: sentences: 3.4 -> 1.5 CPU seconds) at the same agreement with the reviews' classes
#: (docs/benchmarks.md, issue 15); a file of fewer sentences is clustered whole, as before.
FILE_TOPIC_SAMPLE = 10_000

#: Columns ``voc enrich`` adds, in order (before any ``prefix``).
ANALYSIS_COLUMNS = [
    "language",
    "sentiment",
    "sentiment_score",
    "sentiment_mixed",
    "touchpoints",
    "topic_id",
    "topic_label",
    "voc_error",
]

#: Columns of ``--sentences``' file, one row per sentence analysed: ``row`` is the
#: 0-based position of its row in the input (and the output), the input's ``--id-col``
#: follows it when given; ``sentence_index`` is its place in its row.
SENTENCE_COLUMNS = [
    "row",
    "sentence_index",
    "sentence",
    "language",
    "sentiment",
    "sentiment_score",
    "touchpoints",
    "topic_id",
    "topic_label",
]

#: Bad rows listed one by one in :attr:`EnrichSummary.bad_rows` (all are counted).
MAX_LISTED_BAD_ROWS = 100

_WRITE_FORMATS = {".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".parquet", ".pq", ".xlsx"}


@dataclass
class EnrichSummary:
    """What ``enrich_file`` did.

    Attributes:
        rows: Rows read and written.
        analysed: Rows with an analysis.
        errors: Rows without one, by reason.
        sentences: Sentences analysed.
        seconds: ``model_loading``, ``read``, ``analysis`` (of which ``split``, ``embed``,
            ``sentiment``, ``touchpoints``, ``topics``), ``write`` and ``total``.
        output: The file written.
        topics_from: ``store`` (the store's topic model), ``file`` (fitted on the file)
            or why there are none.
        topics_reason: Why that source (e.g. "62% of the sentences fit the store's
            topics, under 75%").
        store_assigned_share: Share of the file's sentences the store's model assigned to
            a topic (None when the store's model was not tried).
        truncated: Rows analysed only up to their first
            :data:`voc.analysis.MAX_RECORD_CHARS` characters; ``chars_not_analysed`` the
            characters past that, over all rows.
        unreadable: Rows the file reader could not read (each also counted in ``errors``
            under its reason).
        bad_rows: Those rows, ``{"line", "reason", "detail"}``, the first
            :data:`MAX_LISTED_BAD_ROWS`.
    """

    rows: int = 0
    analysed: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    sentences: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    output: str = ""
    topics_from: str = ""
    topics_reason: str = ""
    store_assigned_share: float | None = None
    truncated: int = 0
    chars_not_analysed: int = 0
    unreadable: int = 0
    bad_rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def items_per_second(self) -> float:
        """Rows analysed per second of analysis (model loading, reading, writing apart)."""
        seconds = self.seconds.get("analysis", 0.0)
        return self.rows / seconds if seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        """As a JSON-ready dict."""
        return {
            "rows": self.rows,
            "analysed": self.analysed,
            "errors": dict(self.errors),
            "sentences": self.sentences,
            "topics_from": self.topics_from,
            "topics_reason": self.topics_reason,
            "store_assigned_share": None
            if self.store_assigned_share is None
            else round(self.store_assigned_share, 4),
            "items_per_second": round(self.items_per_second, 1),
            "seconds": {key: round(value, 3) for key, value in self.seconds.items()},
            "output": self.output,
            "truncated": self.truncated,
            "chars_not_analysed": self.chars_not_analysed,
            "unreadable": self.unreadable,
            "bad_rows": list(self.bad_rows),
        }


def read_table(path: str | Path, encoding: str = "auto", sheet: str | None = None) -> pd.DataFrame:
    """Read a whole table as ``voc enrich`` reads it, every column kept.

    A thin wrapper of :func:`voc.sources.files.read_frame` (the reader ingest uses too),
    kept for callers that want just the frame. CSV and TSV cells are kept as text exactly
    as written (no number or date guessing, an empty cell stays empty), in the file's
    encoding (detected: UTF-8, UTF-16 and UTF-8 with BOM, CP932, cp1252, latin-1). JSONL,
    JSON arrays, Parquet and Excel keep their types. A row that cannot be read stays in
    its place with what could be read of it, and is logged as a warning with its line and
    reason; :func:`read_frame` gives those rows to callers that handle them.

    Raises:
        SourceError: Missing file, unknown extension, or a file that cannot be read at all.
    """
    read = read_frame(path, encoding=encoding, sheet=sheet)
    for bad in read.bad:
        logger.warning("%s line %d: %s (%s)", path, bad.line, bad.reason, bad.detail)
    return read.frame


class _Pieces:
    """Sentences of a whole file, kept (float16 vectors) until topics are assigned; with
    ``keep``, their analyses and topics too, for :meth:`frame`."""

    def __init__(self, keep: bool = False) -> None:
        self.keep = keep
        self.records: list[int] = []
        self.lengths: list[int] = []
        self.texts: list[str] = []
        self.languages: list[str] = []
        self.vectors: list[np.ndarray] = []
        self.analyses: list[Any] = []  # each sentence's SentenceAnalysis
        self.topic_ids: list[int] = []  # each sentence's topic, once assigned
        self.names: dict[int, str] = {}  # topic labels by id

    def add(self, result: Any, offset: int, codes: list[str | None]) -> None:
        for sentence in result.sentences:
            self.records.append(offset + sentence.record)
            self.lengths.append(len(sentence.text))
            self.texts.append(sentence.text)
            self.languages.append(codes[sentence.record] or "und")
            if self.keep:
                self.analyses.append(sentence)
        self.vectors.append(np.asarray(result.embeddings, dtype=np.float16))

    def record_topics(
        self,
        n_records: int,
        errors: list[str | None],
        topic_model: tuple[Any, dict[int, str]] | None,
        summary: EnrichSummary,
        topics: str = "auto",
        label_embedder: Any = None,
        label_language: str = "en",
        vector_map: str | None = None,
    ) -> tuple[list[int | None], list[str | None]]:
        from voc.topics import OTHER, OTHER_LABEL, TopicModel, TopicRegistry

        ids: list[int | None] = [None] * n_records
        labels: list[str | None] = [None] * n_records
        vectors = np.vstack(self.vectors).astype(np.float32) if self.texts else np.zeros((0, 1))
        clock = time.perf_counter()
        use_store = False
        if topic_model is not None and topics != "file":
            model, names = topic_model
            sentence_topics, _ = model.assign(vectors) if self.texts else (np.zeros(0), None)
            share = float(np.mean(sentence_topics != OTHER)) if self.texts else 0.0
            summary.store_assigned_share = share
            use_store = topics == "store" or share >= MIN_STORE_FIT_SHARE
            if topics == "store":
                summary.topics_reason = (
                    f"--topics store ({share:.0%} of the sentences fit the store's topics)"
                )
            elif use_store:
                summary.topics_reason = (
                    f"{share:.0%} of the sentences fit the store's topics "
                    f"(at least {MIN_STORE_FIT_SHARE:.0%})"
                )
            else:
                summary.topics_reason = (
                    f"only {share:.0%} of the sentences fit the store's topics "
                    f"(under {MIN_STORE_FIT_SHARE:.0%}): the file is about something else"
                )
        elif topics == "file":
            summary.topics_reason = "--topics file"
        else:
            summary.topics_reason = "no topic model in the store for this embedder"
        if use_store:
            summary.topics_from = "store"
        elif len(self.texts) >= 2 * TopicModel().min_topic_size:
            model = TopicModel(
                label_embedder=label_embedder,
                label_language=label_language,
                vector_map=vector_map,
                sample_size=FILE_TOPIC_SAMPLE,
            )
            fit = model.fit(vectors, self.texts, self.languages).fit_result_
            update = TopicRegistry().update(fit, "file")
            sentence_topics = update.ids_of(fit.labels)
            names = {int(update.topic_ids[t.index]): t.label for t in fit.topics}
            summary.topics_from = "file"
        else:
            sentence_topics = np.full(len(self.texts), OTHER)
            names = {}
            summary.topics_from = "none (too few sentences)"
            summary.topics_reason = _too_few_reason(len(self.texts), summary)
        summary.seconds["topics"] = time.perf_counter() - clock
        if self.keep:
            self.topic_ids, self.names = [int(t) for t in sentence_topics.tolist()], names
        weight: dict[int, dict[int, int]] = {}
        for record, topic, length in zip(
            self.records, sentence_topics.tolist(), self.lengths, strict=True
        ):
            per = weight.setdefault(record, {})
            per[int(topic)] = per.get(int(topic), 0) + length
        for record in range(n_records):
            if errors[record] is not None or record not in weight:
                continue
            per = weight[record]
            # The topic with most of the text; other only when nothing else is there.
            best = max(per, key=lambda t: (t != OTHER, per[t], -t))
            ids[record] = best
            labels[record] = OTHER_LABEL if best == OTHER else names.get(best, str(best))
        return ids, labels

    def frame(self) -> pd.DataFrame:
        """One row per sentence (:data:`SENTENCE_COLUMNS`), after :meth:`record_topics`."""
        from voc.topics import OTHER, OTHER_LABEL

        return pd.DataFrame(
            dict(
                row=pd.Series(self.records, dtype="Int64"),
                sentence_index=pd.Series([a.index for a in self.analyses], dtype="Int64"),
                sentence=pd.Series(self.texts, dtype="string"),
                language=pd.Series(self.languages, dtype="string"),
                sentiment=pd.Series([a.sentiment for a in self.analyses], dtype="string"),
                sentiment_score=pd.Series(
                    [a.sentiment_score for a in self.analyses], dtype="Float64"
                ),
                touchpoints=pd.Series(
                    ["|".join(a.touchpoints) for a in self.analyses], dtype="string"
                ),
                topic_id=pd.Series(self.topic_ids, dtype="Int64"),
                topic_label=pd.Series(
                    [
                        OTHER_LABEL if t == OTHER else self.names.get(t, str(t))
                        for t in self.topic_ids
                    ],
                    dtype="string",
                ),
            )
        )


def _too_few_reason(n_sentences: int, summary: EnrichSummary) -> str:
    """Why a file got no topics: too few sentences to fit on (and, when the store's
    model was tried, how few of them fit it)."""
    from voc.topics import TopicModel

    reason = (
        f"{n_sentences} sentence(s), too few to fit topics on the file "
        f"(at least {2 * TopicModel().min_topic_size})"
    )
    if summary.store_assigned_share is None:
        return reason
    return (
        f"{reason}, and {summary.store_assigned_share:.0%} of them fit the store's topics "
        f"(under {MIN_STORE_FIT_SHARE:.0%})"
    )


def _check_writable(out: Path, option: str = "--out") -> None:
    """Fail before any work when ``out`` cannot be written: a folder, or a place where no
    file can be made (a read-only or missing mount)."""
    if out.is_dir():
        raise UserError(
            f"{option}: {out} is a folder; give a file in it, e.g. {out / 'enriched.csv'}"
        )
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out.parent, prefix=".voc-enrich-"):
            pass
    except OSError as e:
        raise UserError(
            f"{option}: cannot write a file in {out.parent} ({e.strerror or e}); "
            "choose another place"
        ) from e


#: Characters an Excel cell cannot hold (openpyxl refuses them): control characters but
#: tab, line feed and carriage return.
_NOT_IN_EXCEL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _excel_safe(value: Any) -> Any:
    """A text with the characters Excel cannot hold written as ``\\xNN`` (as the reader
    writes bytes it cannot decode), so the row is written, not the whole file refused."""
    if isinstance(value, str) and _NOT_IN_EXCEL.search(value):
        return _NOT_IN_EXCEL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    return value


def _store_topic_model(
    store_path: str | Path | None, embedder: str, language: str | None = None
) -> tuple[Any, dict[int, str]] | None:
    """The store's topic model and labels (in ``language`` where a topic has one), when
    there is one for this embedder."""
    if store_path is None or not Path(store_path).exists():
        return None
    from voc.store.topics import has_topic_model
    from voc.store.warehouse import Warehouse
    from voc.topics.store import load_model, topic_labels

    with Warehouse(store_path, read_only=True) as store:
        if not has_topic_model(store):
            return None
        stored = load_model(store)
        if stored is None or stored.embedder != embedder:
            return None
        names = topic_labels(store, language)
    return stored.model, names


def _write_table(df: pd.DataFrame, path: Path) -> None:
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        df.to_csv(path, index=False)
    elif suffix == ".tsv":
        df.to_csv(path, index=False, sep="\t")
    elif suffix in (".jsonl", ".ndjson"):
        df.to_json(path, orient="records", lines=True, force_ascii=False, date_format="iso")
    elif suffix == ".json":
        df.to_json(path, orient="records", force_ascii=False, date_format="iso", indent=1)
    elif suffix in (".parquet", ".pq"):
        df.to_parquet(path, index=False)
    else:
        safe = df.copy()
        for column in safe.columns:
            if safe[column].dtype == object or safe[column].dtype == "string":
                safe[column] = safe[column].map(_excel_safe)
        safe.to_excel(path, index=False)


def _text_of(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return normalize_text(str(value))


def enrich_frame(
    df: pd.DataFrame,
    text_col: str,
    analyzer: Analyzer,
    *,
    prefix: str = "",
    languages: tuple[str, ...] = ("en", "ja"),
    batch_size: int = 1000,
    progress: Callable[[int], None] | None = None,
    summary: EnrichSummary | None = None,
    topic_model: tuple[Any, dict[int, str]] | None = None,
    topics: str = "auto",
    label_language: str = "en",
    vector_map: str | None = None,
    row_errors: list[str | None] | None = None,
    sentences: list[pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """The frame with the analysis columns added (see the module docstring).

    Args:
        df: The input; left unchanged.
        text_col: Column holding the feedback text.
        analyzer: The models.
        prefix: Put before every added column's name (``voc_`` gives ``voc_sentiment``).
        languages: Languages to tell apart (as ``ingest.languages`` in the config).
        batch_size: Rows analysed at once.
        progress: Called with the number of rows just finished, after each batch.
        summary: Filled in with counts when given.
        topic_model: A fitted :class:`voc.topics.TopicModel` (with stable ids set) and
            its labels by id, to assign topics with; None fits one on this frame.
        topics: ``auto``, ``store`` or ``file`` (the module docstring).
        label_language: Language of the labels of topics fitted here (the digest's).
        vector_map: The map of the embeddings topics fitted here are found in
            (``topics.vector_map``, :mod:`voc.topics.space`); None: none.
        row_errors: Per row, why the file reader could not read it (``malformed_row``,
            ``bad_encoding``, ...) or None. Such a row is not analysed: its reason goes to
            ``voc_error`` and to the summary's ``errors``. So does a text that is an
            object or a list (``not_text``, as ingest quarantines it).
        sentences: When given, the frame of one row per sentence
            (:data:`SENTENCE_COLUMNS`) is appended to it.

    Raises:
        ConfigError: ``text_col`` missing, an added column already exists, or
            ``row_errors`` is not one per row.
    """
    if text_col not in df.columns:
        raise ConfigError(
            f"--text-col: no column {text_col!r} in the input; its columns are "
            f"{', '.join(map(str, df.columns))}"
        )
    added = [prefix + name for name in ANALYSIS_COLUMNS]
    clashes = [name for name in added if name in df.columns]
    if clashes:
        raise ConfigError(
            f"the input already has column(s) {', '.join(clashes)}, which enrich would "
            "overwrite; pass --prefix voc_ (or rename them)"
        )
    if row_errors is not None and len(row_errors) != len(df):
        raise ConfigError(f"row_errors: {len(row_errors)} reasons for {len(df)} rows")
    summary = summary if summary is not None else EnrichSummary()
    identifier = LanguageIdentifier(languages)
    values = df[text_col].tolist()
    # An object or a list (a JSON export's nested record) is no text: ingest's not_text.
    objects = [not_text_kind(value) is not None for value in values]
    if any(objects):
        row_errors = [
            error or ("not_text" if is_object else None)
            for error, is_object in zip(row_errors or [None] * len(df), objects, strict=True)
        ]
    texts = ["" if is_object else _text_of(v) for v, is_object in zip(values, objects, strict=True)]
    if row_errors is not None:  # a row the reader could not read is not analysed
        texts = ["" if error else text for text, error in zip(texts, row_errors, strict=True)]
    out: dict[str, list[Any]] = {name: [] for name in ANALYSIS_COLUMNS}
    errors: Counter[str] = Counter()
    pieces = _Pieces(keep=sentences is not None)
    # One forked worker for the whole frame (touchpoints beside sentiment, half of the
    # topic fit's keyword tagging) rather than a fork per batch: docs/benchmarks.md.
    with serving():
        for start in range(0, len(texts), batch_size):
            chunk = texts[start : start + batch_size]
            codes = [identifier.identify(text) if text.strip() else None for text in chunk]
            result = analyzer.analyze(chunk, codes)
            summary.sentences += len(result.sentences)
            pieces.add(result, start, codes)
            for step, seconds in result.seconds.items():
                summary.seconds[step] = summary.seconds.get(step, 0.0) + seconds
            unread = row_errors[start : start + batch_size] if row_errors else [None] * len(chunk)
            for code, record, reason in zip(codes, result.records, unread, strict=True):
                error = reason or record.error
                out["language"].append(code)
                out["sentiment"].append(None if reason else record.sentiment)
                out["sentiment_score"].append(None if reason else record.sentiment_score)
                out["sentiment_mixed"].append(None if error else record.mixed)
                out["touchpoints"].append(None if error else "|".join(record.touchpoints))
                out["voc_error"].append(error)
                if error:
                    errors[error] += 1
                elif record.chars_not_analysed:
                    summary.truncated += 1
                    summary.chars_not_analysed += record.chars_not_analysed
            if progress is not None:
                progress(len(chunk))
        out["topic_id"], out["topic_label"] = pieces.record_topics(
            len(df),
            out["voc_error"],
            topic_model,
            summary,
            topics=topics,
            label_embedder=analyzer.embedder,
            label_language=label_language,
            vector_map=vector_map,
        )
    if sentences is not None:
        sentences.append(pieces.frame())
    enriched = df.copy()
    for name in ANALYSIS_COLUMNS:
        enriched[prefix + name] = pd.Series(out[name], index=df.index, dtype=_DTYPES[name])
    summary.rows += len(df)
    summary.analysed += len(df) - sum(errors.values())
    for reason, count in errors.items():
        summary.errors[reason] = summary.errors.get(reason, 0) + count
    return enriched


_DTYPES = {
    "language": "string",
    "sentiment": "string",
    "sentiment_score": "Float64",
    "sentiment_mixed": "boolean",
    "touchpoints": "string",
    "topic_id": "Int64",
    "topic_label": "string",
    "voc_error": "string",
}


def _with_bad_rows(df: pd.DataFrame, bad: list[BadRow], text_col: str) -> pd.DataFrame:
    """The frame with each bad row whose fields could not be told apart holding the row as
    written in the text column, so nothing of it is lost."""
    unsplit = [row for row in bad if not row.has_fields]
    if not unsplit or (text_col not in df.columns and len(df.columns) > 0):
        return df  # a missing text column is enrich_frame's error to raise
    # A JSON file none of whose lines could be read has no columns at all: the text
    # column is added to hold the lines as written.
    texts = (
        df[text_col].astype(object)
        if text_col in df.columns
        else pd.Series([None] * len(df), index=df.index, dtype=object)
    )
    for row in unsplit:
        texts.iat[row.position] = row.raw
    df = df.copy()
    df[text_col] = texts
    return df


def enrich_file(
    input_path: str | Path,
    text_col: str,
    out: str | Path,
    *,
    id_col: str | None = None,
    time_col: str | None = None,
    taxonomy: str | Path | None = None,
    sentiment_model: str = DEFAULT_SENTIMENT_MODEL,
    prefix: str = "",
    encoding: str = "auto",
    languages: tuple[str, ...] = ("en", "ja"),
    batch_size: int = 1000,
    progress: Callable[[int, int], Any] | None = None,
    store_path: str | Path | None = None,
    topics: str = "auto",
    label_language: str = "en",
    sentences_out: str | Path | None = None,
    vector_map: str | None = None,
) -> EnrichSummary:
    """Analyse ``input_path`` and write ``out`` (see the module docstring).

    Args:
        input_path: CSV, TSV, JSONL, JSON, Parquet or Excel file.
        text_col: Column with the feedback text.
        out: Output file; its extension picks the format (may differ from the input's).
        id_col: Column with a row id: checked to exist, and to be unique (a duplicate id
            fails the run before any work, naming the id).
        time_col: Column with the time each row was written: checked to exist (topic
            trends read it).
        taxonomy: Touchpoint taxonomy YAML (default ``configs/taxonomy.yaml``).
        sentiment_model: Sentiment model name or folder.
        prefix: See :func:`enrich_frame`.
        encoding: Text encoding of CSV/TSV input (``auto`` detects it).
        languages: Languages to tell apart.
        batch_size: Rows analysed at once.
        progress: Called with ``(rows_done, rows_total)`` after each batch.
        store_path: A store whose topic model may assign the topics (when it has one
            fitted with the same embedder, and the file fits it: ``topics``).
        topics: ``auto`` (the store's topics when the file fits them, else the file's
            own), ``store`` or ``file``.
        label_language: Language of topic labels when a topic has several (the digest's).
        vector_map: See :func:`enrich_frame`.
        sentences_out: Also write one row per sentence here (:data:`SENTENCE_COLUMNS`,
            the ``id_col`` after ``row``), in the format of its extension.

    Returns:
        An :class:`EnrichSummary`.

    Raises:
        ConfigError: Bad column names, taxonomy or model; the output is not written.
        SourceError: The input cannot be read.
    """
    if topics not in TOPIC_SOURCES:
        raise ConfigError(f"--topics: {topics!r} is not one of {', '.join(TOPIC_SOURCES)}")
    out = Path(out)
    targets = [("--out", out)]
    if sentences_out is not None:
        sentences_out = Path(sentences_out)
        targets.append(("--sentences", sentences_out))
    for option, path in targets:
        if path.suffix.lower() not in _WRITE_FORMATS:
            raise ConfigError(
                f"{option}: cannot tell the output format from {path.name!r}; end it in one of "
                f"{', '.join(sorted(_WRITE_FORMATS))}"
            )
        _check_writable(path, option)
    started = time.perf_counter()
    summary = EnrichSummary(output=str(out))
    clock = time.perf_counter()
    read = read_frame(input_path, encoding=encoding)
    df = read.frame
    summary.seconds["read"] = time.perf_counter() - clock
    if df.shape == (0, 0):
        raise SourceError(
            f"{input_path} is empty: no columns and no rows, so there is nothing to enrich"
        )
    for option, column in (("--id-col", id_col), ("--time-col", time_col)):
        if column is not None and column not in df.columns:
            raise ConfigError(
                f"{option}: no column {column!r} in {input_path}; its columns are "
                f"{', '.join(map(str, df.columns))}"
            )
    row_errors: list[str | None] | None = None
    if read.bad:
        df = _with_bad_rows(df, read.bad, text_col)
        row_errors = [None] * len(df)
        for bad in read.bad:
            row_errors[bad.position] = bad.reason
        summary.unreadable = len(read.bad)
        summary.bad_rows = [
            {"line": bad.line, "reason": bad.reason, "detail": bad.detail}
            for bad in read.bad[:MAX_LISTED_BAD_ROWS]
        ]
    if id_col is not None:
        ids = df[id_col] if row_errors is None else df[id_col][[e is None for e in row_errors]]
        repeated = ids[ids.duplicated()]
        if not repeated.empty:
            raise ConfigError(
                f"--id-col {id_col}: {len(repeated)} id(s) repeat, e.g. {repeated.iat[0]!r}; "
                "an id must name one row (drop --id-col, or de-duplicate the file)"
            )
    clock = time.perf_counter()
    analyzer = Analyzer.load(sentiment_model, taxonomy)
    analyzer.warm_up()
    topic_model = (
        None
        if topics == "file"
        else _store_topic_model(store_path, analyzer.embedder_name, label_language)
    )
    if topics == "store" and topic_model is None:
        raise ConfigError(
            f"--topics store: the store {store_path} has no topic model fitted with the "
            f"embedder {analyzer.embedder_name}; run `voc run` first, or use --topics auto"
        )
    if topics != "store":
        from voc.topics import TopicModel

        TopicModel().warm_up()  # the keyword tagger a fit on the file loads: model loading
    summary.seconds["model_loading"] = time.perf_counter() - clock
    done = 0

    def step(rows: int) -> None:
        nonlocal done
        done += rows
        if progress is not None:
            progress(done, len(df))

    clock = time.perf_counter()
    sentence_frames: list[pd.DataFrame] | None = [] if sentences_out is not None else None
    enriched = enrich_frame(
        df,
        text_col,
        analyzer,
        prefix=prefix,
        languages=languages,
        batch_size=batch_size,
        progress=step,
        summary=summary,
        topic_model=topic_model,
        topics=topics,
        label_language=label_language,
        vector_map=vector_map,
        row_errors=row_errors,
        sentences=sentence_frames,
    )
    summary.seconds["analysis"] = time.perf_counter() - clock
    clock = time.perf_counter()
    _write_table(enriched, out)
    if sentences_out is not None and sentence_frames:
        by_sentence = sentence_frames[0]
        if id_col is not None and id_col not in by_sentence.columns:
            rows = by_sentence["row"].to_numpy(dtype=int)
            by_sentence.insert(1, id_col, df[id_col].iloc[rows].to_numpy())
        _write_table(by_sentence, sentences_out)
    summary.seconds["write"] = time.perf_counter() - clock
    summary.seconds["total"] = time.perf_counter() - started
    return summary
