"""The IVR webhook accepts only requests signed by the telephony platform, on a listener of its own."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from telreg.config import Environment, Settings
from telreg.core.migrate import upgrade
from telreg.dnc.ivr import signing
from telreg.dnc.ivr_api import create_ivr_app
from telreg.core.job_handlers import load_handlers
from telreg.core.jobs import run_schedules, run_worker
from telreg.dnc.models import IvrCall, IvrSignatureSeen

from .ivr_calls import IVR_PATH, Call, listing, read, signed_post

START = {"call_id": "sig-1", "line": "sms", "event": "start", "seq": 0, "caller_id": "21234567", "lang": "en"}
OTHER = "another-secret-that-is-long-enough-0123456789"


def _calls(runtime: Any) -> int:
    return read(runtime, lambda s: s.scalar(select(func.count()).select_from(IvrCall)))


def _refused(response: Any) -> dict[str, Any]:
    assert response.status_code == 401, response.text
    # the challenge names the webhook's signature scheme, not the public app's bearer key
    assert response.headers["www-authenticate"].startswith("Telreg-HMAC ")
    body = response.json()
    assert body["error"] == "webhook_unauthorized"
    return body


def test_an_unsigned_request_is_refused_and_changes_nothing(ivr_client: Any, runtime: Any) -> None:
    body = _refused(ivr_client.post(IVR_PATH, json=START))
    assert "X-Telreg-Signature" in body["detail"]
    assert _calls(runtime) == 0


def test_an_unsigned_malformed_body_is_refused_before_it_is_parsed(ivr_client: Any) -> None:
    _refused(ivr_client.post(IVR_PATH, content=b"{not json", headers={"Content-Type": "application/json"}))


def test_a_request_signed_with_another_secret_is_refused(ivr_client: Any, runtime: Any) -> None:
    _refused(signed_post(ivr_client, START, secret=OTHER))
    assert _calls(runtime) == 0


def test_a_body_changed_after_signing_is_refused(ivr_client: Any, clock: Any) -> None:
    raw = json.dumps(START).encode()
    headers = signing.sign(ivr_client.app.state.ivr_secrets[0], raw, int(clock.now().timestamp()))
    tampered = raw.replace(b"21234567", b"29999999")
    _refused(ivr_client.post(IVR_PATH, content=tampered, headers={**headers, "Content-Type": "application/json"}))


@pytest.mark.parametrize("skew", [-301, 301])
def test_a_stale_or_future_timestamp_is_refused(ivr_client: Any, clock: Any, skew: int) -> None:
    body = _refused(signed_post(ivr_client, START, timestamp=int(clock.now().timestamp()) + skew))
    assert "300 seconds" in body["detail"]


def test_a_timestamp_inside_the_window_is_accepted(ivr_client: Any, clock: Any) -> None:
    response = signed_post(ivr_client, START, timestamp=int(clock.now().timestamp()) - 299)
    assert response.status_code == 200, response.text


def test_a_replayed_signed_request_is_refused(ivr_client: Any, runtime: Any, clock: Any) -> None:
    when = int(clock.now().timestamp())
    assert signed_post(ivr_client, START, timestamp=when).status_code == 200
    _refused(signed_post(ivr_client, START, timestamp=when))
    # The platform's own re-delivery is signed anew: the seq dedupe answers it as before.
    assert signed_post(ivr_client, START, timestamp=when - 1).status_code == 200
    assert _calls(runtime) == 1


def test_the_worker_forgets_signatures_once_their_window_has_closed(
    ivr_client: Any, runtime: Any, clock: Any
) -> None:
    def remembered() -> int:
        return read(runtime, lambda s: s.scalar(select(func.count()).select_from(IvrSignatureSeen)))

    assert signed_post(ivr_client, START).status_code == 200
    clock.set(clock.now() + dt.timedelta(seconds=signing.WINDOW_SECONDS + 1))
    assert signed_post(ivr_client, {**START, "call_id": "sig-2"}).status_code == 200
    assert remembered() == 2  # requests never delete (no deadlocks between them); the worker does
    load_handlers()  # registers the schedules, as a worker does on start
    run_schedules(runtime)
    run_worker(runtime, once=True)
    assert remembered() == 1  # the first one's window has closed; the second is still remembered


def test_a_refusal_is_translated(ivr_client: Any) -> None:
    english = _refused(ivr_client.post(IVR_PATH, json=START))["detail"]
    hant = _refused(ivr_client.post(IVR_PATH, json=START, headers={"Accept-Language": "zh-Hant"}))["detail"]
    hans = _refused(ivr_client.post(IVR_PATH, json=START, headers={"Accept-Language": "zh-Hans"}))["detail"]
    assert len({english, hant, hans}) == 3


def test_every_configured_secret_is_accepted_during_a_rotation(runtime: Any) -> None:
    new, old = "n" * 32, "o" * 40
    runtime.settings = runtime.settings.model_copy(update={"ivr_webhook_secret": f"{new}, {old}"})
    with TestClient(create_ivr_app(runtime)) as client:
        assert client.app.state.ivr_secrets == [new, old]
        assert signed_post(client, START, secret=old).status_code == 200
        assert signed_post(client, {**START, "seq": 1, "event": "timeout"}, secret=new).status_code == 200
        _refused(signed_post(client, {**START, "seq": 2, "event": "timeout"}, secret=OTHER))


def test_the_public_app_does_not_serve_the_webhook(client: Any) -> None:
    response = client.post(IVR_PATH, json=START)
    assert response.status_code == 404
    assert response.json()["error"] == "page_not_found"


def test_a_signed_call_registers_a_number(ivr_client: Any, runtime: Any) -> None:
    call = Call(ivr_client, caller_id="21234567")
    call.start()
    call.press("1", "1")
    assert listing(runtime, "21234567") is not None


def test_production_refuses_a_missing_or_short_secret(tmp_path: Path) -> None:
    base = {"env": Environment.production, "data_dir": tmp_path, "secret_key": "x" * 40}
    with pytest.raises(signing.IvrSecretRefused, match="TELREG_IVR_WEBHOOK_SECRET is not set"):
        signing.webhook_secrets(Settings(**base))
    with pytest.raises(signing.IvrSecretRefused, match="number 2 is shorter than 32"):
        signing.webhook_secrets(Settings(**base, ivr_webhook_secret=f"{'a' * 32},short"))
    assert signing.webhook_secrets(Settings(**base, ivr_webhook_secret="b" * 32)) == ["b" * 32]
    assert not (tmp_path / signing.DEV_SECRET_FILE_NAME).exists()


def test_development_generates_one_private_secret_and_keeps_it(tmp_path: Path) -> None:
    settings = Settings(env=Environment.development, data_dir=tmp_path / "data")
    first = signing.webhook_secrets(settings)
    assert first == signing.webhook_secrets(settings) and len(first[0]) >= signing.MIN_SECRET_LENGTH
    assert (tmp_path / "data" / signing.DEV_SECRET_FILE_NAME).stat().st_mode & 0o777 == 0o600


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen[str], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"telreg serve exited: {process.communicate()}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} never answered")


def _post(url: str, raw: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=raw, method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_serve_runs_the_public_app_and_the_ivr_listener(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/telreg.sqlite3"
    upgrade(url)
    secret = "s" * 40
    public, ivr = _free_port(), _free_port()
    env = {**os.environ, "TELREG_ENV": "test", "TELREG_DATABASE_URL": url, "TELREG_DATA_DIR": str(tmp_path / "d"),
           "TELREG_SECRET_KEY": "test-secret-key", "TELREG_IVR_WEBHOOK_SECRET": secret,
           "TELREG_SMTP_PORT": str(_free_port())}
    process = subprocess.Popen([sys.executable, "-m", "telreg", "serve", "--port", str(public),
                                "--ivr-port", str(ivr)], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(f"http://127.0.0.1:{public}/api/v1/health", process)
        raw = json.dumps({**START, "call_id": "serve-1"}).encode()
        signed = signing.sign(secret, raw, int(time.time()))
        assert _post(f"http://127.0.0.1:{public}{IVR_PATH}", raw, signed) == 404
        assert _post(f"http://127.0.0.1:{ivr}{IVR_PATH}", raw, {}) == 401
        assert _post(f"http://127.0.0.1:{ivr}{IVR_PATH}", raw, signed) == 200
    finally:
        process.terminate()
        process.communicate(timeout=30)
    assert process.returncode == 0
