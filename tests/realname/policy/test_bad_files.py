"""A policy file with a mistake is refused with the file and the line of the offending key.

Each case marks the line the error must point at with ``# <-``; the expected line is found by searching the
text for that marker, independently of the loader's scanner.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from telreg.realname.errors import PolicyError
from telreg.realname.policy import load_policy

VALID = """\
name = "test"
version = "2026.1"
jurisdiction = "HK"
language = "zh-Hant"
minor_age = 16
capture_methods = ["card_reader", "manual"]
organisation_requires_handler = true
organisation_requires_authorisation_letter = false
agent_allowed = true
termination_working_days = 1
real_name_target_percent = 95.0
one_identity_lookup = false

[documents]
person = ["hkid", "passport"]
organisation = ["hk-br"]
manual_entry_forbidden = []

[[quotas]]
holder_kind = "person"
service = "prepaid"
limit = 10
scope = "operator"

[[quotas]]
holder_kind = "organisation"
service = "prepaid"
limit = 25
scope = "operator"

[lifecycle]
legacy_deadline_days = 360
quarantine_days = 90

[[lifecycle.steps]]
name = "outgoing_barred"
after_days = 0
notify = true

[[lifecycle.steps]]
name = "suspended"
after_days = 15
notify = true
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _marked_line(text: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if "# <-" in line)


def _refusal(tmp_path: Path, text: str) -> PolicyError:
    path = _write(tmp_path, text)
    with pytest.raises(PolicyError) as caught:
        load_policy(str(path))
    assert str(path) in caught.value.message
    return caught.value


def _replace(old: str, new: str, *, count: int = 1) -> str:
    assert VALID.count(old) >= count
    return VALID.replace(old, new, count)


def test_the_valid_base_loads(tmp_path: Path) -> None:
    policy = load_policy(str(_write(tmp_path, VALID)))
    assert policy.quota_for(holder_kind="organisation", service="prepaid", line="mobile").limit == 25


CASES = {
    "unknown top-level key": (_replace("minor_age = 16\n", "minor_age = 16\ncolour = 'red'  # <-\n"),
                              "unknown key 'colour'"),
    "unknown key inside the second [[quotas]] entry": (
        _replace('limit = 25\n', 'limit = 25\nper = "shop"  # <-\n'), "unknown key 'quotas[1].per'"),
    "unknown table": (VALID + "\n[extras]  # <-\nx = 1\n", "unknown key 'extras'"),
    "negative quota in the second entry": (_replace("limit = 25", "limit = -25  # <-"), "quotas[1].limit"),
    "negative quota in the first entry": (_replace("limit = 10", "limit = -1  # <-"), "quotas[0].limit"),
    "unknown line in a quota": (
        _replace("limit = 10\n", 'limit = 10\nlines = ["mobile", "landline"]  # <-\n'), "quotas[0].lines"),
    "required field no document can carry": (
        _replace("manual_entry_forbidden = []\n",
                 'manual_entry_forbidden = []\nrequired_fields = { hkid = ["eye colour"] }  # <-\n'),
        "documents.required_fields"),
    "unknown service withdrawn by the lifecycle": (
        _replace("quarantine_days = 90\n", 'quarantine_days = 90\nservices = ["prepaid", "isdn"]  # <-\n'),
        "lifecycle.services"),
    "wrong type (string for an integer)": (_replace("minor_age = 16", 'minor_age = "16"  # <-'), "minor_age"),
    "wrong type (integer for a boolean)": (_replace("agent_allowed = true", "agent_allowed = 1  # <-"),
                                           "agent_allowed"),
    "missing key in [lifecycle]": (_replace("[lifecycle]\nlegacy_deadline_days = 360\n",
                                            "[lifecycle]  # <-\nlegacy_deadline_days = 360\n").replace(
                                                "quarantine_days = 90\n", ""),
                                   "missing key 'quarantine_days' in table 'lifecycle'"),
    "missing key in a [[quotas]] entry": (_replace('[[quotas]]\nholder_kind = "organisation"',
                                                   '[[quotas]]  # <-\nholder_kind = "organisation"').replace(
                                              'limit = 25\nscope = "operator"\n', "limit = 25\n"),
                                          "missing key 'scope' in this 'quotas' entry"),
    "steps out of order (days)": (_replace("after_days = 15", "after_days = 0  # <-"), "lifecycle.steps[1]"),
    "steps out of order (escalation)": (_replace('name = "outgoing_barred"', 'name = "deactivated"').replace(
        'name = "suspended"', 'name = "suspended"  # <-'), "cannot follow"),
    "unknown document code in a multi-line array": (
        _replace('person = ["hkid", "passport"]', 'person = [\n  "hkid",\n  "hk-passport",  # <-\n]'),
        "unknown document type 'hk-passport'"),
    "unknown document code among those barred from manual entry": (
        _replace("manual_entry_forbidden = []", 'manual_entry_forbidden = ["hkid", "id-card"]  # <-'),
        "'id-card'"),
    "an organisation's document offered to persons": (
        _replace('person = ["hkid", "passport"]', 'person = ["hkid", "hk-br"]  # <-'),
        "'hk-br' identifies an organisation"),
    "a person's document offered to organisations": (
        _replace('organisation = ["hk-br"]', 'organisation = ["hk-br", "passport"]  # <-'),
        "'passport' identifies a person"),
    "a second quota for the same holder and service": (
        _replace('[[quotas]]\nholder_kind = "organisation"', '[[quotas]]  # <-\nholder_kind = "person"'),
        "a second quota"),
    "unknown step name": (_replace('name = "suspended"', 'name = "paused"  # <-'), "lifecycle.steps[1].name"),
    "percent above 100": (_replace("real_name_target_percent = 95.0", "real_name_target_percent = 101  # <-"),
                          "real_name_target_percent"),
}


