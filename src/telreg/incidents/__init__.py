"""Personal-data incidents (issue 16 §5, seed 003): scope, freeze, affected holders, remedy steps to closure.

    models.py      incidents, incident_scope, incident_steps
    service.py     open (and freeze at once), steps, contain, unfreeze, close; who may act
    freeze.py      freezing and unfreezing each kind of scope item
    affected.py    the holders and operators affected, masked, from the audit trail; CSV for notification
    api.py         /api/v1/incidents
    cli.py         `telreg incident …`
"""
