"""HTTP load on loopback for the bench scripts: a raw keep-alive client, a closed-loop driver, the floor app, and
a uvicorn server in processes of its own.

The client is a small HTTP/1.1 keep-alive client on asyncio streams (uvloop). httpx cannot measure a fast route:
against the floor, on the 2-core machine the figures were taken on, httpx 0.29 made ~1,200 requests/s over one
connection and ~330/s over 32, while this client drives the floor above 40,000/s. Latencies are as the client
sees them, from writing the request to reading the whole answer; with N connections in a closed loop, Little's
law ties them to the rate (mean latency = N / rate), so p99 < 10 ms at 32 connections needs well above 3,200
answers/s.

The floor is a minimal ASGI app answering every request with one constant body under the same uvicorn settings:
how close a route is to what the server can answer at all on this machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

__all__ = ["RawConnection", "UvicornServer", "closed_loop", "constant_app", "free_port", "percentiles_ms",
           "run_loop"]


class RawConnection:
    """HTTP/1.1 keep-alive on one socket: the server's answers carry Content-Length (uvicorn, no chunking)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, head: bytes, body: bytes = b"") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(head + body if body else head)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        status = int(raw[9:12])
        length = 0
        close = False
        for line in raw.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                raise RuntimeError("a chunked answer: this client reads Content-Length only")
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        content = await self.reader.readexactly(length) if length else b""
        if close:
            await self.close()
        return status, content

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
        self.reader = self.writer = None


Request = tuple[bytes, bytes, Any]  # head, body, and what the judge needs to check the answer


async def closed_loop(port: int, next_request: Callable[[], Request | None], *, concurrency: int,
                      judge: Callable[[Any, int, bytes], None], host: str = "127.0.0.1") -> tuple[list[float], float]:
    """CONCURRENCY connections, each sending its next request when the last one was answered, until NEXT_REQUEST
    says None; JUDGE sees every answer. Return the latencies (seconds) and the elapsed time."""
    latencies: list[float] = []

    async def worker() -> None:
        connection = RawConnection(host, port)
        try:
            while (item := next_request()) is not None:
                head, body, expected = item
                sent = time.perf_counter()
                status, content = await connection.request(head, body)
                latencies.append(time.perf_counter() - sent)
                judge(expected, status, content)
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - started


def percentiles_ms(latencies: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


@dataclass
class Run:
    """One measured round of one target: its requests, how long they took, latencies, errors, the load after."""

    target: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    load: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def medians(measured: Sequence[Run]) -> tuple[float, float, float, int, str]:
    """Rate, p50 and p99 as medians over the rounds, errors summed, and the rounds' load averages for the line."""
    return (statistics.median(r.rate for r in measured), statistics.median(r.p50_ms for r in measured),
            statistics.median(r.p99_ms for r in measured), sum(r.errors for r in measured),
            ", ".join(f"{r.load:.1f}" for r in measured))


def run_loop(coroutine: Any) -> Any:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def constant_app(body: bytes, content_type: bytes) -> Any:
    """An ASGI app answering every request (its body read) with 200 and BODY: the floor."""
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stat(pid: str) -> tuple[str, int, float] | None:
    """(command name, parent pid, CPU seconds) of a live process, from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as file:
            text = file.read()
    except OSError:  # gone meanwhile
        return None
    name = text[text.index("(") + 1:text.rindex(")")]
    fields = text[text.rindex(")") + 2:].split()  # from field 3 (state) on
    return name, int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[str, int, float]]:
    found = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit() and (stat := _stat(pid)) is not None:
            found[int(pid)] = stat
    return found


def tree_cpu_seconds(root: int) -> float:
    """CPU used by ROOT and its live descendants (Linux /proc; 0 elsewhere)."""
    if not os.path.isdir("/proc"):
        return 0.0
    processes = _processes()
    tree, grew = {root}, True
    while grew:
        grew = False
        for pid, (_, parent, _) in processes.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return sum(processes[pid][2] for pid in tree if pid in processes)


def named_cpu_seconds(name: str) -> float:
    """CPU used by every live process called NAME (the database server's backends: ``postgres``)."""
    if not os.path.isdir("/proc"):
        return 0.0
    return sum(cpu for command, _, cpu in _processes().values() if command == name)


class UvicornServer:
    """FACTORY served by `telreg serve`'s worker pool (bench/pool_server.py: a listening socket per worker) in
    processes of its own (client and server share no GIL); ``shared_socket`` gives all workers one socket, as plain
    ``uvicorn --workers`` does."""

    def __init__(self, factory: str, *, workers: int = 1, env: Mapping[str, str] | None = None,
                 app_dir: Path | None = None, ready_path: str = "/", ready_seconds: float = 120,
                 shared_socket: bool = False) -> None:
        self.factory, self.workers, self.app_dir, self.shared_socket = factory, workers, app_dir, shared_socket
        self.env = dict(env or {})
        self.ready_path, self.ready_seconds = ready_path, ready_seconds
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        app_dir = ["--app-dir", str(self.app_dir)] if self.app_dir is not None else []
        shared = ["--shared-socket"] if self.shared_socket else []
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("pool_server.py")), self.factory, *app_dir, *shared,
             "--port", str(self.port), "--workers", str(self.workers)],
            env={**os.environ, **self.env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + self.ready_seconds
        head = f"GET {self.ready_path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.process.stderr.read().decode()}")  # type: ignore[union-attr]
            try:
                status = run_loop(self._ask(head))
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the server did not answer {self.ready_path} within {self.ready_seconds:g} s")

    def cpu_seconds(self) -> float:
        """CPU (user + system) used so far by the server: the uvicorn parent and its worker processes."""
        return tree_cpu_seconds(self.process.pid) if self.process is not None else 0.0

    def worker_cpu_seconds(self) -> dict[int, float]:
        """CPU used so far by each of the server's worker processes (pid → seconds): how evenly they share the load."""
        if self.process is None or not os.path.isdir("/proc"):
            return {}
        return {pid: cpu for pid, (_, parent, cpu) in _processes().items() if parent == self.process.pid}

    async def _ask(self, head: bytes) -> int:
        connection = RawConnection("127.0.0.1", self.port)
        try:
            status, _ = await asyncio.wait_for(connection.request(head), 5)
            return status
        finally:
            await connection.close()

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
