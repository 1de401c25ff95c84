"""`telreg serve --workers N --with-worker` as a real process tree: N public workers answer on one port, the job
worker runs due jobs in a process of its own, the dev inbox and demo lines are the same whichever worker answers,
X-Forwarded-For is believed only from an allowed proxy, a killed worker is replaced, a listener that cannot start
stops the server visibly, and SIGTERM stops every process.

SQLite in a temporary directory: what is under test is the process tree, not the storage (the rate limiter and
the job queue have their own tests on both databases)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from telreg.config import Environment, Settings
from telreg.core import mail
from telreg.core.rate_limit_models import RateLimitCounter
from telreg.runtime import build_runtime

STARTUP_SECONDS = 240  # every process imports the whole app; the test machine may be busy
ALLOWED_PROXY = "127.0.0.2"  # Linux answers for all of 127/8 on loopback: a second local source address


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> set[int]:
    """The live child processes of PID, read from /proc (no psutil)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def _until(what: str, check: Callable[[], Any], seconds: float, process: subprocess.Popen[bytes]) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"telreg serve exited ({process.returncode}) while waiting for {what}")
        try:
            value = check()
        except httpx.HTTPError:
            value = None
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"{what}: not within {seconds} s")


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    settings: Settings

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        # A fresh connection each time, so the kernel may hand it to any worker.
        return httpx.get(self.url(path), headers={"Connection": "close"}, timeout=30, **kwargs)

    def worker_pids(self, path: str = "/api/v1/health", *, want: int = 2, tries: int = 400) -> set[int]:
        seen: set[int] = set()
        for _ in range(tries):
            seen.add(int(self.get(path).headers["x-telreg-worker"]))
            if len(seen) >= want:
                break
        return seen

    def logged(self) -> str:
        return self.log.read_text(errors="replace")


def _settings(tmp_path: Path, template: Path) -> Settings:
    database = tmp_path / "telreg.sqlite3"
    shutil.copyfile(template, database)
    return Settings(env=Environment.test, database_url=f"sqlite:///{database}", data_dir=tmp_path / "data",
                    secret_key="test-secret-key", smtp_host="127.0.0.1", smtp_port=_free_port(),
                    mail_adapter="smtp", telephony_adapter="demo", password_hashing="fast")


def _start(settings: Settings, log: Path, *args: str, session: bool = False) -> Served:
    port = _free_port()
    env = {**os.environ, "TELREG_ENV": "test", "TELREG_DATABASE_URL": settings.database_url,
           "TELREG_DATA_DIR": str(settings.data_dir), "TELREG_SECRET_KEY": "test-secret-key",
           "TELREG_SMTP_HOST": settings.smtp_host, "TELREG_SMTP_PORT": str(settings.smtp_port),
           "TELREG_MAIL_ADAPTER": "smtp", "TELREG_TELEPHONY_ADAPTER": "demo", "TELREG_PASSWORD_HASHING": "fast"}
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "telreg", "serve", "--port", str(port), *args],
                                   env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=session)
    return Served(process, port, log, settings)


@pytest.fixture
def served(tmp_path: Path, sqlite_template: Path) -> Iterator[Served]:
    settings = _settings(tmp_path, sqlite_template)
    runtime = build_runtime(settings)
    with runtime.session_factory.begin() as session:  # due now: the job worker delivers it once it runs
        mail.enqueue(session, clock=runtime.clock, key="serve-test", to="ops@example.org",
                     subject="Delivered by the job worker", body="sent over SMTP to the supervisor's sink")
    runtime.engine.dispose()
    server = _start(settings, tmp_path / "serve.log", "--workers", "2", "--with-worker", "--ivr-port",
                    str(_free_port()), "--forwarded-allow-ips", ALLOWED_PROXY)
    try:
        _until("the public port", lambda: server.get("/api/v1/health").status_code == 200, STARTUP_SECONDS,
               server.process)
        yield server
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait(30)


