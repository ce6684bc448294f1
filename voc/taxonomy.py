"""Touchpoint taxonomies: the YAML a CX analyst edits, parsed into validated pydantic models.

The format, shared by every taxonomy so that taxonomies travel between teams::

    touchpoints:
      - name: delivery_and_shipping          # unique, snake_case
        description: One line saying what the touchpoint covers.
        keywords:                            # optional, per ISO 639-1 language code
          en: [delivery, parcel, courier]
          ja: [配送, 配達, 届かない]
        examples:                            # optional sentences, any language
          - The parcel arrived a week late.
        negative_examples:                   # optional: sentences that are NOT about it
          - I bought this dress for a wedding.

``configs/taxonomy.yaml`` is the default, with comments on how each field is used. A
mistake fails at load with the key's path, e.g.::

    configs/taxonomy.yaml: touchpoints[3].keywords.EN: language codes are ISO 639-1 ...
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from voc.config_checks import key_path
from voc.errors import ConfigError

__all__ = [
    "DEFAULT_TAXONOMY_PATH",
    "Owner",
    "Taxonomy",
    "Touchpoint",
    "load_taxonomy",
    "parse_taxonomy",
]

#: The taxonomy shipped with voc (the customer journey, English and Japanese).
DEFAULT_TAXONOMY_PATH = Path(__file__).resolve().parents[1] / "configs" / "taxonomy.yaml"

_NAME = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
# ISO 639-1 (or 639-3) with an optional region or script: en, ja, pt-BR, zh-Hant.
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
# An environment variable's name, as a shell writes it.
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Owner(BaseModel):
    """The team that owns a touchpoint: the digest names it beside the touchpoint's pain
    points, and alerts go to it (:mod:`voc.loop`).

    Attributes:
        team: The team's name as people say it ("Payments", "決済チーム").
        slack_webhook_env: The NAME of the environment variable that holds the team's Slack
            incoming-webhook URL (the URL is a secret, never written in YAML).
        email: Addresses alerts are e-mailed to (through the SMTP server of
            ``digest.delivery.email`` in the config).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    team: str = Field(min_length=1)
    slack_webhook_env: str | None = None
    email: list[str] = Field(default_factory=list)

    @property
    def reachable(self) -> bool:
        """Whether alerts have somewhere to go (a webhook variable or an address)."""
        return bool(self.slack_webhook_env or self.email)

    @field_validator("team")
    @classmethod
    def _team_named(cls, value: str) -> str:
        text = " ".join(value.split())
        if not text:
            raise ValueError("is empty; write the owning team's name, e.g. team: Payments")
        return text

    @field_validator("slack_webhook_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is None:
            return None
        text = value.strip()
        if "://" in text or text.lower().startswith("hooks."):
            raise ValueError(
                "write the NAME of an environment variable that holds the webhook URL "
                "(e.g. slack_webhook_env: VOC_SLACK_PAYMENTS), not the URL: it is a secret "
                "and the taxonomy is committed"
            )
        if not _ENV_NAME.match(text):
            raise ValueError(
                f"{text!r} is not an environment variable name: use letters, digits and _ "
                "(e.g. VOC_SLACK_PAYMENTS)"
            )
        return text

    @field_validator("email", mode="before")
    @classmethod
    def _email_list(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):
            raise ValueError(f"write a list of addresses ([{value}]), not a single string")
        return value

    @field_validator("email")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        cleaned = [address.strip() for address in value]
        for index, address in enumerate(cleaned):
            if not _EMAIL.match(address):
                raise ValueError(
                    f"[{index}]: {address!r} is not an e-mail address (write name@example.com)"
                )
        return list(dict.fromkeys(cleaned))


class Touchpoint(BaseModel):
    """One stage of the customer journey that feedback can be about.

    Attributes:
        name: Unique snake_case identifier, e.g. ``delivery_and_shipping``.
        description: One line saying what the touchpoint covers; also compared with
            sentences by meaning.
        keywords: Words and phrases per language code (``en``, ``ja``); see
            ``configs/taxonomy.yaml`` for how they match.
        examples: Sentences a customer might write about it, in any language: evidence
            for the touchpoint (a sentence close to one is more likely about it).
        negative_examples: Sentences that look related but are NOT about it (a keyword
            in another sense, a neighbouring touchpoint): evidence against it.
        labels: How reports name it, per language code (``en: Delivery``, ``ja: 配送``);
            the digest falls back to the name with spaces. Display only: editing a label
            does not make the next run re-analyse anything.
        owner: The team that owns it and where alerts reach it (:class:`Owner`); None
            when nobody does. Editing it re-analyses nothing either.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = Field(min_length=1)
    keywords: dict[str, list[str]] = Field(default_factory=dict)
    examples: list[str] = Field(default_factory=list)
    negative_examples: list[str] = Field(default_factory=list)
    labels: dict[str, str] = Field(default_factory=dict)
    owner: Owner | None = None

    def label(self, language: str) -> str:
        """The touchpoint's name for readers of ``language``: its label, else the name."""
        return self.labels.get(language) or self.labels.get("en") or self.name.replace("_", " ")

    @field_validator("name")
    @classmethod
    def _snake_case(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(
                f"{value!r} is not snake_case: use lower-case letters, digits and single "
                "underscores, starting with a letter (e.g. 'delivery_and_shipping')"
            )
        return value

    @field_validator("description")
    @classmethod
    def _one_line(cls, value: str) -> str:
        text = " ".join(value.split())
        if not text:
            raise ValueError("is empty; write one line saying what the touchpoint covers")
        return text

    @field_validator("keywords", mode="before")
    @classmethod
    def _keywords_by_language(cls, value: Any) -> Any:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValueError(
                "must map language codes to lists of keywords, e.g. {en: [parcel], ja: [配送]}"
            )
        for language, words in value.items():
            if not isinstance(language, str) or not _LANGUAGE.match(language):
                raise ValueError(
                    f"{language}: not a language code; use ISO 639-1 in lower case "
                    "(en, ja, fr, ...)"
                )
            if words is None:
                continue
            if isinstance(words, str):
                raise ValueError(
                    f"{language}: write a list of keywords ([{words}]), not a single string"
                )
        return {language: words or [] for language, words in value.items()}

    @field_validator("keywords")
    @classmethod
    def _clean_keywords(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        cleaned: dict[str, list[str]] = {}
        for language, words in value.items():
            kept: list[str] = []
            for index, word in enumerate(words):
                word = " ".join(word.split())
                if not word or word == "*":
                    raise ValueError(f"{language}[{index}]: a keyword cannot be empty")
                if "*" in word[:-1]:
                    raise ValueError(
                        f"{language}[{index}]: {word!r}: '*' is only allowed at the end of a "
                        "keyword (deliver* matches delivered, delivery, ...)"
                    )
                if word not in kept:
                    kept.append(word)
            cleaned[language] = kept
        return cleaned

    @field_validator("examples", "negative_examples", mode="before")
    @classmethod
    def _list_of_sentences(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):
            raise ValueError(f"write a list of sentences ([{value}]), not a single string")
        return value

    @field_validator("examples", "negative_examples")
    @classmethod
    def _non_empty_examples(cls, value: list[str]) -> list[str]:
        examples = [" ".join(text.split()) for text in value]
        for index, text in enumerate(examples):
            if not text:
                raise ValueError(f"[{index}]: an example cannot be empty")
        return examples


class Taxonomy(BaseModel):
    """A set of touchpoints, in the order analysts listed them.

    Attributes:
        touchpoints: The touchpoints; names are unique.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    touchpoints: list[Touchpoint] = Field(min_length=1)

    @field_validator("touchpoints")
    @classmethod
    def _unique_names(cls, value: list[Touchpoint]) -> list[Touchpoint]:
        first: dict[str, int] = {}
        for index, touchpoint in enumerate(value):
            if touchpoint.name in first:
                raise ValueError(
                    f"[{index}].name: {touchpoint.name!r} is already the name of "
                    f"touchpoints[{first[touchpoint.name]}]; names must be unique"
                )
            first[touchpoint.name] = index
        return value

    @property
    def names(self) -> list[str]:
        """Touchpoint names, in taxonomy order."""
        return [touchpoint.name for touchpoint in self.touchpoints]

    @property
    def languages(self) -> list[str]:
        """Every language code that has keywords, sorted."""
        return sorted({code for tp in self.touchpoints for code in tp.keywords})

    @property
    def owners(self) -> dict[str, Owner]:
        """Touchpoint name -> its owner, for the touchpoints that have one."""
        return {tp.name: tp.owner for tp in self.touchpoints if tp.owner is not None}

    def touchpoint(self, name: str) -> Touchpoint:
        """The touchpoint called ``name``.

        Raises:
            ConfigError: No touchpoint has that name.
        """
        for touchpoint in self.touchpoints:
            if touchpoint.name == name:
                return touchpoint
        raise ConfigError(
            f"no touchpoint named {name!r} in the taxonomy (touchpoints: {', '.join(self.names)})"
        )


def load_taxonomy(path: str | Path = DEFAULT_TAXONOMY_PATH) -> Taxonomy:
    """Read and validate a taxonomy YAML file.

    Args:
        path: The file; the default taxonomy when omitted.

    Returns:
        The validated taxonomy.

    Raises:
        ConfigError: The file is missing, is not YAML, or breaks the format; the message
            names every wrong key by its path (``touchpoints[3].keywords.en``).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise ConfigError(
            f"taxonomy file {path} not found; write one (see {DEFAULT_TAXONOMY_PATH.name} "
            "for the format) or leave `taxonomy:` out of the config to use the default"
        ) from e
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"taxonomy file {path} cannot be read as UTF-8 text: {e}") from e
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ConfigError(f"{path} is not valid YAML: {e}") from e
    return parse_taxonomy(raw, origin=str(path))


def parse_taxonomy(raw: Any, origin: str = "taxonomy") -> Taxonomy:
    """Validate a taxonomy given as parsed YAML (a mapping with a ``touchpoints`` list).

    Args:
        raw: The parsed YAML.
        origin: What to call the source in error messages (usually the file path).

    Raises:
        ConfigError: Naming every wrong key by its path.
    """
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{origin} must be a mapping with a `touchpoints:` list "
            "(see configs/taxonomy.yaml for the format)"
        )
    try:
        return Taxonomy.model_validate(raw)
    except ValidationError as e:
        raise ConfigError(_explain(e, origin)) from e


def _explain(error: ValidationError, origin: str) -> str:
    lines = [f"{origin} has {error.error_count()} problem(s):"]
    for item in error.errors():
        where, message = key_path(item["loc"]), item["msg"].removeprefix("Value error, ")
        # Validators of lists and mappings report the index or language inside the message
        # ("en[2]: ..."); move it into the path so every message reads "path: problem".
        head, _, rest = message.partition(": ")
        if rest and re.fullmatch(r"(?:\[\d+\]|[A-Za-z0-9-]+(?:\[\d+\])?)(?:\.\w+)?", head):
            where = f"{where}{head}" if head.startswith("[") else f"{where}.{head}"
            message = rest
        if item["type"] == "extra_forbidden" and ".owner." in f".{where}":
            message = (
                "unknown key; an owner has team, slack_webhook_env (an environment "
                "variable's name) and email (a list of addresses)"
            )
        elif item["type"] == "extra_forbidden":
            message = (
                "unknown key; a touchpoint has name, description, keywords, examples, "
                "negative_examples, labels and owner, and the file has only `touchpoints:`"
            )
        elif item["type"] == "missing" and where.endswith("owner.team"):
            message = "is required: write the owning team's name, e.g. team: Payments"
        elif item["type"] == "model_type" and where.endswith(".owner"):
            message = (
                "write a mapping: owner: {team: Payments, slack_webhook_env: "
                "VOC_SLACK_PAYMENTS, email: [payments@example.com]}"
            )
        elif item["type"] == "missing":
            message = "is required"
        elif item["type"] in ("too_short", "string_too_short") and where.endswith("description"):
            message = "is empty; write one line saying what the touchpoint covers"
        elif isinstance(item.get("input"), bool):
            message = f"{message}: YAML reads yes/no/on/off as true/false, so quote the word"
        elif (
            "input" in item
            # A webhook URL written where its variable's name belongs is a secret: not echoed.
            and not where.endswith("slack_webhook_env")
            and not isinstance(item["input"], dict | list)
            and repr(item["input"]) not in message
        ):
            message = f"{message} (you wrote {item['input']!r})"
        lines.append(f"  {where or '(top level)'}: {message}")
    return "\n".join(lines)
