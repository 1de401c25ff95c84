"""core.rate_limits: one atomic upsert per event, counted in its own transaction, on both backends."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from sqlalchemy import func, insert, select

from telreg.core.clock import FixedClock
from telreg.core.models import WeatherWarning
from telreg.core.rate_limit_models import RateLimitCounter
from telreg.core.rate_limits import RateLimited, client_address, hit, sweep
from telreg.runtime import Runtime


def _counts(runtime: Runtime) -> dict[tuple[str, str], int]:
    with runtime.session_factory() as session:
        rows = session.execute(select(RateLimitCounter.scope, RateLimitCounter.key, RateLimitCounter.count))
        return {(scope, key): count for scope, key, count in rows}


def test_twenty_threads_count_exactly_twenty(runtime: Runtime, clock: FixedClock) -> None:
    barrier = threading.Barrier(20)
    errors: list[BaseException] = []

    def one() -> None:
        try:
            with runtime.session_factory() as session:  # a session of its own, as a request has
                barrier.wait()
                hit(session, clock=clock, scope="test", key="198.51.100.7", limit=1000, window_seconds=60)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert _counts(runtime) == {("test", "198.51.100.7"): 20}


def test_the_sixth_of_five_is_refused_with_the_seconds_left(runtime: Runtime, clock: FixedClock) -> None:
    clock.advance(seconds=15)  # START is on a minute: 45 seconds of this window remain
    with runtime.session_factory() as session:
        for _ in range(5):
            hit(session, clock=clock, scope="signin", key="a", limit=5, window_seconds=60)
        with pytest.raises(RateLimited) as refused:
            hit(session, clock=clock, scope="signin", key="a", limit=5, window_seconds=60)
        hit(session, clock=clock, scope="signin", key="b", limit=5, window_seconds=60)  # another key is apart
        hit(session, clock=clock, scope="other", key="a", limit=5, window_seconds=60)  # and another scope

    assert refused.value.status_code == 429 and refused.value.code == "rate_limited"
    assert refused.value.extra["retry_after"] == 45
    assert refused.value.message == "Too many attempts. Try again in 45 seconds."
    assert "45" in refused.value.message_in("zh-Hant")


def test_a_new_window_starts_afresh_and_sweeps_the_old(runtime: Runtime, clock: FixedClock) -> None:
    with runtime.session_factory() as session:
        for _ in range(3):
            hit(session, clock=clock, scope="s", key="k", limit=3, window_seconds=60)
        hit(session, clock=clock, scope="s", key="other", limit=3, window_seconds=60)
        with pytest.raises(RateLimited):
            hit(session, clock=clock, scope="s", key="k", limit=3, window_seconds=60)
        clock.advance(seconds=60)
        hit(session, clock=clock, scope="s", key="k", limit=3, window_seconds=60)

    # the key's ended window went when its new one opened; another key's stays until swept
    assert _counts(runtime) == {("s", "k"): 1, ("s", "other"): 1}
    with runtime.session_factory() as session:
        assert sweep(session, clock=clock) == 1
        session.commit()
    assert _counts(runtime) == {("s", "k"): 1}


def test_the_count_outlives_a_request_that_fails(runtime: Runtime, clock: FixedClock) -> None:
    session = runtime.session_factory()
    try:
        hit(session, clock=clock, scope="signin", key="a", limit=5, window_seconds=60)
        session.execute(select(func.count()).select_from(WeatherWarning))  # the request's own work
    finally:
        session.rollback()  # the request failed
        session.close()

    assert _counts(runtime) == {("signin", "a"): 1}


def test_a_session_already_writing_on_sqlite_is_not_blocked(runtime: Runtime, clock: FixedClock,
                                                            backend: str) -> None:
    """SQLite: a second writer would wait for the request's own writer lock; the event counts in its transaction."""
    with runtime.session_factory() as session:
        session.execute(insert(RateLimitCounter).values(
            scope="x", key="y", window_start=clock.now(), count=1, expires_at=clock.now()))
        hit(session, clock=clock, scope="signin", key="a", limit=5, window_seconds=60)
        session.commit()

    assert _counts(runtime) == {("x", "y"): 1, ("signin", "a"): 1}


def test_long_keys_are_stored_as_their_digest(runtime: Runtime, clock: FixedClock) -> None:
    with runtime.session_factory() as session:
        hit(session, clock=clock, scope="s", key="k" * 500, limit=5, window_seconds=60)
    [(_, key)] = _counts(runtime)
    assert key.startswith("sha256:") and len(key) <= 128


def _request(peer: str, forwarded: str | None, proxies: list[str]) -> SimpleNamespace:
    headers = {"x-forwarded-for": forwarded} if forwarded is not None else {}
    app = SimpleNamespace(state=SimpleNamespace(runtime=SimpleNamespace(
        settings=SimpleNamespace(trusted_proxies=proxies))))
    return SimpleNamespace(client=SimpleNamespace(host=peer), headers=headers, app=app)


def test_forwarded_for_is_believed_only_from_a_trusted_proxy() -> None:
    assert client_address(_request("203.0.113.9", "1.2.3.4", [])) == "203.0.113.9"
    assert client_address(_request("203.0.113.9", "1.2.3.4", ["10.0.0.0/8"])) == "203.0.113.9"
    assert client_address(_request("10.0.0.2", "1.2.3.4", ["10.0.0.0/8"])) == "1.2.3.4"
    # a client writing its own header gets the address the proxy saw, not the one it claims
    assert client_address(_request("10.0.0.2", "9.9.9.9, 1.2.3.4, 10.0.0.5", ["10.0.0.0/8"])) == "1.2.3.4"
    assert client_address(_request("10.0.0.2", None, ["10.0.0.0/8"])) == "10.0.0.2"
    assert client_address(_request("10.0.0.2", "not-an-address", ["10.0.0.0/8"])) == "10.0.0.2"
