"""The configuration: ``configs/voc.yaml`` parsed into validated pydantic models.

A mistake fails at start-up with the key's path and what is expected, e.g.::

    configs/voc.yaml: sources[1].rating_scale: Input should be 'stars5', 'nps', 'csat'
    or 'ces' (you wrote 'stars10')

Relative paths (store, source paths, taxonomy) are resolved against the directory voc is
run from, like every other command-line tool. Secrets (tokens, passwords) are never read
from this file: a key that looks like one is refused with a pointer to the environment,
where settings that need a secret read it from.
"""

from __future__ import annotations

import os
import re
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from voc.config_checks import (  # re-exported: callers import them from here too
    check_cron,
    check_timezone,
    explain_validation_error,
)
from voc.errors import ConfigError

DEFAULT_CONFIG_PATH = Path("configs/voc.yaml")
DEFAULT_STORE_PATH = Path("voc-data/voc.duckdb")
CONFIG_ENV_VAR = "VOC_CONFIG"


class RatingScale(StrEnum):
    """The scales a rating can be on, with the range of valid values."""

    STARS5 = "stars5"
    NPS = "nps"
    CSAT = "csat"
    CES = "ces"

    @property
    def bounds(self) -> tuple[int, int]:
        """Smallest and largest valid value on this scale."""
        return _SCALE_BOUNDS[self]


_SCALE_BOUNDS = {
    RatingScale.STARS5: (1, 5),
    RatingScale.NPS: (0, 10),
    RatingScale.CSAT: (1, 5),
    RatingScale.CES: (1, 7),
}

SourceFormat = Literal["auto", "csv", "tsv", "jsonl", "json", "parquet", "xlsx"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConversationConfig(_Strict):
    """How to turn a ticket's conversation (a list of messages) into the feedback text.

    Only the customer's own messages are kept: an agent's boilerplate is not the voice of
    the customer.
    """

    messages: str = Field(description="Field holding the list of messages, e.g. `comments`.")
    text: str = Field("body", description="Field of a message that holds its text.")
    role: str = Field("author_role", description="Field of a message naming who wrote it.")
    customer_roles: list[str] = Field(
        default_factory=lambda: ["end-user", "customer", "requester", "user"],
        description="Values of `role` that mean the customer wrote the message.",
    )


class SourceConfig(_Strict):
    """One configured source: where its files are and how its fields map to the record.

    Field names take a column name, or a dotted path into nested JSON (``author.username``).
    A preset (``app_store``, ``survey``, ``social``, ``support_tickets``) fills in the
    mapping of a well-known export; any key given here overrides the preset's.
    """

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="Unique source name.")
    path: str = Field(description="A file, or a glob over a folder (`exports/*.csv`).")
    preset: str | None = None
    format: SourceFormat = "auto"
    encoding: str = Field("auto", description="auto, utf-8, utf-8-sig, cp932, latin-1, ...")
    sheet: str | None = Field(None, description="Excel sheet name (default: the first).")
    channel: str | None = Field(None, description="Channel of every row, e.g. `review`.")
    channel_col: str | None = Field(None, description="Column giving the channel per row.")
    touchpoint: str | None = Field(None, description="Touchpoint of every row, if known.")
    touchpoint_col: str | None = None
    text_col: str | list[str] | None = Field(
        None, description="Column with the text; a list is joined (title, then body)."
    )
    conversation: ConversationConfig | None = None
    id_col: str | None = Field(None, description="Native id; without one the id hashes content.")
    time_col: str | None = None
    time_format: str | None = Field(
        None, description="strptime format, e.g. `%d/%m/%y`; default: ISO 8601 and friends."
    )
    timezone: str = Field("UTC", description="Zone of timestamps that carry no offset.")
    rating_col: str | None = None
    rating_scale: RatingScale | None = None
    metadata_cols: list[str] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        import codecs

        if value != "auto":
            try:
                codecs.lookup(value)
            except LookupError as e:
                raise ValueError(
                    f"unknown encoding {value!r}; write 'auto', 'utf-8', 'cp932' or 'latin-1'"
                ) from e
        return value

    @model_validator(mode="after")
    def _complete_mapping(self) -> SourceConfig:
        if self.preset is not None:
            return self  # completeness is checked after the preset is applied
        _check_complete(self)
        return self


