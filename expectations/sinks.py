"""Alert sinks: a chat-robot webhook (DingTalk or WeCom) and email over SMTP.

Each send is retried with exponential backoff; the outcome (delivered or not, attempts,
last error) is returned, never raised: a sink failure must not fail the run.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import ssl
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage

from .config import AlertConfig, EmailSink, WebhookSink

# Robot message size limits (bytes of the text field) with some headroom.
MAX_TEXT_BYTES = {"dingtalk": 18_000, "wecom": 3_800}


@dataclass(frozen=True)
class Message:
    """One notification: a title and a markdown/plain body, for one bureau."""

    bureau_code: str | None
    title: str
    body: str


@dataclass(frozen=True)
class Delivery:
    delivered: bool
    attempts: int
    error: str | None = None


def truncate_bytes(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    marker = "\n…（内容过长，已截断）"
    cut = data[: limit - len(marker.encode("utf-8"))].decode("utf-8", errors="ignore")
    return cut + marker


def dingtalk_signed_url(url: str, secret: str, now_ms: int | None = None) -> str:
    """DingTalk robot 加签: HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret."""
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), hashlib.sha256
    ).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}timestamp={timestamp}&sign={sign}"


def webhook_payload(kind: str, message: Message) -> dict:
    """The robot's markdown message: DingTalk {title, text}, WeCom {content}."""
    text = truncate_bytes(f"### {message.title}\n\n{message.body}", MAX_TEXT_BYTES[kind])
    if kind == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": message.title, "text": text}}
    return {"msgtype": "markdown", "markdown": {"content": text}}


def _with_retries(
    attempt: Callable[[], None], config: AlertConfig, sleep: Callable[[float], None]
) -> Delivery:
    error: str | None = None
    tries = config.retries + 1
    for n in range(1, tries + 1):
        try:
            attempt()
            return Delivery(True, n, None)
        except Exception as exc:  # every failure is recorded and retried, never raised
            error = f"{type(exc).__name__}: {exc}"[:500]
            if n < tries:
                sleep(config.backoff_seconds * (2 ** (n - 1)))
    return Delivery(False, tries, error)


def send_webhook(
    sink: WebhookSink,
    message: Message,
    config: AlertConfig,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    body = json.dumps(webhook_payload(sink.kind, message), ensure_ascii=False).encode("utf-8")

    def attempt() -> None:
        url = sink.url
        if sink.kind == "dingtalk" and sink.secret:
            url = dingtalk_signed_url(url, sink.secret)  # the signature expires: per attempt
        request = urllib.request.Request(
            url, data=body, method="POST",
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        with urllib.request.urlopen(request, timeout=config.timeout_seconds) as response:
            raw = response.read()
        # Both robots answer HTTP 200 with {"errcode": 0, "errmsg": "ok"}; anything else
        # (rate limit, bad signature, keyword filter) is a failure worth retrying.
        try:
            answer = json.loads(raw.decode("utf-8") or "{}")
        except ValueError:
            answer = {}
        if isinstance(answer, dict) and answer.get("errcode", 0) != 0:
            raise RuntimeError(f"robot errcode {answer.get('errcode')}: {answer.get('errmsg')}")

    return _with_retries(attempt, config, sleep)


def build_email(sink: EmailSink, message: Message, recipients: tuple[str, ...]) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = message.title
    mail["From"] = sink.sender
    mail["To"] = ", ".join(recipients)
    mail.set_content(message.body)
    return mail


def send_email(
    sink: EmailSink,
    message: Message,
    config: AlertConfig,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    recipients = sink.recipients(message.bureau_code)
    if not recipients:
        return Delivery(False, 0, "no recipients configured for this bureau")
    mail = build_email(sink, message, recipients)

    def attempt() -> None:
        if sink.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                sink.host, sink.port, timeout=config.timeout_seconds,
                context=ssl.create_default_context(),
            )
        else:
            smtp = smtplib.SMTP(sink.host, sink.port, timeout=config.timeout_seconds)
        with smtp:
            if sink.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if sink.user:
                smtp.login(sink.user, sink.password or "")
            smtp.send_message(mail)

    return _with_retries(attempt, config, sleep)
