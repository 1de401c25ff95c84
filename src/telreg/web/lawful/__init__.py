"""Lawful access's web pages (issue 16 §1-§2), /staff/lawful/…, one router (pages.py) made of:

    requests.py       agency officers (le-officer, le-supervisor): the agency's requests, a new request (a
                      warrant with its PDF, or an emergency with its grounds), one request, attach a warrant,
                      cancel, the single-use download of a released result
    endorsements.py   agency supervisors (le-supervisor): emergency requests awaiting endorsement
    queue.py          operator compliance officers (operator-compliance): the operator's tasks, one task with
                      its match preview, approve / reject / release (vault mode)
    compose.py        a form turned into an HI-1 request message, so the pages take the API's path
    messages.py       the words code looks up by key (statuses, legal types, flashes, confirmations)
    common.py         what the pages share (the form, a refusal in the page's language)

The pages parse, call one service function of telreg.lawful per action and render; every rule lives in the
service. An administrator opens none of them (lawful/deps.py). Templates: web/lawful/templates/lawful/.
"""

from telreg.web.lawful import messages as _messages  # noqa: F401 - registers the keyed words with web/i18n