def _check_complete(source: SourceConfig) -> None:
    if source.text_col is None and source.conversation is None:
        raise ValueError("needs `text_col` (the column with the feedback text) or `conversation`")
    if source.channel is None and source.channel_col is None:
        raise ValueError("needs `channel` (e.g. review, app_store, survey, social, support)")
    if source.rating_col is not None and source.rating_scale is None:
        raise ValueError("has `rating_col` but no `rating_scale`: write stars5, nps, csat or ces")


class RedactionConfig(_Strict):
    """PII redaction, applied before anything is stored."""

    ner: bool = Field(
        True,
        description=(
            "Also redact person names found by spaCy NER (English and Japanese). On by "
            "default: quotes end up in digests people read. About 3x slower ingest."
        ),
    )


class IngestConfig(_Strict):
    """How ingest reads and cleans feedback."""

    chunk_size: int = Field(5000, ge=100, le=1_000_000, description="Rows per batch.")
    languages: list[str] = Field(default_factory=lambda: ["en", "ja"])
    redaction: RedactionConfig = Field(default_factory=RedactionConfig)
    future_tolerance_hours: float = Field(
        24, ge=0, description="A timestamp this far past now is impossible: quarantined."
    )

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str]) -> list[str]:
        from voc.text.language import LanguageIdentifier

        try:
            LanguageIdentifier(tuple(value))._configured()
        except ConfigError as e:
            raise ValueError(str(e).removeprefix("languages: ")) from e
        return value


class AnalysisConfig(_Strict):
    """How stored feedback is analysed (sentences, sentiment, touchpoints)."""

    sentiment_model: str = Field(
        "v3",
        description=(
            "A sentiment model's name (a folder under models/sentiment/, e.g. v3, v4 or v2, or "
            "one made by `voc train sentiment --name NAME`) or a path to its folder."
        ),
    )
    chunk_size: int = Field(
        2000, ge=50, le=100_000, description="Records analysed and written per transaction."
    )


class SlackConfig(_Strict):
    """Post the digest's Markdown to a Slack incoming webhook.

    The webhook URL is a secret: it comes from the environment variable named by
    ``webhook_env``, or from the Prefect Secret block named by ``webhook_block``.
    """

    webhook_env: str = Field(
        "VOC_SLACK_WEBHOOK_URL", description="Environment variable holding the webhook URL."
    )
    webhook_block: str | None = Field(
        None, description="Or: the name of a Prefect Secret block holding the webhook URL."
    )


class EmailConfig(_Strict):
    """E-mail the digest's HTML over SMTP (the HTML file is attached as well)."""

    host: str = Field(description="SMTP server, e.g. smtp.example.com.")
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = Field(
        "starttls", description="starttls (port 587), ssl (port 465) or none (a local relay)."
    )
    sender: str = Field(description="The From address.")
    to: list[str] = Field(min_length=1, description="Recipients.")
    username_env: str | None = Field(
        "VOC_SMTP_USERNAME", description="Environment variable with the SMTP user name."
    )
    password_env: str | None = Field(
        "VOC_SMTP_PASSWORD", description="Environment variable with the SMTP password."
    )
    password_block: str | None = Field(
        None, description="Or: the name of a Prefect Secret block holding the password."
    )
    timeout_seconds: float = Field(30, gt=0, le=600)


class DeliveryConfig(_Strict):
    """Where the digest goes besides reports/ (optional: nothing is sent unless configured)."""

    slack: SlackConfig | None = None
    email: EmailConfig | None = None
    retries: int = Field(3, ge=0, le=20, description="Tries after the first one fails.")
    retry_delay_seconds: float = Field(
        10, ge=0, le=3600, description="Wait before the first retry; doubled for each next one."
    )


