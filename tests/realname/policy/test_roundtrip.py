"""Properties: any valid policy written as TOML reads back unchanged; mistakes are found on their line."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from telreg.realname.errors import PolicyError
from telreg.realname.policy import load_policy

from .strategies import policies
from .toml_writer import to_toml


def _load_text(text: str) -> Any:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "policy.toml"
        path.write_text(text, encoding="utf-8")
        return load_policy(str(path))


def _refusal(text: str) -> PolicyError:
    try:
        _load_text(text)
    except PolicyError as exc:
        return exc
    raise AssertionError("the policy was accepted")


@settings(max_examples=150, deadline=None)
@given(data=policies, inline=st.booleans())
def test_valid_policy_round_trips_through_toml(data: dict[str, Any], inline: bool) -> None:
    text, _ = to_toml(data, inline_arrays=inline)
    assert _load_text(text).model_dump() == data


def _tables(data: dict[str, Any]) -> list[tuple[tuple[str | int, ...], dict[str, Any]]]:
    found = [((), data), (("documents",), data["documents"]), (("lifecycle",), data["lifecycle"]),
             (("lookup",), data["lookup"]), (("lawful_access",), data["lawful_access"]),
             (("retention",), data["retention"])]
    found += [(("quotas", i), q) for i, q in enumerate(data["quotas"])]
    found += [(("lifecycle", "steps", i), s) for i, s in enumerate(data["lifecycle"]["steps"])]
    return found


@settings(max_examples=150, deadline=None)
@given(data=policies, inline=st.booleans(), pick=st.integers(min_value=0))
def test_unknown_key_is_reported_on_the_line_it_was_written(data: dict[str, Any], inline: bool,
                                                            pick: int) -> None:
    data = copy.deepcopy(data)
    tables = _tables(data)
    where, table = tables[pick % len(tables)]
    table["zz_unknown"] = 1
    text, lines = to_toml(data, inline_arrays=inline)
    error = _refusal(text)
    assert [p["line"] for p in error.problems] == [lines[where + ("zz_unknown",)]]
    assert "unknown key" in error.problems[0]["message"]


@settings(max_examples=100, deadline=None)
@given(data=policies.filter(lambda d: d["quotas"]), inline=st.booleans(), pick=st.integers(min_value=0),
       negative=st.integers(max_value=-1))
def test_negative_quota_is_reported_on_its_line(data: dict[str, Any], inline: bool, pick: int,
                                                negative: int) -> None:
    data = copy.deepcopy(data)
    index = pick % len(data["quotas"])
    data["quotas"][index]["limit"] = negative
    text, lines = to_toml(data, inline_arrays=inline)
    error = _refusal(text)
    assert [(p["line"], p["key"]) for p in error.problems] == [(lines[("quotas", index, "limit")],
                                                               f"quotas[{index}].limit")]
