"""Field encryption and the blind index: round trips, refusals, rotation, and where the keys come from."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import stat
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given
from hypothesis import strategies as st

from telreg.config import Environment, Settings
from telreg.core import passwords
from telreg.core.pii_keys import (
    DEV_KEY_FILE_NAME,
    KeyRing,
    PiiKeysRefused,
    generate_key_ring,
    load_key_ring,
    parse_key_ring,
)
from telreg.core.vault import SealedValueUnreadable, Vault, load_vault
from telreg.runtime import Runtime, build_runtime

KEY_1 = bytes(range(32))
KEY_2 = bytes(range(32, 64))
INDEX_KEY = bytes(range(64, 96))
OTHER_INDEX_KEY = bytes(range(96, 128))


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _ring_json(current: str = "k1", keys: dict[str, bytes] | None = None,
               index_key: bytes = INDEX_KEY) -> str:
    keys = {"k1": KEY_1} if keys is None else keys
    return json.dumps({"current": current, "keys": {k: _b64(v) for k, v in keys.items()},
                       "index_key": _b64(index_key)})


def _vault(**kwargs: object) -> Vault:
    return Vault(parse_key_ring(_ring_json(**kwargs), source="test ring"))  # type: ignore[arg-type]


def _raw(token: str) -> bytes:
    encoded = token.split(".")[2]
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))


def _with_raw(token: str, raw: bytes) -> str:
    version, key_id, _ = token.split(".")
    return f"{version}.{key_id}.{base64.urlsafe_b64encode(raw).rstrip(b'=').decode()}"


@pytest.fixture(autouse=True)
def _no_keys_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELREG_PII_KEYS", raising=False)
    monkeypatch.delenv("TELREG_PII_KEY_FILE", raising=False)


# --- sealing and opening --------------------------------------------------------------------------


def test_a_sealed_value_opens_to_the_same_text() -> None:
    vault = _vault()
    token = vault.seal("name", "CHAN Tai Man 陳大文")
    assert vault.open("name", token) == "CHAN Tai Man 陳大文"
    assert "CHAN" not in token and "Tai" not in token


def test_the_token_is_aes_256_gcm_with_the_field_as_associated_data() -> None:
    """Open the token without the vault, from the documented format alone."""
    token = _vault().seal("document_number", "A1234563")
    version, key_id, _ = token.split(".")
    raw = _raw(token)
    assert (version, key_id) == ("v1", "k1")
    assert len(raw) == 12 + len("A1234563") + 16  # 96-bit nonce, ciphertext, 128-bit tag
    assert AESGCM(KEY_1).decrypt(raw[:12], raw[12:], b"document_number") == b"A1234563"


def test_equal_values_seal_to_different_tokens() -> None:
    vault = _vault()
    first, second = vault.seal("name", "CHAN Tai Man"), vault.seal("name", "CHAN Tai Man")
    assert first != second
    assert _raw(first)[:12] != _raw(second)[:12]  # a fresh nonce each time


def test_bytes_round_trip() -> None:
    vault = _vault()
    image = b"\x89PNG\r\n\x1a\n" + os.urandom(5000)
    assert vault.open_bytes("document_image", vault.seal_bytes("document_image", image)) == image


def test_a_value_moved_to_another_field_does_not_open() -> None:
    vault = _vault()
    token = vault.seal("document_number", "A1234563")
    with pytest.raises(SealedValueUnreadable, match="belongs to another column"):
        vault.open("name", token)


@pytest.mark.parametrize("position", [0, 5, 12, 20, -1])
def test_a_tampered_token_fails_with_a_clear_error(position: int) -> None:
    vault = _vault()
    token = vault.seal("name", "CHAN Tai Man")
    raw = bytearray(_raw(token))
    raw[position] ^= 0x01  # nonce, ciphertext and tag bytes alike
    with pytest.raises(SealedValueUnreadable, match="fails its integrity check: it was altered"):
        vault.open("name", _with_raw(token, bytes(raw)))


def test_a_token_spelled_differently_is_refused() -> None:
    vault = _vault()
    token = vault.seal("name", "CHAN Tai Man")
    with pytest.raises(SealedValueUnreadable):
        vault.open("name", token + "A")
    with pytest.raises(SealedValueUnreadable, match="truncated or damaged"):
        vault.open("name", token[:20])


def test_plaintext_given_as_a_token_is_refused_without_being_repeated() -> None:
    with pytest.raises(SealedValueUnreadable, match="not a sealed value") as caught:
        _vault().open("name", "CHAN Tai Man")
    assert "CHAN" not in caught.value.message


def test_a_token_from_an_unknown_key_fails_naming_the_key() -> None:
    token = _vault(current="k1", keys={"k1": KEY_1}).seal("name", "CHAN Tai Man")
    other = _vault(current="k2", keys={"k2": KEY_2})
    with pytest.raises(SealedValueUnreadable, match="key 'k1', which is not in the key ring"):
        other.open("name", token)


def test_a_token_sealed_under_a_key_id_with_different_key_material_fails() -> None:
    token = _vault(keys={"k1": KEY_1}).seal("name", "CHAN Tai Man")
    with pytest.raises(SealedValueUnreadable, match="integrity check"):
        _vault(keys={"k1": KEY_2}).open("name", token)


_HYPOTHESIS_VAULT = _vault()


@given(field=st.text(min_size=1, max_size=40), value=st.text(max_size=300))
def test_any_text_round_trips(field: str, value: str) -> None:
    vault = _HYPOTHESIS_VAULT
    assert vault.open(field, vault.seal(field, value)) == value


@given(data=st.binary(max_size=2000))
def test_any_bytes_round_trip(data: bytes) -> None:
    assert _HYPOTHESIS_VAULT.open_bytes("image", _HYPOTHESIS_VAULT.seal_bytes("image", data)) == data


# --- rotation -------------------------------------------------------------------------------------


def test_after_rotation_old_tokens_open_and_are_due_for_resealing() -> None:
    before = _vault(current="k1", keys={"k1": KEY_1})
    old_token = before.seal("name", "CHAN Tai Man")
    assert not before.needs_reseal(old_token)

    after = _vault(current="k2", keys={"k1": KEY_1, "k2": KEY_2})
    assert after.current_key_id == "k2"
    assert after.open("name", old_token) == "CHAN Tai Man"
    assert after.needs_reseal(old_token)

    new_token = after.seal("name", "CHAN Tai Man")
    assert new_token.startswith("v1.k2.")
    assert not after.needs_reseal(new_token)
    with pytest.raises(SealedValueUnreadable, match="'k2'"):
        before.open("name", new_token)  # an old deployment cannot read what the new key sealed


# --- blind index ----------------------------------------------------------------------------------


def test_the_blind_index_is_hmac_sha256_of_kind_and_value_under_the_index_key() -> None:
    expected = hmac.new(INDEX_KEY, b"hkid\x00A1234563", hashlib.sha256).hexdigest()
    assert _vault().blind_index("hkid", "A1234563") == expected


def test_the_blind_index_is_deterministic_and_separates_kinds_values_and_keys() -> None:
    vault = _vault()
    index = vault.blind_index("hkid", "A1234563")
    assert index == vault.blind_index("hkid", "A1234563")
    assert len(index) == 64 and int(index, 16) >= 0
    assert index != vault.blind_index("passport", "A1234563")
    assert index != vault.blind_index("hkid", "A1234564")
    assert index != _vault(index_key=OTHER_INDEX_KEY).blind_index("hkid", "A1234563")
    # "hk" + "id\0..." must not collide with "hkid" + "...": the separator cannot occur in a kind.
    with pytest.raises(ValueError):
        vault.blind_index("hkid\x00A", "1234563")


def test_the_blind_index_survives_rotation_of_the_encryption_keys() -> None:
    before = _vault(current="k1", keys={"k1": KEY_1})
    after = _vault(current="k2", keys={"k1": KEY_1, "k2": KEY_2})
    assert before.blind_index("cn-resident-id", "11010519491231002X") == after.blind_index(
        "cn-resident-id", "11010519491231002X")


def test_the_blind_index_does_not_contain_the_value() -> None:
    assert "A1234563".lower() not in _vault().blind_index("hkid", "A1234563")


# --- key ring validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{not json", "is not valid JSON"),
        ("[]", "must be a JSON object"),
        (json.dumps({"keys": {"k1": _b64(KEY_1)}, "index_key": _b64(INDEX_KEY)}),
         "lacks the field(s) current"),
        (json.dumps({"current": "k1", "keys": {"k1": _b64(KEY_1)}}), "lacks the field(s) index_key"),
        (_ring_json(current="k9"), "'current' names key 'k9', which is not among its keys (k1)"),
        (_ring_json(keys={"k1": KEY_1[:31]}), "key 'k1' is 31 bytes; every key must be exactly 32 bytes"),
        (_ring_json(keys={"k1": KEY_1 + b"x"}), "key 'k1' is 33 bytes"),
        (_ring_json(index_key=INDEX_KEY[:16]), "'index_key' is 16 bytes"),
        (_ring_json().replace(_b64(KEY_1), "not base64!"), "key 'k1' is not valid base64"),
        (_ring_json(current="k.1", keys={"k.1": KEY_1}), "key id 'k.1' may only use letters"),
        (json.dumps({"current": "k1", "keys": {}, "index_key": _b64(INDEX_KEY)}), "at least one key"),
        (_ring_json(index_key=KEY_1), "'index_key' must differ from every encryption key"),
        (_ring_json()[:-1] + ', "curent": "k2"}', "unknown field(s) curent"),
    ],
)
def test_a_bad_key_ring_is_refused_naming_the_problem(text: str, problem: str) -> None:
    with pytest.raises(PiiKeysRefused) as caught:
        parse_key_ring(text, source="The key file /etc/telreg/pii.json")
    assert problem in caught.value.message
    assert caught.value.message.startswith("The key file /etc/telreg/pii.json")


def test_key_material_never_shows_in_representations() -> None:
    ring = parse_key_ring(_ring_json(), source="test")
    vault = Vault(ring)
    settings = Settings(env=Environment.test, pii_keys=_ring_json(), secret_key="s")
    for shown in (repr(ring), repr(vault), repr(settings), str(settings)):
        assert _b64(KEY_1) not in shown
        assert _b64(INDEX_KEY) not in shown
    assert "k1" in repr(vault)  # the key ids are shown: they are not secret and help when keys rotate


def test_generated_rings_are_valid_and_distinct() -> None:
    first = parse_key_ring(json.dumps(generate_key_ring()), source="generated")
    second = parse_key_ring(json.dumps(generate_key_ring(key_id="k2026a")), source="generated")
    assert second.current_key_id == "k2026a"
    assert len(first.keys[first.current_key_id]) == 32 and len(first.index_key) == 32
    assert first.keys[first.current_key_id] != second.keys["k2026a"]
    assert first.index_key not in (second.index_key, first.keys[first.current_key_id])


# --- where the keys come from ---------------------------------------------------------------------


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"env": Environment.development, "data_dir": tmp_path / "data",
                                 "secret_key": "s"}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def test_keys_from_a_key_file(tmp_path: Path) -> None:
    path = tmp_path / "pii.json"
    path.write_text(_ring_json(current="k2", keys={"k1": KEY_1, "k2": KEY_2}))
    path.chmod(0o600)  # production refuses a key file others can read (core/secret_files.py)
    ring = load_key_ring(_settings(tmp_path, env=Environment.production, pii_key_file=path))
    assert ring.current_key_id == "k2" and ring.keys == {"k1": KEY_1, "k2": KEY_2}


def test_keys_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELREG_PII_KEYS", _ring_json())
    vault = load_vault(_settings(tmp_path, env=Environment.production))
    assert vault.current_key_id == "k1"
    assert vault.blind_index("hkid", "A1234563") == _vault().blind_index("hkid", "A1234563")


def test_a_missing_key_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PiiKeysRefused, match=r"pii\.json does not exist"):
        load_key_ring(_settings(tmp_path, pii_key_file=tmp_path / "pii.json"))


def test_a_key_file_with_bad_json_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "pii.json"
    path.write_text('{"current": "k1",')
    with pytest.raises(PiiKeysRefused, match=rf"key file {path} is not valid JSON"):
        load_key_ring(_settings(tmp_path, pii_key_file=path))


def test_both_sources_at_once_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "pii.json"
    path.write_text(_ring_json())
    with pytest.raises(PiiKeysRefused, match="set one of them"):
        load_key_ring(_settings(tmp_path, pii_key_file=path, pii_keys=_ring_json()))


def test_production_without_keys_refuses_to_start_and_generates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(passwords, "_current", passwords.hasher())  # build_runtime switches the profile
    settings = _settings(tmp_path, env=Environment.production)
    with pytest.raises(PiiKeysRefused, match="Personal-data keys are missing: set TELREG_PII_KEY_FILE"):
        build_runtime(settings)
    assert not (tmp_path / "data" / DEV_KEY_FILE_NAME).exists()


def test_outside_production_a_private_key_file_is_generated_once_and_reused(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    first = load_vault(settings)
    path = tmp_path / "data" / DEV_KEY_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    content = path.read_text()
    token = first.seal("name", "CHAN Tai Man")

    second = load_vault(settings)
    assert path.read_text() == content
    assert second.open("name", token) == "CHAN Tai Man"
    assert second.blind_index("hkid", "A1234563") == first.blind_index("hkid", "A1234563")
    assert [p.name for p in path.parent.iterdir()] == [DEV_KEY_FILE_NAME]  # no temporary file left behind


def test_processes_starting_together_end_up_with_one_key_ring(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    start = threading.Barrier(8)
    rings: list[KeyRing] = []

    def load() -> None:
        start.wait()
        rings.append(load_key_ring(settings))

    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(rings) == 8
    assert len({(r.current_key_id, r.keys[r.current_key_id], r.index_key) for r in rings}) == 1


def test_the_runtime_carries_a_vault(runtime: Runtime) -> None:
    token = runtime.vault.seal("name", "CHAN Tai Man")
    assert runtime.vault.open("name", token) == "CHAN Tai Man"
    assert (Path(runtime.settings.data_dir) / DEV_KEY_FILE_NAME).exists()


def test_build_runtime_takes_a_given_vault(settings: Settings) -> None:
    given_vault = _vault()
    assert build_runtime(settings, vault=given_vault).vault is given_vault
