"""Enforcement (issue 17): the public's reports of messages sent to listed numbers, their automatic assessment
against the evidence the platform holds, cases per sender, information requests, enforcement notices, compliance
checks and referrals, the seed numbers that trace a leaked copy of a register, and the statistics.

    reports.py, reports_*.py   intake: the public form/API (one-time code to the receiving number), officers'
                               phone and paper reports, attachments, acknowledgements, the reporter's status view
    assessment/                the verdict of one report, line by line with the rule behind each
    matching.py                a sender identification → the subscriber accounts it may be (sender keys)
    cases.py, cases_*.py       cases per sender, investigation steps, letters, notices, compliance, referral
    documents/                 the letters and notices as PDF (English and Chinese)
    fines.py                   the effective-dated fine scale
    seeds/                     the seed-number pool, per-account variants of the published files, seed hits
    statistics.py              monthly figures per register
"""
