"""The real server in a subprocess, for tests that talk to it over HTTP and WebSocket.

`ServerProcess` starts `volunteer-city serve` (the command production runs) against the current
test backend's database and bus, waits until `/healthz` answers, and stops it with SIGTERM, then
SIGKILL. Every wait is bounded: a server that does not come up fails the test with the tail of its
log instead of hanging the run. It can be stopped and started again on the same port, and several
can run at once against one database and bus.

`serving` is the other way round: a small ASGI app of the test's own (a webhook receiver, an SMS
provider) on uvicorn in the test's event loop, for the server under test to call."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager, suppress
from pathlib import Path

import httpx
import uvicorn
from starlette.types import ASGIApp

from settings import Settings, get_settings

REPO_ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
SERVING_TIMEOUT = 10.0  # an in-loop app starts and stops in well under a second


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerNotReady(RuntimeError):
    """The server exited or did not answer /healthz in time."""


class ServerProcess:
    """One API process. `env` overrides (or, with a value of None, removes) environment
    variables on top of those derived from `settings`."""

    def __init__(
        self,
        settings: Settings,
        *,
        port: int | None = None,
        env: Mapping[str, str | None] | None = None,
    ) -> None:
        self.settings = settings
        self.port = port or free_port()
        self.extra_env = dict(env or {})
        self.log_path = Path(tempfile.mkstemp(prefix="vc-server-", suffix=".log")[1])
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.settings.database_url,
            BROADCAST_URL=self.settings.broadcast_url,
            # The services of the test process sign tokens and hash API keys with the
            # process-wide settings; the server must verify them with the same key.
            SECRET_KEY=get_settings().secret_key,
            ENVIRONMENT="development",
            PYTHONUNBUFFERED="1",
        )
        for name, value in self.extra_env.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env

    def start(self, timeout: float = START_TIMEOUT) -> ServerProcess:
        if self.running:
            raise RuntimeError("server already running")
        command = [
            sys.executable,
            "-c",
            "from api.cli import app; app()",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own process group, so that stop() reaches any worker it forks.
                start_new_session=True,
            )
        try:
            self._wait_until_healthy(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=1.0) as client:
            while time.monotonic() < deadline:
                if not self.running:
                    raise ServerNotReady(f"server exited during start-up:\n{self.log_tail()}")
                try:
                    if client.get(f"{self.url}/healthz").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        raise ServerNotReady(f"no answer on /healthz after {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """SIGTERM (uvicorn shuts down gracefully), then SIGKILL. Returns the exit code."""
        process, self._process = self._process, None
        if process is None:
            return None
        if process.poll() is None:
            self._signal(process, signal.SIGTERM)
            try:
                return process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal(process, signal.SIGKILL)
        return process.wait(5)

    @staticmethod
    def _signal(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, sig)

    def restart(self, timeout: float = START_TIMEOUT) -> ServerProcess:
        self.stop()
        return self.start(timeout)

    async def astart(self) -> ServerProcess:
        """start() off the event loop, for async tests that keep clients open meanwhile."""
        return await asyncio.to_thread(self.start)

    async def astop(self) -> int | None:
        return await asyncio.to_thread(self.stop)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def close(self) -> None:
        self.stop()
        self.log_path.unlink(missing_ok=True)


@contextmanager
def running_server(
    settings: Settings, *, env: Mapping[str, str | None] | None = None
) -> Iterator[ServerProcess]:
    server = ServerProcess(settings, env=env)
    try:
        yield server.start()
    finally:
        server.close()


@asynccontextmanager
async def serving(app: ASGIApp, port: int) -> AsyncIterator[None]:
    """`app` answers on 127.0.0.1:`port` within the block. Start-up and shutdown are bounded:
    an app that cannot bind fails the test with uvicorn's error instead of hanging it."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(SERVING_TIMEOUT):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.02)
        yield
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, SERVING_TIMEOUT)


class RedisProcess:
    """A redis-server of the test's own, on a port of its own, without persistence, so that a
    test can kill it and start it again (the shared Redis of the suite is never touched)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> RedisProcess:
        if self._process is not None and self._process.poll() is None:
            raise RuntimeError("redis-server already running")
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ServerNotReady(f"redis-server exited with {self._process.returncode}")
            with suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.5) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return self
            time.sleep(0.05)
        self.kill()
        raise ServerNotReady(f"redis-server did not answer on port {self.port}")

    def pause(self) -> None:
        """SIGSTOP: connections stay open and take what is sent, but nothing answers (a hung
        Redis) until resume()."""
        assert self._process is not None
        self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self._process is not None
        self._process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL, as in a crash: no goodbye to its clients."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(5)
