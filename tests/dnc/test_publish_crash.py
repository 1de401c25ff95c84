"""A publisher killed mid-build leaves no publication behind; running again recovers and equals a clean run."""

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time

from telreg.dnc.publish.build import PAUSE_HOOK
from telreg.dnc.vocabulary import Register

from .publish_helpers import at, file_hashes, publish, register, stable_manifest

MON = dt.date(2026, 3, 2)


def _wait_for(path, proc, limit=120.0):
    deadline = time.monotonic() + limit
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the publisher never reached its first file"
        time.sleep(0.05)


def test_a_killed_publication_is_invisible_and_recovered_by_running_again(runtime, clock, settings, cli, tmp_path):
    for number in ("61234567", "21234567", "91234567"):
        register(runtime, number, Register.sms, Register.fax)
    marker = tmp_path / "paused"
    env = {**os.environ, "TELREG_DATABASE_URL": settings.database_url, "TELREG_DATA_DIR": str(settings.data_dir),
           "TELREG_ENV": "test", PAUSE_HOOK: str(marker)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "telreg", "dnc", "publish", "--date", "2026-03-02", "--as-of", "2026-03-02T23:05"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        _wait_for(marker, proc)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL

    root = settings.data_dir / "publications"
    assert not (root / "2026-03-02").exists()
    leftovers = [p for p in root.iterdir() if p.name.startswith(".building-2026-03-02-")]
    assert len(leftovers) == 1 and [p.name for p in leftovers[0].glob("*.zip")] == ["fax-dated.zip"]

    code, out, err = cli("dnc", "publish", "--date", "2026-03-02", "--as-of", "2026-03-02T23:10", "--json")
    assert code == 0, err
    recovered = json.loads(out)
    assert recovered["status"] == "published" and recovered["swept"] == [leftovers[0].name]
    assert sorted(p.name for p in root.iterdir() if not p.name.startswith(".lock")) == ["2026-03-02"]

    clean_settings = settings.model_copy(update={"data_dir": tmp_path / "clean"})
    clock.set(at(MON, 23, 30))
    clean = publish(runtime, MON, settings=clean_settings)
    assert file_hashes(root / "2026-03-02") == file_hashes(clean.path)
    assert len(file_hashes(clean.path)) == 36  # 9 zips, 18 checksum files, 6 chunk indexes, 3 sorted numbers
    assert stable_manifest(recovered["manifest"]) == stable_manifest(clean.manifest)
