"""Logs: one line per event, JSON in production, each carrying the id of the request it belongs
to, and never a token, password, ID number or phone number.

- `RequestIdMiddleware` takes the caller's `X-Request-ID` (when it looks like one) or makes one,
  echoes it in the response, keeps it in a context variable for every log line of the request,
  and writes one access line (method, route path without the query string, status, time) — the
  only one: uvicorn's own, which has the client's address, stays off. A client that goes away
  with its request in flight is an info line, and any other failure an error line with the
  request's id and a 500 that carries it too.
- `Redactor` is a logging filter on the handler: whatever a library puts in a message, its
  arguments or a traceback, bearer tokens, JWTs, API keys, passwords, resident ID numbers and
  mobile numbers are replaced before a formatter sees them, and every line is cut to a bounded
  length (a 10 MiB username in an error message is not written out whole).
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from typing import Any

from pythonjsonlogger.json import JsonFormatter
from starlette.datastructures import MutableHeaders
from starlette.requests import ClientDisconnect
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.requests import request_id
from settings import Settings

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
access_log = logging.getLogger("volunteer_city.access")
log = logging.getLogger("volunteer_city.requests")
# What one log record may carry: lines of at most LINE_LIMIT characters, at most MESSAGE_LIMIT
# characters of message and TRACEBACK_LIMIT of traceback. Longer input (a 10 MiB variable in an
# error message) is cut, with the length it had.
LINE_LIMIT = 4096
MESSAGE_LIMIT = 16 * 1024
TRACEBACK_LIMIT = 64 * 1024
# A cut line is redacted with this much more than is kept, and that much dropped from its end
# after redaction: a secret cut in two by the first cut may no longer match its pattern, and its
# visible half must not be written. Longer than our tokens and API keys; a password field's
# value is masked even when cut (its pattern takes an unterminated value too).
_CUT_MARGIN = 1024

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


def _bounded_line(line: str) -> str:
    if len(line) <= LINE_LIMIT:
        return redact(line)
    kept = redact(line[: LINE_LIMIT + _CUT_MARGIN])
    kept = kept[: max(0, min(LINE_LIMIT, len(kept) - _CUT_MARGIN))]
    return f"{kept}… [{len(line)} characters, cut]"


def bounded(text: str, limit: int) -> str:
    """`text` redacted, with every line and the whole cut to their limits. Text within the
    limits is redacted whole, as before (a pattern may span lines); only longer text is
    handled line by line, and never read past what is kept."""
    if len(text) <= limit and all(len(line) <= LINE_LIMIT for line in text.split("\n")):
        return redact(text)
    lines: list[str] = []
    size = 0
    # At most as many lines as could fit: a text of ten million newlines is not split whole.
    for line in text.split("\n", limit // 2):
        kept = _bounded_line(line)
        if size + len(kept) > limit:
            lines.append(f"… [{len(text)} characters in all, cut]")
            break
        lines.append(kept)
        size += len(kept) + 1
    return "\n".join(lines)


class Redactor(logging.Filter):
    """Renders the message with its arguments, and any traceback, then redacts and bounds
    both."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep the raw parts, redacted
            message = f"{record.msg} {record.args}"
        record.msg, record.args = bounded(message, MESSAGE_LIMIT), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = bounded(record.exc_text, TRACEBACK_LIMIT)
            # Formatters would format exc_info again, unredacted; exc_text says it all.
            record.exc_info = None
        if record.stack_info:
            record.stack_info = bounded(record.stack_info, TRACEBACK_LIMIT)
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
    it, except its access log, which ours replaces (it knows the request id, and leaves out the
    client's address). uvicorn writes access lines when "uvicorn.access" has a handler of its
    own or through its parents, so that logger must neither have one nor propagate."""
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(make_handler(settings.effective_log_format, stream))
    root.setLevel(settings.log_level)
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    uvicorn_access = logging.getLogger("uvicorn.access")
    uvicorn_access.handlers.clear()
    uvicorn_access.propagate = False
    uvicorn_access.disabled = True
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
        status: int | str = 0

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
        except ClientDisconnect:
            # The client went away before its request was read: expected, nothing to answer.
            log.info("client disconnected before the request was read")
            status = status or "disconnected"
        except Exception:
            if scope["type"] != "http":
                raise
            log.exception("request failed")
            if not status:
                # Here rather than in Starlette's error middleware, outside us: with the id.
                await PlainTextResponse("Internal Server Error", 500)(scope, receive, sending)
            # A response already begun is cut short: uvicorn closes the connection.
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
