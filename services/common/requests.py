"""What the domain may know of the request it serves: its id, set by the API's middleware, so
that a row written for the request (an audit entry) can be traced to its log lines."""

from __future__ import annotations

import contextvars

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
