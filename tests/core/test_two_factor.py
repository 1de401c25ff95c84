"""Staff two-factor sign-in (core.two_factor), on SQLite and PostgreSQL: enrolment, the ±1 step window, no code
accepted twice (also when two submissions race), single-use recovery codes, lockout, an administrator's reset,
and the secret never stored in clear."""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import Engine, select, text

from telreg.config import Environment, Settings
from telreg.core import two_factor
from telreg.core.audit import history
from telreg.core.clock import FixedClock
from telreg.core.db import unit_of_work
from telreg.core.two_factor_models import TwoFactor
from telreg.core.users import create_user, get_user, is_locked, unlock_user
from telreg.runtime import Runtime

PASSWORD = "correct horse battery"


def _user(runtime: Runtime, username: str = "admin.wong", roles: tuple[str, ...] = ("admin",)) -> str:
    with unit_of_work(runtime.session_factory) as session:
        create_user(session, clock=runtime.clock, username=username, password=PASSWORD, roles=list(roles))
    return username


def _enrol(runtime: Runtime, username: str) -> tuple[str, list[str]]:
    """Enrol USERNAME at the clock's now; return the secret and the recovery codes. Moves the clock two steps on,
    so the confirming code is not in the window of the codes a test then submits."""
    with unit_of_work(runtime.session_factory) as session:
        user = get_user(session, username)
        secret = two_factor.start_enrolment(session, vault=runtime.vault, clock=runtime.clock, user=user).secret
        code = two_factor.code_at(secret, two_factor.current_step(runtime.clock))
        codes = two_factor.confirm_enrolment(session, vault=runtime.vault, clock=runtime.clock, user=user,
                                             code=code)
    _advance(runtime, 60)
    return secret, codes


def _advance(runtime: Runtime, seconds: int) -> None:
    clock = runtime.clock
    assert isinstance(clock, FixedClock)
    clock.advance(seconds=seconds)


def _verify(runtime: Runtime, username: str, code: str) -> two_factor.Verdict:
    with unit_of_work(runtime.session_factory) as session:
        return two_factor.verify(session, vault=runtime.vault, clock=runtime.clock,
                                 user=get_user(session, username), code=code)


def _now_code(runtime: Runtime, secret: str, offset: int = 0) -> str:
    return two_factor.code_at(secret, two_factor.current_step(runtime.clock) + offset)


def test_enrolment_gives_an_otpauth_uri_and_is_confirmed_only_by_a_correct_code(runtime: Runtime) -> None:
    name = _user(runtime)
    with unit_of_work(runtime.session_factory) as session:
        user = get_user(session, name)
        enrolment = two_factor.start_enrolment(session, vault=runtime.vault, clock=runtime.clock, user=user)
        again = two_factor.start_enrolment(session, vault=runtime.vault, clock=runtime.clock, user=user)
        assert again.secret == enrolment.secret  # a reloaded page shows the same QR code
        uri = urlparse(enrolment.uri)
        assert (uri.scheme, uri.netloc, uri.path) == ("otpauth", "totp", f"/telreg:{name}")
        assert parse_qs(uri.query) == {"secret": [enrolment.secret], "issuer": ["telreg"]}
        assert enrolment.grouped.replace(" ", "") == enrolment.secret
        wrong = str((int(_now_code(runtime, enrolment.secret)) + 1) % 1_000_000).zfill(6)
        with pytest.raises(two_factor.WrongCode):
            two_factor.confirm_enrolment(session, vault=runtime.vault, clock=runtime.clock, user=user, code=wrong)
        assert not two_factor.is_enrolled(session, user)
        codes = two_factor.confirm_enrolment(session, vault=runtime.vault, clock=runtime.clock, user=user,
                                             code=_now_code(runtime, enrolment.secret))
        assert len(codes) == len(set(codes)) == 10
        assert two_factor.is_enrolled(session, user)
        assert two_factor.remaining_recovery_codes(session, user) == 10
        with pytest.raises(two_factor.AlreadyEnrolled):
            two_factor.start_enrolment(session, vault=runtime.vault, clock=runtime.clock, user=user)
        actions = [event.action for event in history(session, subject_type="user", subject_key=name)]
        assert actions[-2:] == ["two-factor-enrolment-started", "two-factor-enrolled"]


