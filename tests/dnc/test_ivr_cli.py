"""`telreg ivr`: a whole call played in the terminal, keys read from stdin, callbacks run inline."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from telreg import cli as cli_module
from telreg.core import cli_support
from telreg.core.notify import CallOutcome, FaxOutcome

from .ivr_calls import listing, verifications


def _play(runtime, *args: str, keys: str = "") -> tuple[int, str]:
    cli_module._register_subapps_once()
    cli_support.set_runtime(runtime)
    try:
        result = CliRunner().invoke(cli_module.app, ["ivr", *args], input=keys, catch_exceptions=True)
    finally:
        cli_support.set_runtime(None)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout


def test_a_caller_id_registration_played_in_the_terminal(runtime):
    code, out = _play(runtime, "--line", "sms", "--caller-id", "21234567", keys="2\n1\n1\n")
    assert code == 0, out
    assert "[language]" in out and "[confirm_caller]" in out
    assert "Your number is 2, 1, 2, 3, 4, 5, 6, 7" in out
    assert "listed on the SMS register from today, 2 March 2026" in out
    assert "(the line hangs up)" in out
    assert listing(runtime, "21234567").channel == "caller-id"


def test_a_callback_is_played_through_with_the_clock_moved_on(runtime, telephony):
    telephony.script("21234567", CallOutcome.no_answer, CallOutcome.confirmed)
    code, out = _play(runtime, "--line", "sms", "--lang", "en", keys="1\n2123 4567\n1\n")
    assert code == 0, out
    assert out.count("calling you back now…") == 2
    assert "[call to 21234567] no_answer" in out and "[call to 21234567] confirmed" in out
    assert "(… the time is now 10:15 …)" in out
    assert re.search(r"\(request \d+: confirmed — sms: registered\)", out)
    assert listing(runtime, "21234567").channel == "callback"


def test_a_fax_code_is_faxed_in_the_terminal_and_keyed_on_the_confirmation_line(runtime, fax):
    fax.script("21234567", FaxOutcome.busy, FaxOutcome.delivered)
    code, out = _play(runtime, "--line", "fax", "--lang", "yue", keys="1\n21234567\n1\n2\n")
    assert code == 0, out
    assert "faxing the authentication code now…" in out and "telreg ivr --line fax-confirm" in out
    faxed = re.findall(r"authentication code (\d{6})", out)
    assert len(faxed) == 2  # the busy attempt's code was never delivered; only the last one counts
    code, out = _play(runtime, "--line", "fax-confirm", "--lang", "en", keys=f"21234567\n{faxed[-1]}\n")
    assert code == 0, out
    assert "listed on the fax register from today" in out
    assert listing(runtime, "21234567", "fax").channel == "fax-callback"


def test_silence_and_hanging_up(runtime):
    code, out = _play(runtime, "--line", "sms", "--caller-id", "21234567", "--lang", "en", keys="\n1\nq\n")
    assert code == 0
    assert "We did not hear a key." in out and "(you hung up)" in out
    assert listing(runtime, "21234567") is None
    code, out = _play(runtime, "--line", "sms", "--lang", "en", keys="1\n")  # input ends: the caller is gone
    assert code == 0 and "(you hung up)" in out
    assert verifications(runtime, "21234567") == []


def test_an_unknown_line_or_language_is_refused(runtime):
    from telreg.core.errors import InvalidInput, NotFound

    try:
        _play(runtime, "--line", "email")
    except NotFound as exc:
        assert "not a do-not-call hotline" in exc.message
    else:
        raise AssertionError("an unknown line was accepted")
    try:
        _play(runtime, "--line", "sms", "--lang", "fr")
    except InvalidInput as exc:
        assert "choose yue" in exc.message
    else:
        raise AssertionError("an unknown language was accepted")
