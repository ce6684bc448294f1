"""The digest by e-mail: a text and an HTML alternative, plus attachments, over SMTP
(plain, STARTTLS or SSL). The password never appears in an error."""

from __future__ import annotations

import logging
import mimetypes
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from voc.config import EmailConfig
from voc.errors import DeliveryError

__all__ = ["send_email"]

logger = logging.getLogger(__name__)


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
