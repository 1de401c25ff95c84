"""The demo's real-name data: two operators and four registrations, one of each kind (hong-kong policy)."""

from __future__ import annotations

from telreg.core.db import unit_of_work
from telreg.demo import load_demo
from telreg.realname import views
from telreg.realname.policy import get_policy
from telreg.runtime import Runtime


def _load(runtime: Runtime):  # type: ignore[no-untyped-def]
    with unit_of_work(runtime.session_factory) as session:
        return load_demo(session, clock=runtime.clock, settings=runtime.settings)


def test_demo_registrations_show_each_kind_of_party(runtime: Runtime) -> None:
    summary = _load(runtime)
    assert summary.operators == ["harbour", "peak"]
    assert summary.registrations == ["51230001", "51230002", "61230003", "61230004"]
    policy = get_policy(runtime.settings)
    with unit_of_work(runtime.session_factory) as session:
        shown = {n: views.number_view(session, vault=runtime.vault, policy=policy, number=n)["registration"]
                 for n in summary.registrations}
    assert shown["51230002"]["guardian"]["name"] == "CHAN T** M**"
    assert shown["61230003"]["agent"]["name"] == "LEE K* F**"
    assert shown["61230004"]["holder"]["kind"] == "organisation" and shown["61230004"]["handler"] is not None
    assert {r["verified_by"] for r in shown.values()} == {"none: not verified online"}
    assert _load(runtime).registrations == []  # already there


def test_no_demo_registrations_under_another_policy(runtime: Runtime) -> None:
    runtime.settings.realname_policy = "mainland-china"
    summary = _load(runtime)
    assert summary.operators == [] and summary.registrations == []
