"""The answer to an issue or a renewal: a certificate for the subscriber's own key leads to its page; one whose
key the CA generated gets a page that offers the PKCS#12 file once.

The bundle is in that page only — the download link carries it (a ``data:`` address), and the page is marked
no-store — so the platform keeps no copy of the subscriber's key, not even encrypted, and "download it again"
is not possible: a lost bundle means a new certificate. A generated password is shown on the same page, once.
"""

from __future__ import annotations

import base64

from fastapi import Request
from fastapi.responses import Response

from telreg.ecert.lifecycle import Issued
from telreg.web.render import flash, redirect, render

__all__ = ["issued_page"]


def issued_page(request: Request, issued: Issued) -> Response:
    serial = issued.certificate.serial
    if issued.pkcs12 is None:
        flash(request, "ec_flash_issued", serial=serial)
        return redirect(f"/staff/ecert/certificates/{serial}")
    response = render(request, "ecert/issued.html", {
        "serial": serial, "reference": issued.application.reference,
        "href": "data:application/x-pkcs12;base64," + base64.b64encode(issued.pkcs12).decode("ascii"),
        "filename": f"ecert-{serial}.p12", "password": issued.password,
        "superseded": issued.superseded.serial if issued.superseded is not None else None})
    response.headers["Cache-Control"] = "no-store"
    return response
