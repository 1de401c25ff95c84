"""Case documents on disk: rendering is invariant (the same values give the same bytes), the sweeper keeps the
files the documents name, a missing file is reported rather than served."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from telreg.core.sweeper import referenced_paths, sweep_uploads
from telreg.enforcement import cases, documents
from telreg.enforcement.errors import DocumentAltered
from tests.enforcement.helpers import make_report


def _letter(session, clock, settings):
    case = cases.file_report(session, clock=clock, report=make_report(session, clock), actor="intake")
    cases.open_investigation(session, clock=clock, case=case, officer="olivia")
    return cases.request_information(session, clock=clock, settings=settings, case=case, officer="olivia",
                                     questions=["Q1"])


def test_the_same_values_render_the_same_pdf(session, clock, settings):
    document = _letter(session, clock, settings)
    again = documents.render_pdf(document.kind, document.params)
    assert again.startswith(b"%PDF") and documents.open_document(session, reference=document.reference)[1] == again


def test_the_sweeper_keeps_documents_and_a_missing_file_is_reported(session, clock, settings):
    document = _letter(session, clock, settings)
    session.commit()
    assert str(Path(document.path).resolve()) in referenced_paths(session)
    swept = sweep_uploads(session, data_dir=settings.data_dir, now=clock.now() + dt.timedelta(days=365),
                          grace=dt.timedelta(hours=1))
    assert swept.documents_removed == 0 and Path(document.path).exists()
    Path(document.path).unlink()
    with pytest.raises(DocumentAltered, match=document.reference):
        documents.open_document(session, reference=document.reference)
