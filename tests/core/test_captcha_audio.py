"""The CAPTCHA to hear (WCAG 1.1.1): the same challenge spoken, its answer sealed in the token, not stored."""

from __future__ import annotations

import io
import wave
from typing import Any

import pytest
from sqlalchemy import select

from telreg.core import captcha
from telreg.core.models import CaptchaChallenge


def _fixed(answer: str) -> Any:
    return lambda: answer


@pytest.fixture
def key(runtime: Any) -> bytes:
    return captcha.audio_key_for(runtime)


def _wav(data: bytes) -> wave._wave_params:
    with wave.open(io.BytesIO(data)) as clip:
        return clip.getparams()


def test_the_same_challenge_is_spoken_and_its_answer_is_not_stored(session, clock, key) -> None:
    token, png = captcha.issue(session, clock, answers=_fixed("K7MXP"), audio_key=key)
    assert png.startswith(b"\x89PNG") and len(token) <= 64
    row = session.scalar(select(CaptchaChallenge).where(CaptchaChallenge.token == token))
    assert "K7MXP" not in token and "k7mxp" not in token.lower()
    assert "K7MXP" not in (row.token, row.answer_sha256)

    sound = captcha.speak(session, clock, token=token, audio_key=key)
    params = _wav(sound)
    assert sound[:4] == b"RIFF" and sound[8:12] == b"WAVE"
    assert (params.nchannels, params.sampwidth, params.framerate) == (1, 1, 8000)
    assert params.nframes / params.framerate > 5  # five characters, a second or more apart
    assert captcha.speak(session, clock, token=token, audio_key=key) != sound  # noise and pacing vary
    # Listening is not guessing: the challenge still takes its one answer.
    assert captcha.verify(session, clock, token=token, answer="k7mxp") is True
    with pytest.raises(captcha.CaptchaNotFound):
        captcha.speak(session, clock, token=token, audio_key=key)  # used


def test_equal_answers_give_unrelated_tokens(session, clock, key) -> None:
    first, _ = captcha.issue(session, clock, answers=_fixed("ABCDE"), audio_key=key)
    second, _ = captcha.issue(session, clock, answers=_fixed("ABCDE"), audio_key=key)
    assert first != second and first.split(".")[1] != second.split(".")[1]


def test_only_a_live_challenge_of_this_deployment_is_spoken(session, clock, key) -> None:
    token, _ = captcha.issue(session, clock, answers=_fixed("PQRST"), audio_key=key)
    other_key = bytes(32)
    unsealed, _ = captcha.issue(session, clock, answers=_fixed("PQRST"))  # issued without sound
    nonce, sealed = token.split(".")
    altered = f"{nonce}.{'A' if sealed[0] != 'A' else 'B'}{sealed[1:]}"
    for bad_token, bad_key in [(token, other_key), (unsealed, key), (altered, key), ("no-such-token", key),
                               ("", key), ("x" * 65, key)]:
        with pytest.raises(captcha.CaptchaNotFound) as refused:
            captcha.speak(session, clock, token=bad_token, audio_key=bad_key)
        assert refused.value.status_code == 404 and refused.value.code == "captcha_not_found"
    clock.advance(minutes=5)
    with pytest.raises(captcha.CaptchaNotFound):
        captcha.speak(session, clock, token=token, audio_key=key)  # expired


def test_every_character_of_the_alphabet_has_a_voice() -> None:
    for char in captcha.ALPHABET:
        assert _wav(captcha.render_wav(char)).nframes > 0
    with pytest.raises(ValueError):
        captcha.render_wav("...")


def test_http_the_picture_names_where_to_hear_it(client, runtime) -> None:
    runtime.extras[captcha.EXTRAS_KEY] = _fixed("HKDNC")
    issued = client.get("/api/v1/captcha").json()
    assert issued["audio"] == f"/api/v1/captcha/{issued['token']}/audio"
    heard = client.get(issued["audio"])
    assert heard.status_code == 200 and heard.headers["content-type"] == "audio/wav"
    assert heard.headers["cache-control"] == "no-store" and _wav(heard.content).framerate == 8000

    refused = client.post("/api/v1/senders/login", json={
        "username": "nobody", "password": "not the password", "captcha_token": issued["token"],
        "captcha_answer": "WRONG"})
    assert refused.status_code == 422 and refused.json()["error"] == "captcha_failed"
    gone = client.get(issued["audio"])
    assert gone.status_code == 404 and gone.json()["error"] == "captcha_not_found"
    assert client.get("/api/v1/captcha/not-a-token/audio").status_code == 404
