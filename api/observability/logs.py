"""Logs: one line per event, JSON in production, each carrying the id of the request it belongs
to, and never a token, password, ID number or phone number.

- `RequestIdMiddleware` takes the caller's `X-Request-ID` (when it looks like one) or makes one,
  echoes it in the response, keeps it in a context variable for every log line of the request,
  and writes one access line (method, route path without the query string, status, time).
- `Redactor` is a logging filter on the handler: whatever a library puts in a message, its
  arguments or a traceback, bearer tokens, JWTs, API keys, passwords, resident ID numbers and
  mobile numbers are replaced before a formatter sees them.
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys
import time
import uuid
from typing import Any

from pythonjsonlogger.json import JsonFormatter
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from settings import Settings

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
access_log = logging.getLogger("volunteer_city.access")

MASK = "[redacted]"
_SECRETS = [
    # Authorization values, in headers or echoed by libraries.
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=\-]+"), r"\1 " + MASK),
    # JSON Web Tokens (our access and refresh tokens) wherever they appear.
    (re.compile(r"\beyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"), MASK),
    # API keys (services/accounts/: vc_<prefix>_<secret>).
    (re.compile(r"\bvc_[0-9a-f]{12}_[A-Za-z0-9_\-]+"), MASK),
    # password / token / secret fields, as JSON, GraphQL arguments or key=value pairs.
    (
        re.compile(
            r"""(?ix)(["']?\b(?:password|passwd|new_?password|old_?password|token|
            refresh_?token|access_?token|secret|api_?key|authorization)\b["']?\s*[:=]\s*)
            ("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s,&}]+)"""
        ),
        r"\1" + '"' + MASK + '"',
    ),
    # Resident ID numbers (18 characters) and mainland mobile numbers.
    (re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])"), MASK),
    (re.compile(r"(?<!\d)(?:\+?86)?1[3-9]\d{9}(?!\d)"), MASK),
]


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class Redactor(logging.Filter):
    """Renders the message with its arguments, and any traceback, then redacts both."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep the raw parts, redacted
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
            # Formatters would format exc_info again, unredacted; exc_text says it all.
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get() or "-"
        return True


class _JsonFormatter(JsonFormatter):
    def add_fields(
        self, log_record: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_record, record, message_dict)
        if record.exc_text and "exc_info" not in log_record:
            log_record["exc_info"] = record.exc_text


def make_handler(log_format: str, stream: Any = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    if log_format == "json":
        handler.setFormatter(
            _JsonFormatter(
                "{asctime}{levelname}{name}{message}{request_id}",
                style="{",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                datefmt="%Y-%m-%dT%H:%M:%S%z",
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    handler.addFilter(RequestIdFilter())
    handler.addFilter(Redactor())
    return handler


def configure_logging(settings: Settings, stream: Any = None) -> None:
    """The process's logging: one handler on the root logger; uvicorn's loggers propagate to
    it (its own access log is replaced by ours, which knows the request id)."""
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(make_handler(settings.effective_log_format, stream))
    root.setLevel(settings.log_level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    # SQL statements with their values (personal data) only when asked for with DEBUG.
    logging.getLogger("tortoise").setLevel(
        logging.DEBUG if settings.log_level == "DEBUG" else logging.WARNING
    )


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _VALID_REQUEST_ID.match(text) else None
    return None


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        rid = _incoming_id(scope) or uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] in ("http.response.start", "websocket.accept"):
                status = message.get("status", 101)
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                headers[REQUEST_ID_HEADER] = rid
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            # uvicorn's own access line, without the client's address, and with the time.
            access_log.info(
                '"%s %s HTTP/%s" %s %.1fms',
                scope.get("method", "WEBSOCKET"),
                scope.get("path", ""),
                scope.get("http_version", "1.1"),
                status or "-",
                (time.perf_counter() - started) * 1000,
            )
            request_id.reset(token)
