"""Issue 14, the application page: a refusal shown on the form keeps no file; the page needs its CAPTCHA."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.senders.helpers import PDF
from tests.web.test_sender_pages import _apply_form, _find, known_captcha  # noqa: F401 - a fixture


def _stored(runtime: Any) -> list[Path]:
    root = Path(runtime.settings.data_dir) / "uploads"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_refusal_on_the_form_keeps_no_file(client: Any, runtime: Any, known_captcha: str) -> None:  # noqa: F811
    page = client.get("/senders/apply").text
    refused = client.post("/senders/apply", data=_apply_form(page, password="short", password_again="short"),
                          files={"documents": ("hkid.pdf", PDF, "application/pdf")})
    assert refused.status_code == 422
    assert _stored(runtime) == []
    done = client.post("/senders/apply", data=_apply_form(refused.text),  # the re-shown form's new picture
                       files={"documents": ("hkid.pdf", PDF, "application/pdf")}, follow_redirects=False)
    assert done.status_code == 303
    assert [p.read_bytes() for p in _stored(runtime)] == [PDF]


def test_a_wrong_captcha_is_shown_on_the_form_with_a_new_picture(client: Any, runtime: Any,
                                                                 known_captcha: str) -> None:  # noqa: F811
    page = client.get("/senders/apply").text
    data = {**_apply_form(page), "captcha_answer": "WRONG"}
    refused = client.post("/senders/apply", data=data, files={"documents": ("hkid.pdf", PDF, "application/pdf")})
    assert refused.status_code == 422 and 'id="captcha_answer"' in refused.text
    assert _find(r'name="captcha_token" value="([^"]+)"', refused.text) != data["captcha_token"]
    assert _stored(runtime) == []
