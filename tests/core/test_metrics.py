"""GET /metrics: request latency per route template, the job queue, the mail outbox and the last publication,
read at scrape time; open outside production, behind a bearer token in production (404 when none is set)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from telreg.app import create_app
from telreg.config import Environment
from telreg.core import jobs, mail, metrics
from telreg.core.db import unit_of_work
from telreg.core.mail import OutboxMessage
from telreg.dnc.publish import service as publish

TOKEN = "scrape-me-4f9a"


def _samples(client: TestClient, **headers: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(response.text) for s in family.samples}


def _value(samples: dict, name: str, **labels: str) -> float:  # type: ignore[type-arg]
    return samples[(name, frozenset(labels.items()))]


def test_request_latency_is_measured_per_route_template(client):
    for number in ("21234567", "31234567", "not-a-number"):
        client.get(f"/api/v1/dnc/status/{number}")
    client.get("/no/such/page")
    samples = _samples(client)

    route = "/api/v1/dnc/status/{number}"
    assert _value(samples, "telreg_http_request_duration_seconds_count", method="GET", route=route,
                  status="200") == 2
    assert _value(samples, "telreg_http_request_duration_seconds_count", method="GET", route=route,
                  status="422") == 1
    assert 0 < _value(samples, "telreg_http_request_duration_seconds_sum", method="GET", route=route,
                      status="200") < 10
    assert _value(samples, "telreg_http_request_duration_seconds_count", method="GET", route="unmatched",
                  status="404") == 1
    assert not [key for key in samples if ("route", "/api/v1/dnc/status/21234567") in key[1]]


def test_queue_outbox_and_publication_are_read_at_scrape_time(runtime, client, clock):
    now = clock.now()
    with unit_of_work(runtime.session_factory) as session:
        for run_at in (now - dt.timedelta(minutes=10), now + dt.timedelta(hours=3)):
            jobs.enqueue(session, clock=clock, kind="test.metrics", payload={}, run_at=run_at)
        for n in range(3):  # each queues its own delivery job, due now
            mail.enqueue(session, clock=clock, key=f"test:metrics:{n}", to=f"m{n}@example.com", subject="s",
                         body="b")
        session.execute(update(OutboxMessage).where(OutboxMessage.key == "test:metrics:2")
                        .values(state="failed", attempts=12))
    with unit_of_work(runtime.read_session_factory) as session:
        publish.publish(session, clock=clock, settings=runtime.settings, day=dt.date(2026, 3, 1))
    clock.advance(hours=2)

    samples = _samples(client)
    assert _value(samples, "telreg_jobs", state="due") == 4  # 1 + 3 deliveries
    assert _value(samples, "telreg_jobs", state="scheduled") == 1  # due an hour from the scrape
    assert _value(samples, "telreg_jobs", state="running") == 0
    assert _value(samples, "telreg_jobs_oldest_due_age_seconds") == 2 * 3600 + 600
    assert _value(samples, "telreg_mail_outbox_pending") == 2
    assert _value(samples, "telreg_mail_outbox_failed") == 1
    assert _value(samples, "telreg_mail_outbox_oldest_pending_age_seconds") == 2 * 3600
    assert _value(samples, "telreg_publication_last_age_seconds") == 2 * 3600  # generated at the old now
    assert 0 <= _value(samples, "telreg_publication_last_duration_seconds") < 60
    assert _value(samples, "telreg_publication_last_generated_timestamp_seconds") == now.timestamp()
    sources = ("jobs", "mail", "publication")
    assert {_value(samples, "telreg_metrics_source_up", source=s) for s in sources} == {1}


def test_an_empty_install_reports_zeros_and_no_publication(client):
    samples = _samples(client)
    assert _value(samples, "telreg_jobs", state="due") == 0
    assert _value(samples, "telreg_jobs_oldest_due_age_seconds") == 0
    assert _value(samples, "telreg_mail_outbox_pending") == 0
    assert not [key for key in samples if key[0].startswith("telreg_publication_")]


@pytest.fixture
def broken_source() -> Iterator[None]:
    @metrics.source("test-broken")
    def _broken(runtime, session, now):  # type: ignore[no-untyped-def]
        raise RuntimeError("no such table")

    yield
    del metrics.SOURCES["test-broken"]


def test_a_broken_source_is_reported_and_the_others_still_served(client, broken_source):
    samples = _samples(client)
    assert _value(samples, "telreg_metrics_source_up", source="test-broken") == 0
    assert _value(samples, "telreg_metrics_source_up", source="mail") == 1
    assert _value(samples, "telreg_mail_outbox_pending") == 0


def _production(runtime, **update) -> TestClient:  # type: ignore[no-untyped-def]
    runtime.settings = runtime.settings.model_copy(update={"env": Environment.production, **update})
    return TestClient(create_app(runtime))


def test_production_needs_the_bearer_token(runtime):
    client = _production(runtime, metrics_token=TOKEN)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        response = client.get("/metrics", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert "telreg_jobs" not in response.text
    samples = _samples(client, Authorization=f"Bearer {TOKEN}")
    assert _value(samples, "telreg_mail_outbox_failed") == 0


def test_production_without_a_token_has_no_metrics(runtime):
    response = _production(runtime).get("/metrics")
    assert response.status_code == 404
    assert "telreg_jobs" not in response.text


def test_a_token_set_outside_production_is_required_too(runtime, client):
    runtime.settings = runtime.settings.model_copy(update={"metrics_token": TOKEN})
    assert client.get("/metrics").status_code == 401
    assert _value(_samples(client, Authorization=f"Bearer {TOKEN}"), "telreg_jobs", state="due") == 0
