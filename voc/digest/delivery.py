"""Send the weekly digest to Slack and by e-mail: optional, configured, never required.

The digest's files are written to ``reports/`` before anything is sent, and nothing here
touches them: a channel that fails is retried, then reported in its
:class:`DeliveryResult`, and the files are still there to send by hand.

Secrets (the Slack webhook URL, the SMTP password) come from an environment variable or a
Prefect Secret block, never from the YAML. A Slack webhook URL is itself the credential, so
messages and logs name its host only. Each channel is a module: :mod:`voc.digest.slack`
(mrkdwn, the webhook) and :mod:`voc.digest.mail` (SMTP); this one resolves secrets and
retries them (:func:`deliver`). Their names stay importable from here.

Typical use, after the digest is written::

    results = deliver(config.digest.delivery, subject=subject, markdown=markdown, html=html,
                      attachments=[week_dir / "digest.html"])
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from voc.config import DeliveryConfig, EmailConfig
from voc.digest.mail import send_email
from voc.digest.slack import SLACK_TEXT_LIMIT, post_slack, slack_text, webhook_host
from voc.errors import DeliveryError

__all__ = [
    "SLACK_TEXT_LIMIT",
    "DeliveryResult",
    "deliver",
    "post_slack",
    "resolve_secret",
    "send_email",
    "slack_text",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryResult:
    """What happened to one channel.

    Attributes:
        channel: ``"slack"`` or ``"email"``.
        ok: Whether the digest was delivered.
        attempts: Tries made; 0 when a credential was missing and nothing was tried.
        target: Where it went, safe to log: the webhook's host (never the full URL, a
            secret), or the e-mail recipients joined by ``", "``.
        error: Why the last try failed; None when ``ok``.
    """

    channel: str
    ok: bool
    attempts: int
    target: str
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The result as a JSON-ready mapping (for a flow's artifact or ``--json``)."""
        return asdict(self)


def resolve_secret(
    env: str | None,
    block: str | None,
    what: str,
    *,
    example: str = "...",
    block_key: str = "the config",
) -> str:
    """A secret from the environment, else from a Prefect Secret block.

    Args:
        env: The environment variable to read first; used when set and not blank.
        block: The name of a Prefect Secret block to load otherwise.
        what: The secret in words, for the error, e.g. ``"the Slack webhook URL"``.
        example: The value shown after ``export ENV=`` in the error.
        block_key: The config key that names the block, shown in the error, e.g.
            ``"digest.delivery.slack.webhook_block"``.

    Returns:
        The secret's value.

    Raises:
        DeliveryError: neither source holds it (the message says what to set), or the block
            cannot be loaded (the message names the block).
    """
    if env and os.environ.get(env, "").strip():
        return os.environ[env]
    if block:
        return _load_secret_block(block, what)
    ways = [f"export {env}={example}"] if env else []
    ways.append(f"name a Prefect Secret block in {block_key}")
    raise DeliveryError(f"{what} is not set: {' or '.join(ways)}")


def _load_secret_block(block: str, what: str) -> str:
    from prefect.blocks.system import Secret

    try:
        # _sync=True: a plain call even from inside an async flow, where Prefect would
        # otherwise hand back a coroutine.
        secret: Any = Secret.load(block, _sync=True)  # type: ignore[call-arg]
        value = secret.get()
    except Exception as e:  # Prefect raises ValueError, HTTP and connection errors alike.
        raise DeliveryError(
            f"cannot load the Prefect Secret block {block!r} holding {what}: {e}; create it "
            f"with `Secret(value=...).save({block!r})` or check PREFECT_API_URL"
        ) from e
    if not isinstance(value, str) or not value.strip():
        raise DeliveryError(
            f"the Prefect Secret block {block!r} should hold {what} as a non-empty string"
        )
    return value


