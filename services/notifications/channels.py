"""The channels beyond the inbox: e-mail over SMTP, and SMS through a provider's HTTP API.

A sender takes one outgoing message and either returns (the provider accepted it) or raises
`SendFailed` with what went wrong; the worker keeps the log and retries."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

import aiosmtplib
import httpx

from settings import Settings


class SendFailed(Exception):
    """The provider did not accept the message; `permanent` when retrying cannot help."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Outgoing:
    address: str
    subject: str
    text: str
    # The delivery's id: a provider may de-duplicate a resent message by it.
    reference: str


class Sender(Protocol):
    async def send(self, message: Outgoing) -> None: ...

    async def close(self) -> None: ...


@dataclass
class SmtpSender:
    host: str
    port: int
    sender: str
    username: str = ""
    password: str = ""
    starttls: bool = True
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpSender | None:
        if not settings.smtp_host:
            return None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
            timeout=settings.smtp_timeout_seconds,
        )

    async def send(self, message: Outgoing) -> None:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.address
        mail["Subject"] = message.subject
        mail["X-VC-Delivery-Id"] = message.reference
        mail.set_content(message.text)
        implicit_tls = self.port == 465
        try:
            await aiosmtplib.send(
                mail,
                hostname=self.host,
                port=self.port,
                username=self.username or None,
                password=self.password or None,
                use_tls=implicit_tls,
                start_tls=self.starttls and not implicit_tls,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise SendFailed(f"Recipient refused: {exc}"[:300], permanent=True) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise SendFailed(f"{type(exc).__name__}: {exc}"[:300]) from exc

    async def close(self) -> None:
        """Each message opens its own connection: nothing stays open."""


@dataclass
class HttpSmsSender:
    """One POST per message, as documented in the README ("Notifications"): a JSON body
    `{to, text, sender, reference}` with `Authorization: Bearer <SMS_API_KEY>` and
    `Idempotency-Key: <reference>`; any 2xx is accepted, 4xx other than 408/429 is final."""

    url: str
    api_key: str
    sender: str
    timeout: float = 10.0
    _http: httpx.AsyncClient | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> HttpSmsSender | None:
        if not settings.sms_api_url:
            return None
        return cls(
            url=settings.sms_api_url,
            api_key=settings.sms_api_key,
            sender=settings.sms_sender,
            timeout=settings.sms_timeout_seconds,
        )

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(
                timeout=self.timeout, follow_redirects=False, trust_env=False
            )
        return self._http

    async def send(self, message: Outgoing) -> None:
        body = {
            "to": message.address,
            "text": f"{message.subject}: {message.text}",
            "sender": self.sender,
            "reference": message.reference,
        }
        headers = {"Authorization": f"Bearer {self.api_key}", "Idempotency-Key": message.reference}
        try:
            response = await self._client().post(self.url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise SendFailed(f"{type(exc).__name__}: {exc}"[:300]) from exc
        status = response.status_code
        if 200 <= status < 300:
            return
        final = 400 <= status < 500 and status not in (408, 429)
        raise SendFailed(f"HTTP {status}: {response.text[:200]}", permanent=final)

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None
