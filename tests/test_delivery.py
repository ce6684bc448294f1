"""Delivery of the digest, against a real local HTTP server (as Slack) and SMTP server."""

from __future__ import annotations

import email
import email.policy
import json
import logging
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from voc.config import DeliveryConfig, EmailConfig, SlackConfig
from voc.digest.delivery import (
    DeliveryResult,
    deliver,
    post_slack,
    resolve_secret,
    send_email,
    slack_text,
)
from voc.errors import DeliveryError

SECRET_PATH = "/services/T0VOC/B0DIGEST/s3cr3tW3bh00kT0k3n"
WEBHOOK_ENV = "VOC_TEST_SLACK_WEBHOOK_URL"
USER_ENV = "VOC_TEST_SMTP_USERNAME"
PASSWORD_ENV = "VOC_TEST_SMTP_PASSWORD"
SUBJECT = "週次ダイジェスト 2026-W45"

MARKDOWN = """# 週次ダイジェスト 2026-W45

## Top pain points

1. **Login fails** after the update ([details](https://example.com/pp/1))
アプリが起動直後に落ちます。

| Pain point | Items | Change |
|---|---|---|
| Login | 42 | +12 |
"""
HTML = "<html><body><h1>週次ダイジェスト 2026-W45</h1><svg><rect/></svg></body></html>"


# --- servers ---------------------------------------------------------------------------------