class DigestConfig(_Strict):
    """The weekly pain-point digest (`voc digest`, and the Monday schedule)."""

    language: Literal["en", "ja"] = Field(
        "en",
        description="Headings and labels in English (en) or Japanese (ja); quotes stay as written.",
    )
    out_dir: Path = Field(Path("reports"), description="Digests go to OUT_DIR/YYYY-Www/.")
    top: int = Field(10, ge=1, le=50, description="Pain points listed.")
    quotes: int = Field(3, ge=1, le=5, description="Quotes per pain point.")
    history_weeks: int = Field(
        8, ge=2, le=52, description="Weeks shown in the trend charts and compared against."
    )
    delivery: DeliveryConfig = Field(default_factory=DeliveryConfig)


class SchedulesConfig(_Strict):
    """When the deployments started by `voc serve` run (cron, in ``timezone``)."""

    timezone: str = Field("UTC", description="IANA zone the cron times are read in.")
    ingest: str = Field(
        "0 6 * * *", description="Ingest, then analyse what is new (the `run` flow): daily 06:00."
    )
    digest: str = Field("0 8 * * 1", description="The weekly digest: Mondays 08:00.")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("ingest", "digest")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        return check_cron(value)


class TopicsConfig(_Strict):
    """Topics (`voc topics`): labels a person gave, kept over every refit."""

    labels: dict[int, str] = Field(
        default_factory=dict,
        description=(
            "Topic id -> label, e.g. {12: 'parcel arrived late'}; applied after every "
            "refit (`voc topics rename ID LABEL` does the same from the command line). "
            "When a refit retires a topic named here, its label goes to the topic that "
            "took at least half of its sentences (if unnamed), and this id then names "
            "that topic, with a warning to write its id; otherwise the label stays on the "
            "retired topic and `voc topics` says why."
        ),
    )
    vector_map: str = Field(
        default="none",
        description=(
            "The linear map of the sentence embeddings topics are found in: a folder "
            "under models/topics/ (use-cca-v1: USE's directions most correlated with "
            "MiniLM's, +0.046 NMI on the worst dev set, but pain points named by "
            "subject-less complaints on the demo) or 'none' (the default) for the "
            "embeddings as they are. Takes "
            "effect at the next refit (a new week, or the refit-topics flow)."
        ),
    )

    @field_validator("vector_map")
    @classmethod
    def _known_map(cls, value: str) -> str:
        if value != "none":
            from voc.topics.space import load_vector_map

            load_vector_map(value)  # ConfigError naming the places looked in
        return value

    @property
    def map_name(self) -> str | None:
        """``vector_map`` as :class:`~voc.topics.TopicModel` takes it (None: no map)."""
        return None if self.vector_map == "none" else self.vector_map


class AlertsConfig(_Strict):
    """Alerts to touchpoint owners after each daily run (:mod:`voc.loop`, `voc alerts`).

    A pain point alerts when it turns emerging, or when its complaints (records x negative
    share) jump to at least ``negative_jump`` times the week before; either way it needs at
    least ``min_negative`` complaints. It goes once per ISO week to each owner of its
    touchpoints (``owner:`` in the taxonomy), by Slack and/or e-mail.
    """

    enabled: bool = Field(True, description="Check for alerts after each daily run.")
    negative_jump: float = Field(
        2.0,
        ge=1.0,
        le=100.0,
        description="Complaints at least this many times the week before alert.",
    )
    min_negative: float = Field(
        10.0,
        ge=1.0,
        description="Fewer complaints than this in the week never alert (noise).",
    )
    weeks: int = Field(
        2,
        ge=1,
        le=8,
        description="Weeks checked: the latest week with data and the ones before it.",
    )
    min_touchpoint_share: float = Field(
        0.25,
        gt=0,
        le=1,
        description=(
            "An owner hears of a pain point when its touchpoint holds at least this share "
            "of the pain point's records (the largest touchpoint's owner always does)."
        ),
    )
    fallback: Literal["none", "digest"] = Field(
        "none",
        description=(
            "A pain point whose touchpoints have no reachable owner: none (listed by "
            "`voc alerts` as no-owner) or digest (sent to digest.delivery's Slack/e-mail)."
        ),
    )
    retries: int = Field(1, ge=0, le=10, description="Tries after a failed send, per channel.")
    retry_delay_seconds: float = Field(
        5, ge=0, le=600, description="Wait before a retry; a failure is retried next run too."
    )


