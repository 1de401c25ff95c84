"""The CA's web pages (issue 15 §6): the CA officers' counter pages and the public certificate-status page.

    officer.py        the officers' router (/staff/ecert/…), made of:
      applications.py   applications at a counter: new, list, reject, withdraw, issue (a PKCS#12 offered once)
      certificates.py   find a certificate by serial, view it (subject masked), revoke, hold, release, renew,
                        record a smart card and remove it (which revokes)
      subscriptions.py  the fee table and its revisions, free-use periods, payments, the due and lapsed list
    public.py         /ecert: a certificate's status by serial or uploaded file; CA certificates and CRLs
    messages.py       the words code looks up by key (states, reasons, profiles, flashes, confirmations)
    common.py         what the officer pages share (the form, the actor, a refusal in the page's language)

The pages only parse, call one service function of telreg.ecert per action and render; every rule lives in the
services. Templates: web/ecert/templates/ecert/.
"""

from telreg.web.ecert import messages as _messages  # noqa: F401 - registers the keyed words with web/i18n