def test_the_secret_is_sealed_never_stored_in_clear(runtime: Runtime, engine: Engine, backend: str) -> None:
    name = _user(runtime)
    secret, codes = _enrol(runtime, name)
    with engine.connect() as conn:
        sealed = conn.execute(select(TwoFactor.secret_sealed)).scalar_one()
        hashes = conn.execute(text("SELECT code_hash FROM staff_recovery_codes")).scalars().all()
    assert sealed.startswith("v1.") and secret not in sealed
    assert runtime.vault.open(two_factor.SECRET_FIELD, sealed) == secret
    assert all(h.startswith("$argon2") for h in hashes) and not set(codes) & set(hashes)
    if backend == "sqlite":
        database = Path(str(engine.url.database))
        stored = b"".join(p.read_bytes() for p in (database, Path(f"{database}-wal")) if p.exists())
    else:
        with engine.connect() as conn:
            stored = "\n".join(map(str, conn.execute(text("SELECT t::text FROM staff_two_factor t")).scalars()))
            stored = stored.encode()
    assert secret.encode() not in stored and sealed.encode() in stored
    assert not any(code.encode() in stored for code in codes)


def test_a_code_of_the_step_before_or_after_is_accepted_two_steps_off_is_not(runtime: Runtime) -> None:
    name = _user(runtime)
    secret, _ = _enrol(runtime, name)
    assert not _verify(runtime, name, _now_code(runtime, secret, -2)).ok
    assert not _verify(runtime, name, _now_code(runtime, secret, +2)).ok
    assert _verify(runtime, name, _now_code(runtime, secret, -1)).ok
    assert _verify(runtime, name, _now_code(runtime, secret, +1)).ok


def test_a_code_is_never_accepted_twice_nor_an_older_one_after_it(runtime: Runtime) -> None:
    name = _user(runtime)
    secret, _ = _enrol(runtime, name)
    code = _now_code(runtime, secret)
    older = _now_code(runtime, secret, -1)
    first = _verify(runtime, name, code)
    assert first.ok and first.method == "totp"
    again = _verify(runtime, name, code)
    assert not again.ok and "already been used" in again.message
    assert not _verify(runtime, name, older).ok  # its step is older than the one accepted
    _advance(runtime, 30)
    assert _verify(runtime, name, _now_code(runtime, secret)).ok  # the next code works
    with unit_of_work(runtime.session_factory) as session:
        actions = [e.action for e in history(session, subject_type="user", subject_key=name)]
    assert "two-factor-code-reused" in actions


def _race(runtime: Runtime, name: str, code: str, n: int = 2) -> list[bool]:
    barrier = threading.Barrier(n)
    results: list[bool] = []
    errors: list[BaseException] = []

    def attempt() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(_verify(runtime, name, code).ok)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return results


def test_two_concurrent_submissions_of_one_code_let_exactly_one_through(runtime: Runtime) -> None:
    name = _user(runtime)
    secret, _ = _enrol(runtime, name)
    results = _race(runtime, name, _now_code(runtime, secret))
    assert sorted(results) == [False, True]


def test_a_recovery_code_works_once_even_when_two_race(runtime: Runtime) -> None:
    name = _user(runtime)
    _, codes = _enrol(runtime, name)
    results = _race(runtime, name, codes[0].upper().replace("-", " "))  # typed loosely
    assert sorted(results) == [False, True]
    assert not _verify(runtime, name, codes[0]).ok
    verdict = _verify(runtime, name, codes[1])
    assert verdict.ok and verdict.method == "recovery" and verdict.remaining_recovery_codes == 8
    with unit_of_work(runtime.session_factory) as session:
        assert two_factor.remaining_recovery_codes(session, get_user(session, name)) == 8
        actions = [e.action for e in history(session, subject_type="user", subject_key=name)]
    assert actions.count("two-factor-recovery-code-used") == 2


def test_regenerated_recovery_codes_replace_the_old_ones(runtime: Runtime) -> None:
    name = _user(runtime)
    _, old = _enrol(runtime, name)
    assert _verify(runtime, name, old[0]).ok
    with unit_of_work(runtime.session_factory) as session:
        user = get_user(session, name)
        assert two_factor.remaining_recovery_codes(session, user) == 9
        new = two_factor.regenerate_recovery_codes(session, clock=runtime.clock, user=user)
        assert two_factor.remaining_recovery_codes(session, user) == 10
    assert not set(new) & set(old)
    assert not _verify(runtime, name, old[1]).ok
    assert _verify(runtime, name, new[0]).ok


