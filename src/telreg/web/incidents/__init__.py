"""The incident pages, /staff/incidents… (administrator, regulator, an operator's compliance officer)."""
