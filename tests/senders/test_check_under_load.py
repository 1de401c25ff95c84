"""Bad input under load: while good clients check, others send 101 numbers, malformed JSON, trickle their headers
(slowloris), or disconnect mid-request. Every good check completes with the right answer (completion is asserted,
not speed), and per API key the records are exactly the checks answered: none lost, none doubled, none written
for a refused or abandoned request. One real server process (one event loop) serves them all."""

from __future__ import annotations

import socket
import threading
import time

import httpx

from .check_server import URL, CheckServer, batch, key_id, listed_in, prepare, records_per_key

GOOD_CLIENTS = 4
GOOD_CHECKS = 40  # per good client


def _raw(server: CheckServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=10)


def _slowloris(server: CheckServer, stop: threading.Event, opened: list[int]) -> None:
    """Trickle a request's headers a byte at a time on several connections until STOP, never finishing them."""
    request = (f"POST {URL} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               "X-Trickle: " + "a" * 10_000).encode()
    sockets = [_raw(server) for _ in range(10)]
    opened.append(len(sockets))
    position = 0
    try:
        while not stop.is_set() and position < len(request):
            for sock in sockets:
                try:
                    sock.send(request[position:position + 1])
                except OSError:
                    pass  # the server may drop a connection that never finishes its headers; that is fine
            position += 1
            time.sleep(0.05)
    finally:
        for sock in sockets:
            sock.close()


def _abandon(server: CheckServer, key: str, *, whole_body: bool) -> None:
    """Send a check's headers and half its body (or all of it) and hang up without reading the answer."""
    body = b'{"numbers": ["21234567", "61234567"]}'
    head = (f"POST {URL} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    with _raw(server) as sock:
        sock.sendall(head + (body if whole_body else body[: len(body) // 2]))
        if not whole_body:
            time.sleep(0.05)


def test_bad_clients_neither_stall_good_checks_nor_lose_or_double_records(runtime):
    keys = prepare(runtime, GOOD_CLIENTS + 3)
    good, refused_key, half_key, hang_up_key = keys[:GOOD_CLIENTS], *keys[GOOD_CLIENTS:]
    answered = {key_id(k): 0 for k in good}
    problems: list[str] = []
    refusals: list[tuple[int, str, str]] = []
    hung_up = [0]
    stop = threading.Event()
    opened: list[int] = []

    def good_client(key: str) -> None:
        with httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
            for i in range(GOOD_CHECKS):
                entries = batch(i * 7)
                response = http.post(URL, json={"numbers": entries})
                if response.status_code != 200 or response.json()["summary"]["listed"] != listed_in(entries):
                    problems.append(f"{response.status_code} {response.text[:200]}")
                    continue
                answered[key_id(key)] += 1

    def bad_client() -> None:
        with httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {refused_key}"},
                          timeout=60) as http:
            while not stop.is_set():
                too_many = http.post(URL, json={"numbers": [f"2123{i:04d}" for i in range(101)]})
                refusals.append((too_many.status_code, too_many.json()["error"], too_many.json()["detail"]))
                malformed = http.post(URL, content=b'{"numbers": ["21234567",', headers={
                    "Content-Type": "application/json"})
                refusals.append((malformed.status_code, malformed.json()["error"], malformed.json()["detail"]))

    def disconnecting_client() -> None:
        while not stop.is_set():
            _abandon(server, half_key, whole_body=False)
            _abandon(server, hang_up_key, whole_body=True)
            hung_up[0] += 1

    with CheckServer(runtime) as server:
        background = [threading.Thread(target=_slowloris, args=(server, stop, opened)),
                      threading.Thread(target=bad_client), threading.Thread(target=disconnecting_client)]
        for thread in background:
            thread.start()
        time.sleep(0.5)  # the bad traffic is under way before the good clients start
        clients = [threading.Thread(target=good_client, args=(k,)) for k in good]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join(timeout=600)
        still_trickling = background[0].is_alive()
        stop.set()
        for thread in background:
            thread.join(timeout=60)
        time.sleep(0.5)  # let the server finish what the hung-up clients sent before it stops (drained at exit)

    assert not problems, problems[:3]
    assert all(not thread.is_alive() for thread in clients), "a good client never completed"
    assert answered == {key_id(k): GOOD_CHECKS for k in good}
    assert still_trickling and opened == [10]  # the slow clients were there for the whole good load
    assert refusals and hung_up[0] > 0
    for status, code, detail in refusals:
        assert status == 422 and code in ("too_many_numbers", "invalid_input"), (status, code, detail)
        assert "at most 100 numbers" in detail and "101" in detail or "JSON" in detail, detail
    recorded = records_per_key(runtime)
    assert {k: recorded.get(k, 0) for k in answered} == answered  # none lost, none doubled
    assert recorded.get(key_id(refused_key), 0) == 0  # refused checks are not recorded
    assert recorded.get(key_id(half_key), 0) == 0  # a body never finished is never a check
    assert recorded.get(key_id(hang_up_key), 0) <= hung_up[0]  # each abandoned check recorded at most once
