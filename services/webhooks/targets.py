"""Where webhooks may point: public internet addresses only, unless
WEBHOOK_ALLOW_PRIVATE_TARGETS (true outside production, for local receivers). Otherwise an app
could make our servers POST into the city's own network or a cloud metadata service (SSRF).

A URL is checked when it is registered, but the check that counts is the one at send time: a
name that resolved to a public address then may resolve to 10.0.0.5 now (the owner changed its
records, or a DNS server answers differently the second time: "DNS rebinding"). So the worker's
HTTP transport resolves the host itself, refuses the connection if any address is not public,
and connects to an address it checked: the HTTP library never resolves the name again, so
nothing can swap the address between the check and the connection.

This is done in the network backend of httpx's connection pool (httpcore's `connect_tcp`)
rather than by rewriting the URL to an IP with a Host header and SNI: the pool stays keyed by
host name, TLS verifies the certificate against the host name as usual, and a kept-alive
connection is only reused for the host it was checked and verified for (with URLs rewritten to
IPs, two receivers sharing a CDN address would share a connection opened for the other one).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# How long registration waits for the name to resolve (sending has the request's timeout).
REGISTRATION_RESOLVE_SECONDS = 5.0


class TargetRefused(Exception):
    """A webhook target that resolves to an address we do not send to."""


def is_public(address: IPAddress) -> bool:
    """False for loopback, private (RFC 1918, ULA), shared (CGNAT), link-local (169.254/16,
    including cloud metadata at 169.254.169.254), multicast, unspecified, documentation and
    reserved addresses, and for IPv6 addresses that carry one of those as an IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return is_public(embedded)
        if address.is_site_local:
            return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
    )


async def resolve_name(host: str, port: int) -> list[IPAddress]:
    """The addresses of a host name, as the system resolver gives them (tests replace this)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(info[4][0]) for info in infos]


async def addresses_of(host: str, port: int) -> list[IPAddress]:
    """The addresses a connection to `host` may go to, each once, in the resolver's order."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    return list(dict.fromkeys(await resolve_name(host, port)))


def _refusal(host: str, addresses: Iterable[IPAddress]) -> str | None:
    private = [str(a) for a in addresses if not is_public(a)]
    if not private:
        return None
    return f"{host} resolves to {', '.join(private)}, which is not a public internet address."


async def registration_refusal(url: str) -> str | None:
    """Why `url` may not be registered as a webhook target, or None. A name that does not
    resolve now is let through: sending checks again, and records why it could not send."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        async with asyncio.timeout(REGISTRATION_RESOLVE_SECONDS):
            addresses = await addresses_of(host, parts.port or 443)
    except (OSError, TimeoutError, UnicodeError):
        return None
    return _refusal(host, addresses)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with the check above in front of every connection."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await addresses_of(host, port)
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"Could not resolve {host}: {exc}") from exc
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"Could not resolve {host} in time.") from exc
        refusal = None if self.allow_private else _refusal(host, addresses)
        if refusal is not None:
            raise TargetRefused(f"Not sent: {refusal}")
        failure: Exception = httpcore.ConnectError(f"{host} has no address.")
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise TargetRefused("Not sent: webhooks go over TCP only.")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport (its request, response and error handling) over a connection pool
    whose connections are made by `GuardedBackend`."""

    def __init__(self, allow_private: bool) -> None:
        super().__init__(trust_env=False)
        # httpx takes no network backend, so its pool is replaced by an equal one that has
        # ours. Should a later httpx keep its pool elsewhere, fail here rather than send
        # unchecked (tests/webhooks/test_hardening.py also proves the backend is in use).
        if not isinstance(getattr(self, "_pool", None), httpcore.AsyncConnectionPool):
            raise RuntimeError("httpx.AsyncHTTPTransport no longer keeps its pool in _pool")
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(allow_private),
        )