def test_wrong_codes_count_toward_the_lockout_and_a_locked_account_takes_no_code(runtime: Runtime) -> None:
    name = _user(runtime)
    secret, _ = _enrol(runtime, name)
    wrong = str((int(_now_code(runtime, secret)) + 500_000) % 1_000_000).zfill(6)
    for _ in range(4):
        assert not _verify(runtime, name, wrong).ok
    assert _verify(runtime, name, _now_code(runtime, secret)).ok  # a correct code clears the count
    _advance(runtime, 30)
    for _ in range(5):
        assert not _verify(runtime, name, "aaaaa-bbbbb").ok
    verdict = _verify(runtime, name, _now_code(runtime, secret))
    assert not verdict.ok and "locked" in verdict.message
    with unit_of_work(runtime.session_factory) as session:
        user = get_user(session, name)
        assert is_locked(user) and user.failed_logins == 5  # the refused attempt on a locked account is not counted
        assert "user-locked" in [e.action for e in history(session, subject_type="user", subject_key=name)]
        unlock_user(session, clock=runtime.clock, username=name, actor="admin:root")
    assert _verify(runtime, name, _now_code(runtime, secret)).ok


def test_concurrent_wrong_codes_never_pass_the_limit(runtime: Runtime) -> None:
    name = _user(runtime)
    _enrol(runtime, name)
    _race(runtime, name, "000000", n=8)
    with unit_of_work(runtime.session_factory) as session:
        assert get_user(session, name).failed_logins == 5


def test_an_administrators_reset_is_audited_and_the_user_must_enrol_again(runtime: Runtime) -> None:
    name = _user(runtime)
    secret, codes = _enrol(runtime, name)
    with unit_of_work(runtime.session_factory) as session:
        assert two_factor.reset(session, clock=runtime.clock, username=name, actor="admin:root")
        user = get_user(session, name)
        assert not two_factor.is_enrolled(session, user)
        assert two_factor.remaining_recovery_codes(session, user) == 0
        event = history(session, subject_type="user", subject_key=name)[-1]
        assert (event.action, event.actor) == ("two-factor-reset", "admin:root")
        assert not two_factor.reset(session, clock=runtime.clock, username=name, actor="admin:root")
        with pytest.raises(two_factor.NotEnrolled):
            two_factor.verify(session, vault=runtime.vault, clock=runtime.clock, user=user, code=codes[0])
        fresh = two_factor.start_enrolment(session, vault=runtime.vault, clock=runtime.clock, user=user)
    assert fresh.secret != secret


def test_the_policy_requires_the_roles_that_see_personal_data_in_production(settings: Settings) -> None:
    assert two_factor.required_roles(settings) == frozenset()  # test (and development): the demo needs no phone
    production = settings.model_copy(update={"env": Environment.production})
    assert two_factor.required_roles(production) == {"admin", "operator-staff"}
    assert two_factor.is_required(production, ["operator-staff"])
    assert not two_factor.is_required(production, ["dnc-officer", "regulator"])
    chosen = settings.model_copy(update={"two_factor_required_roles": ["regulator"]})
    assert two_factor.is_required(chosen, ["regulator"]) and not two_factor.is_required(chosen, ["admin"])



def test_the_cli_tells_the_state_and_resets(runtime: Runtime, cli) -> None:  # type: ignore[no-untyped-def]
    name = _user(runtime)
    assert cli("two-factor", "status", name)[1].strip() == f"user {name}: two-factor not set up"
    _enrol(runtime, name)
    assert "two-factor set up, 10 recovery code(s) left" in cli("two-factor", "status", name)[1]
    code, out, _ = cli("two-factor", "reset", name)
    assert code == 0 and out.strip() == f"two-factor sign-in reset for user {name}"
    assert "nothing changed" in cli("two-factor", "reset", name)[1]
    with unit_of_work(runtime.session_factory) as session:
        event = history(session, subject_type="user", subject_key=name)[-1]
    assert (event.action, event.actor) == ("two-factor-reset", "cli")


def test_a_key_rotation_reseals_the_secret_and_codes_still_work(runtime: Runtime, engine: Engine) -> None:
    from telreg.core import key_rotation

    name = _user(runtime)
    secret, _ = _enrol(runtime, name)
    with engine.connect() as conn:
        before = conn.execute(select(TwoFactor.secret_sealed)).scalar_one()
    key_rotation.rotate(runtime)  # the column is found from the mapped tables: staff_two_factor.secret
    with engine.connect() as conn:
        after = conn.execute(select(TwoFactor.secret_sealed)).scalar_one()
    assert after != before and after.split(".")[1] == runtime.vault.current_key_id
    assert _verify(runtime, name, _now_code(runtime, secret)).ok