@pytest.mark.parametrize("text,expected", CASES.values(), ids=list(CASES))
def test_mistake_is_reported_with_its_line(tmp_path: Path, text: str, expected: str) -> None:
    error = _refusal(tmp_path, text)
    line = _marked_line(text)
    assert [p["line"] for p in error.problems] == [line]
    assert expected in error.problems[0]["message"]
    assert f"line {line}: " in error.message


def test_several_mistakes_are_all_listed_in_file_order(tmp_path: Path) -> None:
    text = _replace("minor_age = 16", "minor_age = -1").replace("limit = 25", "limit = -25")
    error = _refusal(tmp_path, text)
    # Counted by hand in VALID: minor_age is on line 5, the second quota's limit on line 28.
    assert [p["line"] for p in error.problems] == [5, 28]


def test_inline_tables_point_at_their_own_line(tmp_path: Path) -> None:
    start = VALID.index("[[quotas]]")
    end = VALID.index("[lifecycle]")
    inline = (
        "quotas = [\n"
        '  { holder_kind = "person", service = "prepaid", limit = 10, scope = "operator" },\n'
        '  { holder_kind = "organisation", service = "prepaid", limit = -25, scope = "operator" },  # <-\n'
        "]\n\n"
    )
    # Top-level keys must come before the first table, so the inline array goes to the top.
    text = inline + VALID[:start] + VALID[end:]
    error = _refusal(tmp_path, text)
    assert [p["line"] for p in error.problems] == [_marked_line(text)]
    assert error.problems[0]["key"] == "quotas[1].limit"


def test_brackets_and_hashes_inside_strings_do_not_confuse_the_line(tmp_path: Path) -> None:
    text = _replace('name = "test"', "name = \"[[quotas]] # not a table\"\n"
                    "jurisdiction_note = '''\n[lifecycle]\nlimit = 3\n'''  # <-")
    error = _refusal(tmp_path, text)
    # The key's own line, three above the marker at the end of its multi-line string.
    assert [p["line"] for p in error.problems] == [_marked_line(text) - 3]
    assert "jurisdiction_note" in error.problems[0]["message"]


def test_not_toml_at_all_names_file_and_line(tmp_path: Path) -> None:
    error = _refusal(tmp_path, VALID.replace("limit = 10", "limit = = 10"))
    assert "line 22" in error.message  # tomllib's own position: the first quota's limit


def test_unknown_policy_name_lists_the_shipped_ones() -> None:
    with pytest.raises(PolicyError, match="hong-kong, mainland-china"):
        load_policy("atlantis")


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="nowhere.toml cannot be read"):
        load_policy(str(tmp_path / "nowhere.toml"))
