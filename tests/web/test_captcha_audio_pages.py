"""The sender log-in page offers the CAPTCHA to hear beside the picture (WCAG 1.1.1), in every language."""

from __future__ import annotations

import re
from typing import Any

import pytest

from telreg.core import captcha
from tests.web.test_sender_pages import (  # noqa: F401 - known_captcha is a fixture
    CAPTCHA, USERNAME, _active, _find, known_captcha)
from tests.senders.helpers import PASSWORD
from tests.web.conftest import form_token

_AUDIO = re.compile(r'<audio id="captcha-audio"[^>]*\bsrc="([^"]+)"[^>]*>', re.S)


@pytest.mark.parametrize(("lang", "hint", "name"), [
    ("en", "Listen to the characters instead", "The characters, read aloud"),
    ("zh-Hant", "亦可收聽字元", "讀出的字元"),
    ("zh-Hans", "也可收听字元", "读出的字元"),
])
def test_the_login_page_offers_the_same_characters_to_hear(client: Any, known_captcha: str,  # noqa: F811
                                                           lang: str, hint: str, name: str) -> None:
    page = client.get(f"/senders/login?lang={lang}")
    assert page.status_code == 200 and f'<html lang="{lang}">' in page.text
    token = _find(r'name="captcha_token" value="([^"]+)"', page.text)
    audio = _AUDIO.search(page.text)
    assert audio and audio.group(1) == f"/api/v1/captcha/{token}/audio"  # the picture's own challenge
    assert hint in page.text and f'aria-label="{name}"' in audio.group(0)
    assert 'aria-describedby="captcha-audio-hint"' in audio.group(0)
    sound = client.get(audio.group(1))
    assert sound.status_code == 200 and sound.headers["content-type"] == "audio/wav"
    assert sound.content[:4] == b"RIFF"


def test_hearing_the_characters_then_typing_them_logs_in(client: Any, runtime: Any,
                                                         known_captcha: str) -> None:  # noqa: F811
    _active(runtime)
    page = client.get("/senders/login")
    token = _find(r'name="captcha_token" value="([^"]+)"', page.text)
    assert client.get(f"/api/v1/captcha/{token}/audio").status_code == 200  # listening does not use it up
    logged_in = client.post("/senders/login", data={
        "username": USERNAME, "password": PASSWORD, "captcha_token": token, "captcha_answer": CAPTCHA.lower(),
        "csrf_token": form_token(page.text)}, follow_redirects=False)
    assert logged_in.status_code == 303 and logged_in.headers["location"] == "/senders/profile"
    assert client.get(f"/api/v1/captcha/{token}/audio").status_code == 404  # answered: gone


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_the_player_works_with_the_keyboard_at_phone_width(page: Any, runtime: Any) -> None:
    runtime.extras[captcha.EXTRAS_KEY] = lambda: CAPTCHA
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/senders/login?lang=zh-Hant")
    player = page.locator("#captcha-audio")
    player.wait_for()
    assert player.get_attribute("aria-label") == "讀出的字元"
    # The browser can decode the sound: a few seconds of speech, not an error.
    duration = page.evaluate("""() => new Promise((done, fail) => {
        const audio = document.getElementById('captcha-audio');
        audio.addEventListener('loadedmetadata', () => done(audio.duration), {once: true});
        audio.addEventListener('error', () => fail(String(audio.error && audio.error.code)), {once: true});
        audio.load();
    })""")
    assert duration > 5
    box = player.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390  # no sideways scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Reached with the keyboard alone: Tab from the password field reaches the player before the answer.
    page.locator("#password").focus()
    for _ in range(4):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "captcha-audio":
            break
    assert page.evaluate("document.activeElement.id") == "captcha-audio"