def _listening_inodes(port: int) -> set[int]:
    """The inodes of the sockets listening on PORT (TCP state 0A in /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                found.add(int(fields[9]))
    return found


def _socket_inodes(pid: int) -> set[int]:
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            found.add(int(target[8:-1]))
    return found


def _burst_workers(port: int, connections: int) -> list[int]:
    """Open CONNECTIONS keep-alive connections at once (as a sender's threads or a proxy's pool do), then ask each
    which worker holds it."""
    socks = [socket.create_connection(("127.0.0.1", port), timeout=60) for _ in range(connections)]
    try:
        for sock in socks:
            sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        answered = []
        for sock in socks:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = sock.recv(65536)
                assert chunk, "the server closed a keep-alive connection"
                head += chunk
            answered.append(int(re.search(rb"x-telreg-worker: (\d+)", head, re.IGNORECASE).group(1)))
        return answered
    finally:
        for sock in socks:
            sock.close()


def _login_from(served: Served, source: str, forwarded_for: str) -> int:
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport, timeout=30) as client:
        response = client.post(served.url("/api/v1/senders/login"), headers={"X-Forwarded-For": forwarded_for},
                               json={"username": "nobody", "password": "wrong", "captcha_token": "x",
                                     "captcha_answer": "y"})
    return response.status_code


def test_workers_job_worker_dev_state_proxy_and_shutdown(served: Served) -> None:
    serve_pid = served.process.pid
    workers = served.worker_pids()
    assert len(workers) == 2, f"only {workers} answered"
    assert workers <= _children(serve_pid)  # worker processes of this server, not threads of one

    # Each worker listens on a socket of its own (SO_REUSEPORT), which the supervisor also holds, so the kernel
    # spreads connections between them: with one shared socket, the worker that woke first accepted a whole burst
    # of keep-alive connections and kept them.
    listening = _listening_inodes(served.port)
    held = {pid: _socket_inodes(pid) & listening for pid in workers}
    assert all(len(inodes) == 1 for inodes in held.values()), held
    assert len(set.union(*held.values())) == 2, held  # two sockets, not one shared
    assert set.union(*held.values()) <= _socket_inodes(serve_pid)  # kept by the supervisor across restarts
    # Both sockets serve: a burst of 32 keep-alive connections lands on both workers (all 32 hashed to one
    # socket: 2 × 2**-32).
    spread = Counter(_burst_workers(served.port, 32))
    assert set(spread) == workers, spread

    # The job worker: its own process, a child of the server, neither of the public workers; it delivers the
    # mail over SMTP to the supervisor's sink, and every worker's dev inbox shows it.
    job_pid = int(_until("the job worker's start", lambda: re.search(
        r'msg="job worker started" pid=(\d+)', served.logged()), 120, served.process).group(1))
    assert job_pid in _children(serve_pid) and job_pid not in workers

    def delivered() -> set[int]:
        answered = set()
        for _ in range(40):
            response = served.get("/api/v1/dev/inbox")
            if any(m["subject"] == "Delivered by the job worker" for m in response.json()["mails"]):
                answered.add(int(response.headers["x-telreg-worker"]))
        return answered if answered == workers else set()

    _until("the mail in every worker's inbox", delivered, 120, served.process)

    # A line scripted through one worker is seen through the other (and would be by the job worker's calls).
    scripted = httpx.post(served.url("/api/v1/dev/lines/91234567"), json={"call": ["busy", "no_answer"]},
                          headers={"Connection": "close"}, timeout=30)
    assert scripted.status_code in (200, 201), scripted.text
    seen = {}
    for _ in range(200):
        response = served.get("/api/v1/dev/lines")
        seen[int(response.headers["x-telreg-worker"])] = json.dumps(response.json(), sort_keys=True)
        if len(seen) == 2:
            break
    assert set(seen) == workers
    assert all('"busy", "no_answer"' in body for body in seen.values()), seen

    # X-Forwarded-For: believed from the allowed proxy (the rate limiter counts the client it names), ignored
    # from anyone else (counted against the connection's own address).
    _login_from(served, ALLOWED_PROXY, "203.0.113.7")
    _login_from(served, "127.0.0.1", "198.51.100.9")
    engine = build_runtime(served.settings).engine
    with engine.connect() as connection:
        keys = set(connection.scalars(select(RateLimitCounter.key).where(RateLimitCounter.scope == "sender-login")))
    engine.dispose()
    assert keys == {"203.0.113.7", "127.0.0.1"}

    # A worker killed outright is replaced by a new process; the port keeps answering.
    victim = min(workers)
    os.kill(victim, signal.SIGKILL)
    replaced = _until("a replacement worker", lambda: served.worker_pids() - {victim} - workers, STARTUP_SECONDS,
                      served.process)
    assert replaced <= _children(serve_pid)

    # So is the job worker, by the supervisor of telreg serve.
    os.kill(job_pid, signal.SIGKILL)
    again = _until("a new job worker", lambda: {int(p) for p in re.findall(
        r'msg="job worker started" pid=(\d+)', served.logged())} - {job_pid}, 120, served.process)
    assert again <= _children(serve_pid)
    assert "job worker process died (status -9); starting another" in served.logged()

    # SIGTERM stops everything, the supervisor last, with status 0.
    family = _children(serve_pid)
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(120) == 0, served.logged()[-3000:]
    deadline = time.monotonic() + 15  # multiprocessing's resource tracker leaves once its pipe closes
    while [pid for pid in family if _alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in family if _alive(pid)]
    assert 'msg="job worker stopped"' in served.logged()
    assert not list((Path(served.settings.data_dir) / "dev").iterdir())  # the run's shared state is gone


def test_a_listener_that_cannot_start_stops_the_server_visibly(tmp_path: Path, sqlite_template: Path) -> None:
    settings = _settings(tmp_path, sqlite_template)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        ivr_port = taken.getsockname()[1]
        server = _start(settings, tmp_path / "serve.log", "--workers", "1", "--ivr-port", str(ivr_port))
        try:
            assert server.process.wait(STARTUP_SECONDS) == 1
        finally:
            if server.process.poll() is None:
                server.process.kill()
    said = server.logged()
    assert "listeners process exited" in said and "stopping the server" in said
    assert "Traceback" not in said  # uvicorn's line on the taken address, then the supervisor's: no stack trace


def test_ctrl_c_stops_every_process_after_its_shutdown(tmp_path: Path, sqlite_template: Path) -> None:
    """Ctrl-C in a terminal (`make run`) reaches the whole process group, then the supervisor's SIGTERM reaches
    each child: the apps still shut down in order (their lifespan's end runs), nothing is left, status 0."""
    settings = _settings(tmp_path, sqlite_template)
    abandoned = settings.data_dir / "dev" / "serve-999999999-x"  # a run killed outright: no such process now
    abandoned.mkdir(parents=True)
    (abandoned / "dev-inbox.json").write_text("{}")
    server = _start(settings, tmp_path / "serve.log", "--workers", "2", "--with-worker", "--ivr-port",
                    str(_free_port()), session=True)
    try:
        _until("the public port", lambda: server.get("/api/v1/health").status_code == 200, STARTUP_SECONDS,
               server.process)
        _until("the job worker", lambda: 'msg="job worker started"' in server.logged(), 120, server.process)
        family = _children(server.process.pid)
        assert not abandoned.exists()  # removed at start; this run's own directory is there
        assert [d.name.split("-")[1] for d in (settings.data_dir / "dev").iterdir()] == [str(server.process.pid)]
        os.killpg(server.process.pid, signal.SIGINT)
        assert server.process.wait(120) == 0
    finally:
        if server.process.poll() is None:
            server.process.kill()
    said = server.logged()
    assert said.count("Application shutdown complete") == 3  # two public workers and the IVR listener
    assert 'msg="job worker stopped"' in said and "Traceback" not in said
    deadline = time.monotonic() + 15
    while [pid for pid in family if _alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in family if _alive(pid)]


def _public_workers(served: Served) -> dict[int, set[int]]:
    """The server's children that hold a socket listening on its port (the public workers), with those sockets."""
    listening = _listening_inodes(served.port)
    found = {}
    for pid in _children(served.process.pid):
        try:
            inodes = _socket_inodes(pid) & listening
        except OSError:  # gone meanwhile
            continue
        if inodes:
            found[pid] = inodes
    return found


def _union(held: dict[int, set[int]]) -> set[int]:
    return set().union(*held.values())


def _workers_when(served: Served, wanted: Callable[[dict[int, set[int]]], bool]) -> Callable[[], Any]:
    """For _until: the public workers once WANTED holds of them, else None."""
    def check() -> dict[int, set[int]] | None:
        held = _public_workers(served)
        return held if wanted(held) else None
    return check


def test_added_removed_and_rolled_workers_keep_a_socket_each(tmp_path: Path, sqlite_template: Path) -> None:
    """SIGTTIN adds a worker on a socket of its own, SIGTTOU removes it and closes that socket only, and SIGHUP
    replaces every worker on the socket its slot had (core/worker_pool.py restates uvicorn's paths for them)."""
    server = _start(_settings(tmp_path, sqlite_template), tmp_path / "serve.log", "--workers", "2", "--ivr-port",
                    str(_free_port()))
    try:
        _until("the public port", lambda: server.get("/api/v1/health").status_code == 200, STARTUP_SECONDS,
               server.process)
        first = _until("two public workers", _workers_when(server, lambda w: len(w) == 2), STARTUP_SECONDS,
                       server.process)
        sockets = _union(first)
        assert len(sockets) == 2 and all(len(inodes) == 1 for inodes in first.values()), first

        os.kill(server.process.pid, signal.SIGTTIN)
        added = _until("a third worker on a third socket",
                       _workers_when(server, lambda w: len(w) == 3 and len(_union(w)) == 3), STARTUP_SECONDS,
                       server.process)
        assert set(first) < set(added) and sockets < _union(added)

        os.kill(server.process.pid, signal.SIGTTOU)
        _until("the third worker and its socket gone", lambda: set(_public_workers(server)) == set(first)
               and _listening_inodes(server.port) == sockets, STARTUP_SECONDS, server.process)

        os.kill(server.process.pid, signal.SIGHUP)
        rolled = _until("both workers replaced", _workers_when(server, lambda w: len(w) == 2 and not set(w) & set(first)),
                        2 * STARTUP_SECONDS, server.process)
        assert _union(rolled) == sockets == _listening_inodes(server.port)  # the same sockets, none refused
        assert all(len(inodes) == 1 for inodes in rolled.values()), rolled
        assert server.get("/api/v1/health").status_code == 200
    finally:
        server.process.terminate()
        try:
            server.process.wait(60)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(30)
