"""`telreg senders lists import|export|history` against the test database."""

from __future__ import annotations

import json


def test_import_export_and_history_from_the_terminal(cli, account_id, tmp_path):
    source = tmp_path / "client.csv"
    source.write_text("number,instruction,at,how\n9123 4567,consent,2026-02-01T09:00,web-form\n"
                      "91234567,unsubscribe,2026-02-03,reply-stop\n61234567,consent,2026-02-02,call\n")
    code, out, err = cli("senders", "lists", "import", str(account_id), str(source), "--register", "sms",
                         "--client", "ACME")
    assert code == 0, err
    assert "recorded 3 instruction(s)" in out and "client 'ACME'" in out and "2 consent, 1 unsubscribe" in out
    code, out, _ = cli("senders", "lists", "export", "chan.taiman", "--register", "sms", "--client", "ACME")
    assert code == 0 and out.splitlines() == ["number,instruction,at,how,reference",
                                              "61234567,consent,2026-02-02T00:00:00+08:00,call,",
                                              "91234567,unsubscribe,2026-02-03T00:00:00+08:00,reply-stop,"]
    code, out, _ = cli("senders", "lists", "export", str(account_id), "--register", "sms")
    assert code == 0 and out.splitlines() == ["number,instruction,at,how,reference"]  # the own list is apart
    code, out, _ = cli("senders", "lists", "history", str(account_id), "+852 9123 4567", "--register", "sms",
                       "--client", "ACME", "--json")
    assert code == 0 and [r["instruction"] for r in json.loads(out)] == ["consent", "unsubscribe"]
    assert {r["recorded_by"] for r in json.loads(out)} == {"terminal"}


def test_a_bad_file_or_a_register_not_held_is_refused(cli, account_id, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("number,instruction,at\n91234567,consent,2026-02-01\n91234567,later,2026-02-01\n")
    code, _, err = cli("senders", "lists", "import", str(account_id), str(bad), "--register", "sms")
    assert code == 1 and "line 3:" in err and "nothing was recorded" in err
    good = tmp_path / "good.csv"
    good.write_text("number,instruction,at\n91234567,consent,2026-02-01\n")
    code, _, err = cli("senders", "lists", "import", str(account_id), str(good), "--register", "fax")
    assert code == 1 and "does not hold the fax register" in err
    code, _, err = cli("senders", "lists", "import", str(account_id), str(tmp_path / "missing.csv"),
                       "--register", "sms")
    assert code == 1 and "cannot be read" in err
    code, out, _ = cli("senders", "lists", "export", str(account_id), "--register", "sms")
    assert out.splitlines() == ["number,instruction,at,how,reference"]