def deliver(
    config: DeliveryConfig,
    *,
    subject: str,
    markdown: str,
    html: str,
    attachments: Sequence[Path] = (),
    sleep: Callable[[float], None] = time.sleep,
    logger: logging.Logger | logging.LoggerAdapter | None = None,
) -> list[DeliveryResult]:
    """Send the digest to every configured channel, retrying each, never raising.

    Each channel's secrets are resolved first; a missing one fails that channel without a
    try. A try that fails is retried ``config.retries`` more times, after
    ``config.retry_delay_seconds``, doubled before each next retry. One channel failing
    does not stop the other. Files are only read, never changed.

    Args:
        config: ``digest.delivery`` from the config; no channel configured sends nothing.
        subject: The e-mail subject.
        markdown: The digest as Markdown (Slack's message, the e-mail's text part).
        html: The digest as HTML (the e-mail's HTML part).
        attachments: Files to attach to the e-mail, e.g. ``digest.html``.
        sleep: Waits between tries (tests pass a no-op).
        logger: Where failed tries (WARNING) and each outcome (INFO/ERROR) are logged;
            this module's logger by default.

    Returns:
        One result per configured channel: Slack first, then e-mail.
    """
    log = logger if logger is not None else logging.getLogger(__name__)
    results: list[DeliveryResult] = []
    if config.slack is not None:
        slack = config.slack
        try:
            url = resolve_secret(
                slack.webhook_env,
                slack.webhook_block,
                "the Slack webhook URL",
                example="https://hooks.slack.com/...",
                block_key="digest.delivery.slack.webhook_block",
            )
        except DeliveryError as e:
            results.append(_not_tried("slack", "(webhook URL not set)", e, log))
        else:
            results.append(
                _with_retries(
                    "slack",
                    webhook_host(url),
                    lambda: post_slack(url, markdown),
                    config,
                    sleep,
                    log,
                )
            )
    if config.email is not None:
        email = config.email
        target = ", ".join(email.to)
        try:
            username, password = _smtp_login(email, log)
        except DeliveryError as e:
            results.append(_not_tried("email", target, e, log))
        else:
            results.append(
                _with_retries(
                    "email",
                    target,
                    lambda: send_email(
                        email,
                        subject=subject,
                        html=html,
                        text=markdown,
                        attachments=attachments,
                        username=username,
                        password=password,
                    ),
                    config,
                    sleep,
                    log,
                )
            )
    return results


def _smtp_login(
    config: EmailConfig, log: logging.Logger | logging.LoggerAdapter
) -> tuple[str | None, str | None]:
    username = os.environ.get(config.username_env, "").strip() if config.username_env else ""
    if not username:
        if config.password_block or (config.password_env and os.environ.get(config.password_env)):
            log.warning(
                "an SMTP password is configured but %s is not set: sending without login",
                config.username_env or "digest.delivery.email.username_env",
            )
        return None, None
    password = resolve_secret(
        config.password_env,
        config.password_block,
        "the SMTP password",
        example="...",
        block_key="digest.delivery.email.password_block",
    )
    return username, password


def _not_tried(
    channel: str, target: str, error: DeliveryError, log: logging.Logger | logging.LoggerAdapter
) -> DeliveryResult:
    log.error("digest not sent to %s: %s", channel, error)
    return DeliveryResult(channel=channel, ok=False, attempts=0, target=target, error=str(error))


def _with_retries(
    channel: str,
    target: str,
    send: Callable[[], None],
    config: DeliveryConfig,
    sleep: Callable[[float], None],
    log: logging.Logger | logging.LoggerAdapter,
) -> DeliveryResult:
    tries = config.retries + 1
    delay = config.retry_delay_seconds
    error = ""
    for attempt in range(1, tries + 1):
        try:
            send()
        except DeliveryError as e:
            error = str(e)
            if attempt < tries:
                log.warning(
                    "%s: try %d of %d failed, retrying in %g s: %s",
                    channel,
                    attempt,
                    tries,
                    delay,
                    error,
                )
                sleep(delay)
                delay *= 2
            else:
                log.warning("%s: try %d of %d failed: %s", channel, attempt, tries, error)
            continue
        except Exception as e:
            # A bug, not a flaky server: retrying will not help, and the other channel and
            # the files must not be lost to it.
            log.exception("%s: delivery to %s crashed", channel, target)
            error = f"unexpected {type(e).__name__}: {e}"
            return _failed(channel, target, attempt, error, log)
        log.info("digest sent to %s (%s) in %s", channel, target, _tries(attempt))
        return DeliveryResult(channel=channel, ok=True, attempts=attempt, target=target)
    return _failed(channel, target, tries, error, log)


def _failed(
    channel: str,
    target: str,
    attempts: int,
    error: str,
    log: logging.Logger | logging.LoggerAdapter,
) -> DeliveryResult:
    log.error("digest NOT sent to %s (%s) after %s: %s", channel, target, _tries(attempts), error)
    return DeliveryResult(channel=channel, ok=False, attempts=attempts, target=target, error=error)


def _tries(count: int) -> str:
    return f"{count} try" if count == 1 else f"{count} tries"
