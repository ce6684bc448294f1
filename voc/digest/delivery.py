"""Send the weekly digest to Slack and by e-mail: optional, configured, never required.

The digest's files are written to ``reports/`` before anything is sent, and nothing here
touches them: a channel that fails is retried, then reported in its
:class:`DeliveryResult`, and the files are still there to send by hand.

Secrets (the Slack webhook URL, the SMTP password) come from an environment variable or a
Prefect Secret block, never from the YAML. A Slack webhook URL is itself the credential, so
messages and logs name its host only.

Typical use, after the digest is written::

    results = deliver(config.digest.delivery, subject=subject, markdown=markdown, html=html,
                      attachments=[week_dir / "digest.html"])
"""

from __future__ import annotations

import http.client
import json
import logging
import mimetypes
import os
import re
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Any

from voc.config import DeliveryConfig, EmailConfig
from voc.errors import DeliveryError

logger = logging.getLogger(__name__)

SLACK_TEXT_LIMIT = 39_000
"""Characters of mrkdwn sent to Slack; its ``text`` field holds at most 40,000."""

_CUT_NOTICE = (
    "_The digest was cut to fit Slack: the full version is in the HTML and Markdown files._"
)
_BODY_START = 200  # characters of a server's answer quoted in an error

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_LINK = re.compile(r"!?\[([^\]\n]*)\]\(\s*<?([^()\s<>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_CODE_SPAN = re.compile(r"`[^`\n]+`")
_QUOTE = re.compile(r"^(\s*)(?:>\s?)+")
_BULLET = re.compile(r"^(\s*)[-*+]\s+")
# A single * that opens and closes on non-space, not part of ** and not inside a word.
_ITALIC = re.compile(r"(?<![*\w])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*\w])")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_PLACEHOLDER = re.compile("\x00(\\d+)\x00")


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


def slack_text(markdown: str, limit: int = SLACK_TEXT_LIMIT) -> str:
    """Slack's mrkdwn for the digest's Markdown.

    Headings and ``**bold**`` become ``*bold*``, ``*italic*`` becomes ``_italic_``,
    ``[text](url)`` becomes ``<url|text>``, list bullets become ``•``, and tables are put in
    code fences (Slack has no tables). ``&``, ``<`` and ``>`` are escaped as Slack requires,
    except in the links made here and in a leading ``>`` that quotes a line.

    Args:
        markdown: The digest as Markdown.
        limit: The most characters to return. A longer text is cut at a line boundary and
            ends with a line saying the full version is in the HTML and Markdown files.

    Returns:
        The text for a Slack message's ``text`` field.
    """
    lines: list[str] = []
    in_fence = in_table = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            if in_table:
                lines.append("```")
                in_table = False
            # Slack ignores a fence's language, and shows it as text.
            lines.append("```")
            in_fence = not in_fence
        elif in_fence:
            lines.append(_escape(line))
        elif line.lstrip().startswith("|"):
            if not in_table:
                lines.append("```")
                in_table = True
            lines.append(_table_line(line))
        else:
            if in_table:
                lines.append("```")
                in_table = False
            lines.append(_prose_line(line))
    if in_table or in_fence:
        lines.append("```")
    while lines and not lines[-1].strip():
        lines.pop()
    text = "\n".join(lines)
    return text if len(text) <= limit else _cut(lines, limit)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table_line(line: str) -> str:
    # Code fences show mrkdwn as typed, so keep a link's address readable and drop bold marks.
    line = _LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})", line)
    return _escape(line.replace("**", ""))


def _prose_line(line: str) -> str:
    heading = _HEADING.match(line)
    if heading:
        title = _inline(heading.group(1).replace("**", ""))
        return f"*{title}*" if title else ""
    quote = _QUOTE.match(line)
    if quote:
        # Slack quotes a line that starts with a bare '>'; it must not be escaped.
        return f"{quote.group(1)}> {_inline(line[quote.end() :])}"
    return _inline(line)


def _inline(text: str) -> str:
    kept: list[str] = []

    def keep(rendered: str) -> str:
        kept.append(rendered)
        return f"\x00{len(kept) - 1}\x00"

    text = _CODE_SPAN.sub(lambda m: keep(_escape(m.group(0))), text)
    text = _LINK.sub(lambda m: keep(_slack_link(m.group(2), m.group(1))), text)
    text = _escape(text)
    text = _BULLET.sub(r"\1• ", text)
    text = _ITALIC.sub(r"_\1_", text)
    text = _BOLD.sub(r"*\1*", text)
    return _PLACEHOLDER.sub(lambda m: kept[int(m.group(1))], text)


def _slack_link(url: str, label: str) -> str:
    label = label.replace("**", "").replace("|", "/").strip()
    return f"<{url}|{label}>" if label else f"<{url}>"


def _cut(lines: list[str], limit: int) -> str:
    kept: list[str] = []
    size = 0  # characters of the kept lines, each with its newline
    in_fence = False
    for line in lines:
        fence_after = in_fence != (line == "```")
        # Room for this line, a fence closing whatever is open after it, and the notice.
        if size + len(line) + 1 + (4 if fence_after else 0) + len(_CUT_NOTICE) > limit:
            break
        kept.append(line)
        size += len(line) + 1
        in_fence = fence_after
    if in_fence:
        kept.append("```")
    kept.append(_CUT_NOTICE)
    return "\n".join(kept)


