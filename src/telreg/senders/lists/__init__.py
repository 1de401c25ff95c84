"""A sender's own consent and unsubscribe lists, kept in the database (issue 4 §1)."""
