"""The public report pages without a browser: the form keeps the input on a refusal and says it next to the field
in the page's language; code, done page (shown once) and status."""

from __future__ import annotations

from tests.enforcement.reports_helpers import code_from_sms, png_bytes
from tests.web.conftest import form_token

ANSWER = "WXYZ2"


def _form(**overrides):
    data = {"receiving_number": "9123 4567", "register": "sms", "arrived_date": "2026-03-01",
            "arrived_time": "14:30", "sender_identification": "ABC Promotions", "message_text": "Buy now",
            "contact_kind": "email", "contact": "me@example.org", "captcha_answer": ANSWER}
    data.update(overrides)
    return data


def _post_form(client, path, **overrides):
    page = client.get(path)
    assert page.status_code == 200
    token = form_token(page.text)
    captcha_token = page.text.split('name="captcha_token" value="')[1].split('"')[0]
    return client.post(path, data={**_form(**overrides), "csrf_token": token, "captcha_token": captcha_token},
                       files=[("attachments", ("shot.png", png_bytes(), "image/png"))], follow_redirects=False)


def test_the_report_journey_without_a_browser(client, runtime, sms):
    runtime.extras["captcha_answers"] = lambda: ANSWER
    assert "/report" in client.get("/").text
    refused = _post_form(client, "/report?lang=zh-Hant", receiving_number="+44 20 7946 0000")
    assert refused.status_code == 422
    assert 'value="+44 20 7946 0000"' in refused.text and 'id="receiving_number-error"' in refused.text
    assert "shot.png" in refused.text  # named, to be chosen again
    client.get("/report?lang=en")
    wrong_captcha = _post_form(client, "/report", captcha_answer="NOPE")
    assert wrong_captcha.status_code == 422 and 'id="captcha_answer-error"' in wrong_captcha.text
    made = _post_form(client, "/report")
    assert made.status_code == 303 and made.headers["location"].endswith("/proof")
    proof_path = made.headers["location"]
    reference = proof_path.split("/")[2]
    page = client.get(proof_path)
    assert "9123****" in page.text
    token = form_token(page.text)
    wrong = client.post(proof_path, data={"code": "12", "csrf_token": token})
    assert wrong.status_code == 422 and 'id="code-error"' in wrong.text
    done = client.post(proof_path, data={"code": code_from_sms(sms), "csrf_token": token},
                       follow_redirects=False)
    assert done.status_code == 303
    shown = client.get(done.headers["location"])
    access_code = shown.text.split('id="report-access-code"><code>')[1].split("<")[0]
    assert reference in shown.text and access_code
    again = client.get(done.headers["location"], follow_redirects=False)
    assert again.status_code == 303  # shown once
    status = client.post("/report/status", data={"reference": reference, "access_code": access_code,
                                                 "csrf_token": token})
    assert status.status_code == 200 and 'id="report-stage"' in status.text
    nothing = client.post("/report/status", data={"reference": reference, "access_code": "x",
                                                  "csrf_token": token})
    assert nothing.status_code == 404 and 'id="access_code-error"' in nothing.text
