"""The image CAPTCHA: a real PNG, only a hash stored, one guess per picture, a short life."""

import hashlib
import io
import threading

from PIL import Image
from sqlalchemy import func, select

from telreg.core import captcha
from telreg.core.db import unit_of_work
from telreg.core.models import CaptchaChallenge


def _fixed(answer):
    return lambda: answer


def test_issue_gives_a_png_and_stores_only_the_hash_of_the_answer(session, clock):
    token, png = captcha.issue(session, clock, answers=_fixed("K7MXP"))
    picture = Image.open(io.BytesIO(png))
    assert picture.format == "PNG" and picture.size == (220, 80)
    assert len(picture.convert("L").getcolors(256)) > 20  # drawn characters and noise, not a blank image
    row = session.scalar(select(CaptchaChallenge).where(CaptchaChallenge.token == token))
    assert row.answer_sha256 == hashlib.sha256(b"K7MXP").hexdigest()
    assert "K7MXP" not in (row.token, row.answer_sha256)
    assert row.expires_at == clock.now() + captcha.TTL


def test_the_same_answer_is_drawn_differently_each_time(session, clock):
    _, first = captcha.issue(session, clock, answers=_fixed("ABCDE"))
    _, second = captcha.issue(session, clock, answers=_fixed("ABCDE"))
    assert first != second


def test_a_right_answer_passes_once_case_and_spaces_ignored(session, clock):
    token, _ = captcha.issue(session, clock, answers=_fixed("HKDNC"))
    assert captcha.verify(session, clock, token=token, answer=" hk dnc ") is True
    assert captcha.verify(session, clock, token=token, answer="HKDNC") is False  # used


def test_a_wrong_answer_uses_the_picture_up(session, clock):
    token, _ = captcha.issue(session, clock, answers=_fixed("HKDNC"))
    assert captcha.verify(session, clock, token=token, answer="HKDNO") is False
    assert captcha.verify(session, clock, token=token, answer="HKDNC") is False


def test_an_expired_or_unknown_token_fails(session, clock):
    token, _ = captcha.issue(session, clock, answers=_fixed("PQRST"))
    clock.advance(minutes=5)
    assert captcha.verify(session, clock, token=token, answer="PQRST") is False
    assert captcha.verify(session, clock, token="no-such-token", answer="PQRST") is False
    assert captcha.verify(session, clock, token="", answer="") is False


def test_still_valid_just_before_it_expires(session, clock):
    token, _ = captcha.issue(session, clock, answers=_fixed("PQRST"))
    clock.advance(minutes=4, seconds=59)
    assert captcha.verify(session, clock, token=token, answer="pqrst") is True


def test_random_answers_use_only_the_unambiguous_alphabet(session, clock):
    answers = {captcha.random_answer() for _ in range(300)}
    assert len(answers) > 290
    used = set("".join(answers))
    assert used <= set(captcha.ALPHABET)
    assert not used & set("0O1IL")
    assert all(len(a) == captcha.ANSWER_LENGTH for a in answers)


def test_the_runtime_decides_the_answer_source(runtime):
    assert captcha.answer_source(runtime) is captcha.random_answer
    runtime.extras[captcha.EXTRAS_KEY] = _fixed("WXYZ2")
    assert captcha.answer_source(runtime)() == "WXYZ2"


def test_old_challenges_are_swept_when_new_ones_are_issued(session, clock):
    captcha.issue(session, clock, answers=_fixed("AAAAA"))
    clock.advance(days=2)
    captcha.issue(session, clock, answers=_fixed("BBBBB"))
    assert session.scalar(select(func.count()).select_from(CaptchaChallenge)) == 1


def test_two_requests_racing_with_one_token_get_one_pass(runtime):
    with unit_of_work(runtime.session_factory) as session:
        token, _ = captcha.issue(session, runtime.clock, answers=_fixed("RACE5"))
    barrier = threading.Barrier(2)
    results = []

    def attempt():
        barrier.wait()
        with unit_of_work(runtime.session_factory) as session:
            results.append(captcha.verify(session, runtime.clock, token=token, answer="RACE5"))

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [False, True]
