"""kill -9 under load: every online check answered 200 has its record (the answer leaves after the commit).

A real server process (uvicorn, group-commit writer) takes concurrent checks from several clients, each with an
API key of its own; once a good number have been answered the whole server is killed with SIGKILL while requests
are in flight. Then, per key, the records in the database must be at least the 200s the client received. The
second test serves a server broken on purpose (answering before the record is committed) and shows that the
same count catches it.
"""

from __future__ import annotations

import threading

import httpx
import pytest

from .check_server import URL, CheckServer, batch, key_id, listed_in, prepare, records_per_key

CLIENTS = 6


def _load_then_kill(server: CheckServer, keys: list[str], *, kill_after: int) -> dict[str, int]:
    """Fire checks from one thread per key; kill -9 the server after KILL_AFTER answers; return 200s per key."""
    answered = {key_id(k): 0 for k in keys}
    total = [0]
    lock = threading.Lock()
    killed = threading.Event()
    wrong: list[str] = []

    def client(key: str) -> None:
        with httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {key}"}, timeout=30) as http:
            i = 0
            while not killed.is_set():
                entries = batch(i)
                i += 1
                try:
                    response = http.post(URL, json={"numbers": entries})
                except httpx.TransportError:
                    return  # the server is gone: this request was never answered
                if response.status_code != 200:
                    wrong.append(response.text)
                    return
                if response.json()["summary"]["listed"] != listed_in(entries):
                    wrong.append(response.text)
                with lock:
                    answered[key_id(key)] += 1
                    total[0] += 1
                    if total[0] >= kill_after and not killed.is_set():
                        killed.set()
                        server.kill()  # mid-load: the other clients' requests are in flight

    threads = [threading.Thread(target=client, args=(k,)) for k in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not wrong, wrong[:3]
    assert killed.is_set(), "the load never reached the kill"
    return answered


def test_every_answered_check_survives_kill_9(runtime):
    keys = prepare(runtime, CLIENTS)
    with CheckServer(runtime, workers=2) as server:  # two worker processes, two writers (SQLite: taking turns)
        answered = _load_then_kill(server, keys, kill_after=300)
    recorded = records_per_key(runtime)
    assert sum(answered.values()) >= 300
    assert {k: recorded.get(k, 0) >= n for k, n in answered.items()} == {k: True for k in answered}, (
        answered, recorded)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_count_catches_answers_sent_before_the_commit(runtime):
    """The same load and count against a server that answers before committing: records are missing."""
    keys = prepare(runtime, CLIENTS)
    with CheckServer(runtime, answer_early=True) as server:
        answered = _load_then_kill(server, keys, kill_after=200)
    recorded = records_per_key(runtime)
    assert sum(recorded.get(k, 0) for k in answered) < sum(answered.values()), (answered, recorded)
