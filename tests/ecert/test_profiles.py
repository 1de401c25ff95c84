"""Certificate profiles are data: the shipped set is valid, a broken file is refused naming its file and lines,
and telreg will not start with one."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from telreg.config import Environment, Settings
from telreg.ecert.errors import ProfileError
from telreg.ecert.profiles import REQUIRED_PROFILES, get_profiles, load_profiles
from telreg.runtime import Runtime, build_runtime

SHIPPED = (resources.files("telreg.ecert.profiles") / "files" / "hong-kong.toml").read_text(encoding="utf-8")


def _line_of(text: str, needle: str, *, after: str = "") -> int:
    start = text.index(after) if after else 0
    return text[:text.index(needle, start)].count("\n") + 1


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "profiles.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_profiles() -> None:
    profiles = load_profiles("hong-kong")
    assert set(REQUIRED_PROFILES) | {"personal", "smart-id", "organisational", "server", "client-automation"} \
        == set(profiles.profiles)
    personal = profiles.profiles["personal"]
    assert (personal.default_algorithm, personal.validity_days) == ("ec-p256", 1095)
    assert set(personal.key_usage) == {"digitalSignature", "nonRepudiation"}
    assert set(personal.extended_key_usage) == {"clientAuth", "emailProtection"}
    assert profiles.profiles["smart-id"].key_algorithms == ["rsa-2048"]
    assert profiles.profiles["ocsp-signing"].ocsp_nocheck
    assert profiles.profiles["server"].san == "required"
    assert all(oid.startswith(("1.3.6.1.4.1.32473.15.", "2.5.29.32.0"))
               for p in profiles.profiles.values() for oid in p.policies)


def test_a_bad_file_is_refused_with_file_and_lines(tmp_path: Path) -> None:
    text = (SHIPPED
            .replace('validity_days = 1095           # 3 years', 'validity_days = -3 #')
            .replace('subject_kind = "server"', 'subject_kind = "server"\nwildcards = true')
            .replace('key_algorithms = ["rsa-2048"]  # what', 'key_algorithms = ["ec-p256"]  # what')
            .replace('key_algorithms = ["ec-p256"]\ndefault_algorithm = "ec-p256"\n# Short-lived',
                     'key_algorithms = ["ec-p521"]\ndefault_algorithm = "ec-p256"\n# Short-lived'))
    path = _write(tmp_path, text)
    with pytest.raises(ProfileError) as caught:
        load_profiles(str(path))
    message = caught.value.message
    assert message.startswith(f"The certificate profiles {path} are not valid:\n")
    validity = _line_of(text, "validity_days = -3")
    smart_id = _line_of(text, "[profiles.smart-id]")
    wildcards = _line_of(text, "wildcards = true")
    p521 = _line_of(text, '"ec-p521"')
    assert f"  {path}, line {validity}: profiles.personal.validity_days: Input should be greater than or equal " \
           "to 1 (got -3)" in message
    assert f"  {path}, line {smart_id}: profiles.smart-id: Value error, default_algorithm 'rsa-2048' is not " \
           "among key_algorithms; keyEncipherment and dataEncipherment need RSA keys" in message
    assert f"  {path}, line {wildcards}: unknown key 'profiles.server.wildcards' (allowed here: description, " \
           "subject_kind," in message
    assert f"  {path}, line {p521}: profiles.ocsp-signing.key_algorithms[0]: Input should be " in message
    assert [p["line"] for p in caught.value.extra["problems"]] == sorted([validity, smart_id, wildcards, p521])


@pytest.mark.parametrize(("change", "expected"), [
    (lambda t: t.replace("[profiles.document-signing]", "[profiles.unused]"),
     "the CA hierarchy needs the profiles document-signing"),
    (lambda t: t.replace('country = "HK"', 'country = "Hong Kong"'), "authority.country: String should match"),
    (lambda t: t.replace('policies = ["1.3.6.1.4.1.32473.15.1.1"]', 'policies = ["not.an.oid"]'),
     "'not.an.oid' is not a dotted object identifier"),
    (lambda t: t.replace('extended_key_usage = ["serverAuth"]', 'extended_key_usage = []'),
     "an end-entity profile needs extended_key_usage"),
    (lambda t: t.replace('[authority]', '[authority\n'), "are not valid TOML"),
])
def test_each_mistake_is_named(tmp_path: Path, change, expected: str) -> None:
    with pytest.raises(ProfileError) as caught:
        load_profiles(str(_write(tmp_path, change(SHIPPED))))
    assert expected in caught.value.message


def test_unknown_names_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="There are no certificate profiles called 'macau': choose one of "
                                           "hong-kong or give the path of a .toml file."):
        load_profiles("macau")
    with pytest.raises(ProfileError, match="cannot be read"):
        load_profiles(str(tmp_path / "absent.toml"))


def _runtime(tmp_path: Path, profiles: str) -> Runtime:
    settings = Settings(env=Environment.test, database_url=f"sqlite:///{tmp_path}/telreg.sqlite3",
                        data_dir=tmp_path / "data", secret_key="test-secret-key", ecert_profiles=profiles)
    return build_runtime(settings)


def test_create_app_and_the_worker_refuse_broken_profiles(tmp_path: Path) -> None:
    from telreg import cli as cli_module
    from telreg.app import create_app
    from telreg.core import cli_support

    bad = _write(tmp_path, SHIPPED.replace("validity_days = 825", "validity_days = 0"))
    line = _line_of(SHIPPED, "validity_days = 825")
    with pytest.raises(ProfileError) as caught:
        create_app(_runtime(tmp_path, str(bad)))
    assert f"{bad}, line {line}: profiles.document-signing.validity_days" in caught.value.message
    cli_module._register_subapps_once()
    cli_support.set_runtime(_runtime(tmp_path, str(bad)))
    try:
        result = CliRunner().invoke(cli_module.app, ["worker", "--once"])
    finally:
        cli_support.set_runtime(None)
    assert isinstance(result.exception, ProfileError)
    assert f"line {line}" in result.exception.message


def test_get_profiles_reads_once(tmp_path: Path) -> None:
    settings = Settings(env=Environment.test, secret_key="k", data_dir=tmp_path)
    assert get_profiles(settings) is get_profiles(settings)