class FixesConfig(_Strict):
    """Did the fix work? (:mod:`voc.insights.fixes`, `voc fixes`, the digest's section.)

    A topic marked ``fix-shipped`` on a date is compared over ``before_weeks`` weeks before
    the fix's ISO week and ``after_weeks`` weeks after it (the fix week left out).
    """

    before_weeks: int = Field(
        4, ge=1, le=52, description="Weeks before the fix's week compared with after."
    )
    after_weeks: int = Field(
        4,
        ge=1,
        le=52,
        description="Full weeks after the fix's week needed before a verdict (else too early).",
    )
    min_records: int = Field(
        20,
        ge=1,
        description=(
            "Mentions the topic needs in the weeks before; fewer is too few to tell a "
            "change from chance."
        ),
    )


class StoreConfig(_Strict):
    """The warehouse."""

    path: Path = DEFAULT_STORE_PATH
    lock_timeout_seconds: float = Field(
        60.0,
        ge=0,
        le=86_400,
        description=(
            "How long a run waits for another run writing the store to finish before it "
            "gives up (exit 2). 0: give up at once."
        ),
    )


class ExecutionConfig(_Strict):
    """Where the flows' tasks run (see docs/scaling.md).

    ``local`` (the default): in this process, nothing to start. ``dask``: on a Dask
    ``distributed`` cluster through Prefect's ``DaskTaskRunner``, either an existing one
    (``address``) or a local cluster of ``workers`` processes started for the run.
    """

    mode: Literal["local", "dask"] = Field(
        "local", description="local (in this process) or dask (on a Dask cluster)."
    )
    address: str | None = Field(
        None, description="With mode dask: the scheduler, e.g. tcp://scheduler:8786."
    )
    workers: int | None = Field(
        None,
        ge=1,
        le=512,
        description="With mode dask: start a local cluster of this many worker processes.",
    )
    shards: str | None = Field(
        None,
        description=(
            "With mode dask: where workers write their results (Parquet shards) for the "
            "store's writer: a folder every worker and the flow can reach (NFS) or an fsspec "
            "URL; default: a shards/ folder beside the store."
        ),
    )
    part_bytes: int = Field(
        64 * 1024 * 1024,
        ge=1024,
        description="With mode dask: a larger file is cleaned in parts by several workers.",
    )

    @field_validator("address")
    @classmethod
    def _scheduler_address(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^(tcp|tls|ucx|inproc)://[^\s/]+$", value):
            raise ValueError(
                "write the Dask scheduler's address as tcp://HOST:PORT (e.g. tcp://scheduler:8786)"
            )
        return value

    @model_validator(mode="after")
    def _one_cluster(self) -> ExecutionConfig:
        if self.mode == "local":
            given = [key for key in ("address", "workers", "shards") if getattr(self, key)]
            if given:
                raise ValueError(
                    f"{', '.join(given)} only apply with `mode: dask`; write `mode: dask` "
                    "or remove them"
                )
        elif (self.address is None) == (self.workers is None):
            raise ValueError(
                "`mode: dask` needs exactly one of `address: tcp://HOST:8786` (an existing "
                "cluster) or `workers: N` (a local cluster started for the run)"
            )
        return self


class VocConfig(_Strict):
    """The whole configuration file."""

    store: StoreConfig = Field(default_factory=StoreConfig)
    ingest: IngestConfig = Field(default_factory=IngestConfig)
    analysis: AnalysisConfig = Field(default_factory=AnalysisConfig)
    taxonomy: Path | None = Field(None, description="Touchpoint taxonomy YAML.")
    digest: DigestConfig = Field(default_factory=DigestConfig)
    schedules: SchedulesConfig = Field(default_factory=SchedulesConfig)
    topics: TopicsConfig = Field(default_factory=TopicsConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    fixes: FixesConfig = Field(default_factory=FixesConfig)
    execution: ExecutionConfig = Field(default_factory=ExecutionConfig)
    sources: list[SourceConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_source_names(self) -> VocConfig:
        seen: set[str] = set()
        for source in self.sources:
            if source.name in seen:
                raise ValueError(f"two sources are named {source.name!r}; names must be unique")
            seen.add(source.name)
        return self

    def source(self, name: str) -> SourceConfig:
        """The source called ``name``.

        Raises:
            ConfigError: no source has that name.
        """
        for source in self.sources:
            if source.name == name:
                return source
        names = ", ".join(s.name for s in self.sources) or "none configured"
        raise ConfigError(f"no source named {name!r} in the config (sources: {names})")


def resolve_config_path(path: str | Path | None) -> Path | None:
    """The config file to use: the one given, else ``$VOC_CONFIG``, else ``configs/voc.yaml``.

    Returns None when no path was asked for and the default file does not exist (voc then
    runs on built-in defaults).
    """
    if path is not None:
        return Path(path)
    if os.environ.get(CONFIG_ENV_VAR):
        return Path(os.environ[CONFIG_ENV_VAR])
    return DEFAULT_CONFIG_PATH if DEFAULT_CONFIG_PATH.exists() else None


def load_config(path: str | Path | None = None) -> VocConfig:
    """Read, validate and complete the configuration.

    Presets named by sources are applied, so every returned ``SourceConfig`` is a full
    mapping.

    Args:
        path: The YAML file; see :func:`resolve_config_path` for the default.

    Raises:
        ConfigError: the file is missing, is not YAML, or has a wrong or unknown key.
    """
    resolved = resolve_config_path(path)
    if resolved is None:
        return VocConfig()
    if not resolved.exists():
        raise ConfigError(
            f"config file {resolved} not found; pass --config FILE or set {CONFIG_ENV_VAR}"
        )
    try:
        raw = yaml.safe_load(resolved.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise ConfigError(f"{resolved} is not valid YAML: {e}") from e
    if not isinstance(raw, dict):
        raise ConfigError(f"{resolved} must hold a mapping of keys (store:, ingest:, sources:)")
    return parse_config(raw, origin=str(resolved))


def parse_config(raw: dict[str, Any], origin: str = "config") -> VocConfig:
    """Validate a configuration given as a mapping (the parsed YAML).

    Raises:
        ConfigError: naming every wrong key by its path.
    """
    try:
        config = VocConfig.model_validate(raw)
    except ValidationError as e:
        raise ConfigError(explain_validation_error(e, origin)) from e
    sources = []
    for index, source in enumerate(config.sources):
        try:
            sources.append(apply_preset(source))
        except (ValueError, ConfigError) as e:
            raise ConfigError(f"{origin}: sources[{index}] ({source.name}): {e}") from e
    return config.model_copy(update={"sources": sources})


def apply_preset(source: SourceConfig) -> SourceConfig:
    """Fill the keys a source left out from its preset, then check the mapping is complete.

    Raises:
        ConfigError: the preset is unknown or the mapping still lacks a required key.
    """
    from voc.presets import PRESETS

    if source.preset is None:
        return source
    if source.preset not in PRESETS:
        raise ConfigError(
            f"unknown preset {source.preset!r}; write one of: {', '.join(sorted(PRESETS))}"
        )
    given = source.model_dump(exclude_unset=True)
    merged = {**PRESETS[source.preset], **given}
    completed = SourceConfig.model_validate({**merged, "preset": None})
    return completed.model_copy(update={"preset": source.preset})