class _WebhookServer(ThreadingHTTPServer):
    """Records every POST; answers ``fail_status`` to the first ``failures`` of them."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _WebhookHandler)
        self.bodies: list[bytes] = []
        self.failures = 0
        self.fail_status = 500

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{SECRET_PATH}"


class _WebhookHandler(BaseHTTPRequestHandler):
    server: _WebhookServer

    def do_POST(self) -> None:
        self.server.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
        if self.server.failures > 0:
            self.server.failures -= 1
            # Echo the path, as some servers do: the secret must still not reach our errors.
            status, answer = self.server.fail_status, f"no service at {self.path}".encode()
        else:
            status, answer = 200, b"ok"
        self.send_response(status)
        if status in (301, 302):
            self.send_header("Location", "/elsewhere")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep the test output quiet


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # urllib honours proxy variables; the local servers must be reached directly.
    for name in (
        "http_proxy",
        "https_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)
    for name in (WEBHOOK_ENV, USER_ENV, PASSWORD_ENV):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def webhook() -> Iterator[_WebhookServer]:
    server = _WebhookServer()
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Inbox:
    """An aiosmtpd handler that keeps what it accepts, or rejects every message."""

    def __init__(self, reject: bool = False) -> None:
        self.reject = reject
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.tries = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.tries += 1
        if self.reject:
            return "554 Transaction failed"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


def _accept_only(user: str, password: str):
    def authenticate(
        server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        return AuthResult(success=ok, handled=False)

    return authenticate


@pytest.fixture
def smtp_server() -> Iterator[Any]:
    """Start an SMTP server on a free local port: ``smtp_server(handler, **smtp_kwargs)``."""
    controllers: list[Controller] = []

    def start(handler: _Inbox, **smtp_kwargs: Any) -> int:
        port = _free_port()
        controller = Controller(
            handler, hostname="127.0.0.1", port=port, server_hostname="localhost", **smtp_kwargs
        )
        controller.start()
        controllers.append(controller)
        return port

    yield start
    for controller in controllers:
        controller.stop()


def _email_config(port: int, **overrides: Any) -> EmailConfig:
    settings: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "sender": "VoC digest <voc@example.com>",
        "to": ["team@example.com", "lead@example.com"],
        "username_env": USER_ENV,
        "password_env": PASSWORD_ENV,
        "timeout_seconds": 5,
    }
    return EmailConfig(**{**settings, **overrides})


def _digest_file(tmp_path: Path) -> Path:
    path = tmp_path / "digest.html"
    path.write_text(HTML, encoding="utf-8")
    return path


class _Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


# --- slack_text ------------------------------------------------------------------------------


def test_slack_text_turns_headings_and_bold_into_slack_bold() -> None:
    text = slack_text("# Weekly digest\n## Top **pain** points\n### Detail\nA **big** one")
    assert text.splitlines() == ["*Weekly digest*", "*Top pain points*", "*Detail*", "A *big* one"]


def test_slack_text_writes_links_as_slack_links_and_italics_with_underscores() -> None:
    text = slack_text("See [the ticket](https://example.com/t?a=1&b=2) for *why*.")
    assert text == "See <https://example.com/t?a=1&b=2|the ticket> for _why_."


def test_slack_text_escapes_control_characters_in_plain_text_only() -> None:
    text = slack_text("Q&A <b> said 1 > 0, see [A&B](https://example.com/?x=1&y=2)")
    assert text == "Q&amp;A &lt;b&gt; said 1 &gt; 0, see <https://example.com/?x=1&y=2|A&B>"


def test_slack_text_keeps_a_quote_marker_unescaped() -> None:
    assert slack_text("> 「ログインできない」 & more") == "> 「ログインできない」 &amp; more"


def test_slack_text_puts_tables_in_code_fences() -> None:
    text = slack_text("Before\n| A | B |\n|---|---|\n| **x** | <1 |\nAfter")
    assert text.splitlines() == [
        "Before",
        "```",
        "| A | B |",
        "|---|---|",
        "| x | &lt;1 |",
        "```",
        "After",
    ]


def test_slack_text_leaves_japanese_and_bullets_readable() -> None:
    text = slack_text("- アプリが落ちます\n* 2*3*4 stays")
    assert text.splitlines() == ["• アプリが落ちます", "• 2*3*4 stays"]


def test_slack_text_cuts_a_long_digest_at_a_line_boundary_with_a_pointer() -> None:
    lines = [f"line {i:03d} " + "x" * 40 for i in range(200)]
    text = slack_text("\n".join(lines), limit=1_000)
    assert len(text) <= 1_000
    *kept, notice = text.splitlines()
    assert kept and all(line in lines for line in kept)
    assert kept == lines[: len(kept)]
    assert "cut" in notice and "HTML" in notice and "Markdown" in notice


def test_slack_text_closes_a_table_fence_it_cuts_through() -> None:
    table = "\n".join(["| pain point | items |"] + [f"| point {i} | {i} |" for i in range(100)])
    text = slack_text(table, limit=300).splitlines()
    assert text[0] == "```" and text[-2] == "```"
    assert len("\n".join(text)) <= 300


def test_slack_text_leaves_a_short_digest_whole() -> None:
    assert "cut" not in slack_text(MARKDOWN)


# --- secrets ---------------------------------------------------------------------------------


def test_resolve_secret_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WEBHOOK_ENV, "https://hooks.slack.com/services/T/B/X")
    assert resolve_secret(WEBHOOK_ENV, None, "the Slack webhook URL") == (
        "https://hooks.slack.com/services/T/B/X"
    )


def test_resolve_secret_says_what_to_set_when_nothing_holds_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(WEBHOOK_ENV, "  ")  # blank counts as unset
    with pytest.raises(DeliveryError) as error:
        resolve_secret(
            WEBHOOK_ENV,
            None,
            "the Slack webhook URL",
            example="https://hooks.slack.com/...",
            block_key="digest.delivery.slack.webhook_block",
        )
    assert str(error.value) == (
        f"the Slack webhook URL is not set: export {WEBHOOK_ENV}=https://hooks.slack.com/... "
        "or name a Prefect Secret block in digest.delivery.slack.webhook_block"
    )


# --- Slack -----------------------------------------------------------------------------------


def test_post_slack_sends_json_with_the_converted_text(webhook: _WebhookServer) -> None:
    post_slack(webhook.url, MARKDOWN)

    (body,) = webhook.bodies
    text = json.loads(body.decode("utf-8"))["text"]
    lines = text.splitlines()
    assert lines[0] == "*週次ダイジェスト 2026-W45*"
    assert "1. *Login fails* after the update (<https://example.com/pp/1|details>)" in lines
    assert "アプリが起動直後に落ちます。" in lines
    fence = lines.index("```")
    assert lines[fence + 1] == "| Pain point | Items | Change |"
    assert lines[-1] == "```"


def test_post_slack_reports_the_status_but_never_the_url(webhook: _WebhookServer) -> None:
    webhook.failures = 1
    with pytest.raises(DeliveryError) as error:
        post_slack(webhook.url, MARKDOWN)
    message = str(error.value)
    assert "HTTP 500" in message and "no service at" in message
    assert f"127.0.0.1:{webhook.server_address[1]}" in message
    assert "s3cr3t" not in message and "/services/" not in message


def test_post_slack_does_not_follow_a_redirect(webhook: _WebhookServer) -> None:
    webhook.failures, webhook.fail_status = 1, 302
    with pytest.raises(DeliveryError, match="HTTP 302"):
        post_slack(webhook.url, MARKDOWN)


def test_post_slack_gives_up_on_a_server_that_never_answers() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # connections wait in the backlog; nothing ever answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}{SECRET_PATH}"
        with pytest.raises(DeliveryError, match="timed out") as error:
            post_slack(url, MARKDOWN, timeout=0.3)
    assert "s3cr3t" not in str(error.value)


def test_post_slack_refuses_a_url_that_is_not_http() -> None:
    with pytest.raises(DeliveryError, match="not an http"):
        post_slack("file:///etc/passwd", MARKDOWN)


def test_deliver_retries_a_failing_webhook_until_it_answers(
    webhook: _WebhookServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(WEBHOOK_ENV, webhook.url)
    webhook.failures = 2
    config = DeliveryConfig(slack=SlackConfig(webhook_env=WEBHOOK_ENV), retries=3)

    (result,) = deliver(config, subject=SUBJECT, markdown=MARKDOWN, html=HTML, sleep=_Sleeps())

    assert result == DeliveryResult(
        channel="slack", ok=True, attempts=3, target=f"127.0.0.1:{webhook.server_address[1]}"
    )
    assert len(webhook.bodies) == 3


def test_deliver_reports_a_webhook_that_always_fails_without_leaking_its_url(
    webhook: _WebhookServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv(WEBHOOK_ENV, webhook.url)
    webhook.failures = 1_000
    digest = _digest_file(tmp_path)
    sleeps = _Sleeps()
    config = DeliveryConfig(
        slack=SlackConfig(webhook_env=WEBHOOK_ENV), retries=3, retry_delay_seconds=10
    )

    with caplog.at_level(logging.INFO, logger="voc.digest.delivery"):
        (result,) = deliver(
            config,
            subject=SUBJECT,
            markdown=MARKDOWN,
            html=HTML,
            attachments=[digest],
            sleep=sleeps,
        )

    assert not result.ok and result.attempts == 4 and "500" in (result.error or "")
    assert sleeps.delays == [10, 20, 40]
    assert len(webhook.bodies) == 4
    assert [r.levelname for r in caplog.records] == ["WARNING"] * 4 + ["ERROR"]
    assert "s3cr3t" not in caplog.text and SECRET_PATH not in caplog.text
    assert "s3cr3t" not in json.dumps(result.to_dict())
    assert digest.read_text(encoding="utf-8") == HTML  # the files are never lost


def test_deliver_reports_a_closed_port_without_raising(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WEBHOOK_ENV, f"http://127.0.0.1:{_free_port()}{SECRET_PATH}")
    config = DeliveryConfig(slack=SlackConfig(webhook_env=WEBHOOK_ENV), retries=1)

    (result,) = deliver(config, subject=SUBJECT, markdown=MARKDOWN, html=HTML, sleep=_Sleeps())

    assert not result.ok and result.attempts == 2
    assert "could not reach" in (result.error or "") and "s3cr3t" not in (result.error or "")


def test_deliver_without_a_webhook_url_tries_nothing_and_says_what_to_set(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sleeps = _Sleeps()
    config = DeliveryConfig(slack=SlackConfig(webhook_env=WEBHOOK_ENV))

    with caplog.at_level(logging.INFO, logger="voc.digest.delivery"):
        (result,) = deliver(config, subject=SUBJECT, markdown=MARKDOWN, html=HTML, sleep=sleeps)

    assert (result.channel, result.ok, result.attempts) == ("slack", False, 0)
    assert f"export {WEBHOOK_ENV}=https://hooks.slack.com/..." in (result.error or "")
    assert "digest.delivery.slack.webhook_block" in (result.error or "")
    assert sleeps.delays == []
    assert [r.levelname for r in caplog.records] == ["ERROR"]


def test_deliver_sends_nothing_when_no_channel_is_configured() -> None:
    assert deliver(DeliveryConfig(), subject=SUBJECT, markdown=MARKDOWN, html=HTML) == []


# --- e-mail ----------------------------------------------------------------------------------


def test_send_email_delivers_text_html_and_the_attachment_in_utf8(
    smtp_server: Any, tmp_path: Path
) -> None:
    inbox = _Inbox()
    port = smtp_server(inbox)
    digest = _digest_file(tmp_path)

    send_email(_email_config(port), subject=SUBJECT, html=HTML, text=MARKDOWN, attachments=[digest])

    (message,) = inbox.messages
    assert message["Subject"] == SUBJECT
    assert inbox.recipients == [["team@example.com", "lead@example.com"]]
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    assert text_part is not None and html_part is not None
    # SMTP carries CRLF line ends; the text itself must arrive unchanged.
    assert text_part.get_content().replace("\r\n", "\n") == MARKDOWN
    assert html_part.get_content().strip() == HTML
    (attachment,) = message.iter_attachments()
    assert attachment.get_filename() == "digest.html"
    assert attachment.get_content_type() == "text/html"
    assert attachment.get_content().strip() == HTML
    assert digest.read_text(encoding="utf-8") == HTML


# aiosmtpd warns that AUTH without TLS is unsafe: it is, but this server is local and short-lived.
_AUTH_WITHOUT_TLS = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@_AUTH_WITHOUT_TLS
def test_send_email_logs_in_with_the_credentials_given(smtp_server: Any) -> None:
    inbox = _Inbox()
    port = smtp_server(
        inbox,
        authenticator=_accept_only("digest-bot", "pa55-w0rd"),
        auth_required=True,
        auth_require_tls=False,
    )
    config = _email_config(port)

    send_email(
        config,
        subject=SUBJECT,
        html=HTML,
        text=MARKDOWN,
        username="digest-bot",
        password="pa55-w0rd",
    )
    assert len(inbox.messages) == 1

    with pytest.raises(DeliveryError) as error:
        send_email(
            config,
            subject=SUBJECT,
            html=HTML,
            text=MARKDOWN,
            username="digest-bot",
            password="wrong-pa55",
        )
    assert f"127.0.0.1:{port}" in str(error.value) and "535" in str(error.value)
    assert "wrong-pa55" not in str(error.value)


@_AUTH_WITHOUT_TLS
def test_deliver_reads_smtp_credentials_from_the_environment(
    smtp_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = _Inbox()
    port = smtp_server(
        inbox,
        authenticator=_accept_only("digest-bot", "pa55-w0rd"),
        auth_required=True,
        auth_require_tls=False,
    )
    monkeypatch.setenv(USER_ENV, "digest-bot")
    monkeypatch.setenv(PASSWORD_ENV, "pa55-w0rd")

    (result,) = deliver(
        DeliveryConfig(email=_email_config(port)), subject=SUBJECT, markdown=MARKDOWN, html=HTML
    )

    assert result == DeliveryResult(
        channel="email", ok=True, attempts=1, target="team@example.com, lead@example.com"
    )
    assert inbox.messages[0]["Subject"] == SUBJECT


def test_deliver_without_the_smtp_password_tries_nothing(
    smtp_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = _Inbox()
    port = smtp_server(inbox)
    monkeypatch.setenv(USER_ENV, "digest-bot")

    (result,) = deliver(
        DeliveryConfig(email=_email_config(port)), subject=SUBJECT, markdown=MARKDOWN, html=HTML
    )

    assert (result.ok, result.attempts) == (False, 0)
    assert f"export {PASSWORD_ENV}=" in (result.error or "")
    assert "digest.delivery.email.password_block" in (result.error or "")
    assert inbox.tries == 0


def test_a_rejecting_smtp_server_is_retried_and_reported_while_slack_still_gets_the_digest(
    smtp_server: Any,
    webhook: _WebhookServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    inbox = _Inbox(reject=True)
    port = smtp_server(inbox)
    monkeypatch.setenv(WEBHOOK_ENV, webhook.url)
    digest = _digest_file(tmp_path)
    sleeps = _Sleeps()
    config = DeliveryConfig(
        slack=SlackConfig(webhook_env=WEBHOOK_ENV),
        email=_email_config(port),
        retries=2,
        retry_delay_seconds=1,
    )

    slack, mail = deliver(
        config,
        subject=SUBJECT,
        markdown=MARKDOWN,
        html=HTML,
        attachments=[digest],
        sleep=sleeps,
    )

    assert (slack.channel, slack.ok, slack.attempts) == ("slack", True, 1)
    assert (mail.channel, mail.ok, mail.attempts) == ("email", False, 3)
    assert "554" in (mail.error or "") and f"127.0.0.1:{port}" in (mail.error or "")
    assert inbox.tries == 3 and sleeps.delays == [1, 2]
    assert len(webhook.bodies) == 1
    assert digest.read_text(encoding="utf-8") == HTML
