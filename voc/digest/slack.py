"""The digest in Slack: its Markdown as Slack's mrkdwn (:func:`slack_text`, cut to fit
with a notice), posted to an incoming webhook (:func:`post_slack`). The webhook URL is the
credential: errors and logs name its host only (:func:`webhook_host`).
"""

from __future__ import annotations

import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from voc.errors import DeliveryError

__all__ = ["SLACK_TEXT_LIMIT", "post_slack", "slack_text", "webhook_host"]

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
    host = webhook_host(url)
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


def webhook_host(url: str) -> str:
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