def post_slack(webhook_url: str, markdown: str, *, timeout: float = 10.0) -> None:
    """Post the digest to a Slack incoming webhook.

    Sends ``{"text": slack_text(markdown)}`` as JSON. Redirects are not followed: a webhook
    that redirects is misconfigured, and following it would drop the message body.

    Args:
        webhook_url: The webhook URL (a secret: it never appears in an error).
        markdown: The digest as Markdown.
        timeout: Seconds to wait for the connection and the answer.

    Raises:
        DeliveryError: the URL is not http(s), the server is unreachable or too slow, or it
            answered other than 2xx (the message has the status and the start of the body).
    """
    url = webhook_url.strip()
    host = _webhook_host(url)
    if urllib.parse.urlsplit(url).scheme not in ("http", "https") or host == "?":
        raise DeliveryError(
            "the Slack webhook URL is not an http(s) URL; it should look like "
            "https://hooks.slack.com/services/..."
        )
    body = json.dumps({"text": slack_text(markdown)}, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "voc-digest"},
    )
    opener = urllib.request.build_opener(_RefuseRedirects)
    try:
        with opener.open(request, timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError as e:
        answer = _redact(_read_start(e), url)
        raise DeliveryError(
            f"the Slack webhook at {host} answered HTTP {e.code}: {answer or e.reason}"
        ) from e
    except urllib.error.URLError as e:
        reason = _redact(str(e.reason), url)
        raise DeliveryError(f"could not reach the Slack webhook at {host}: {reason}") from e
    except (OSError, ValueError, http.client.HTTPException) as e:
        # A timeout while reading, a dropped connection, a garbled answer, a bad port.
        reason = _redact(str(e) or type(e).__name__, url)
        raise DeliveryError(f"posting to the Slack webhook at {host} failed: {reason}") from e


def _webhook_host(url: str) -> str:
    """The part of a webhook URL that is safe to show: its host (and port, if given).

    Returns ``"?"`` when the URL has no host.
    """
    parts = urllib.parse.urlsplit(url.strip())
    if not parts.hostname:
        return "?"
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{parts.hostname}:{port}" if port else parts.hostname


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises HTTPError with the 3xx status


def _read_start(error: urllib.error.HTTPError) -> str:
    try:
        return error.read(_BODY_START * 4).decode("utf-8", "replace").strip()[:_BODY_START]
    except OSError:
        return ""


def _redact(text: str, url: str) -> str:
    # Servers and urllib may echo the URL or its path; both are the secret.
    parts = urllib.parse.urlsplit(url)
    for secret in (url, parts.path + ("?" + parts.query if parts.query else ""), parts.path):
        if len(secret) > 1:
            text = text.replace(secret, "/…")
    return text


def send_email(
    config: EmailConfig,
    *,
    subject: str,
    html: str,
    text: str,
    attachments: Sequence[Path] = (),
    username: str | None = None,
    password: str | None = None,
) -> None:
    """E-mail the digest: a text and an HTML alternative, plus attachments.

    Everything is UTF-8, so Japanese subjects and bodies arrive intact. Attach the
    ``digest.html`` file so that charts survive mail clients that strip inline SVG.

    Args:
        config: The SMTP server, its security, the sender and the recipients.
        subject: The subject line.
        html: The HTML body.
        text: The plain-text body (the digest's Markdown).
        attachments: Files to attach, each with the MIME type its name suggests.
        username: The SMTP user; the client logs in only when this and ``password`` are set.
        password: The SMTP password (never shown in an error).

    Raises:
        DeliveryError: an attachment cannot be read, or the server cannot be reached or
            refused the login or the message (the message names host:port and its reply).
    """
    message = _email_message(config, subject=subject, html=html, text=text, attachments=attachments)
    server = f"{config.host}:{config.port}"
    context = ssl.create_default_context()
    try:
        smtp: smtplib.SMTP
        if config.security == "ssl":
            smtp = smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout_seconds, context=context
            )
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout_seconds)
        with smtp:
            if config.security == "starttls":
                smtp.starttls(context=context)
            if username and password:
                smtp.login(username, password)
            refused = smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as e:
        reply = _smtp_reply(e)
        if password:
            reply = reply.replace(password, "***")
        raise DeliveryError(
            f"could not e-mail the digest via {server} (security: {config.security}): {reply}"
        ) from e
    if refused:
        # Some recipients got it: retrying would send it to them again, so report, don't raise.
        logger.warning(
            "%s accepted the digest but refused %s", server, _refused_recipients(refused)
        )


def _email_message(
    config: EmailConfig, *, subject: str, html: str, text: str, attachments: Sequence[Path]
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config.sender
    message["To"] = ", ".join(config.to)
    message["Date"] = formatdate(localtime=True)
    # A domain of our own: make_msgid's default asks DNS for this host's name, which can hang.
    domain = parseaddr(config.sender)[1].rpartition("@")[2] or "voc.invalid"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(text, charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    for path in attachments:
        try:
            data = Path(path).read_bytes()
        except OSError as e:
            raise DeliveryError(f"cannot attach {path} to the digest e-mail: {e}") from e
        mime_type, encoding = mimetypes.guess_type(Path(path).name)
        if mime_type is None or encoding is not None:  # unknown, or compressed (.gz)
            mime_type = "application/octet-stream"
        maintype, subtype = mime_type.split("/", 1)
        if maintype == "text":
            try:
                # As text, so the part says charset=utf-8 and clients show it right.
                content = data.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                message.add_attachment(
                    content, subtype=subtype, charset="utf-8", filename=Path(path).name
                )
                continue
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=Path(path).name)
    return message


def _smtp_reply(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        answer = error.smtp_error
        if isinstance(answer, bytes):
            answer = answer.decode("utf-8", "replace")
        return f"{error.smtp_code} {answer}".strip()
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return f"every recipient was refused: {_refused_recipients(error.recipients)}"
    return str(error) or type(error).__name__


def _refused_recipients(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{address} ({code} {reply.decode('utf-8', 'replace')})"
        for address, (code, reply) in refused.items()
    )


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
                    _webhook_host(url),
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
