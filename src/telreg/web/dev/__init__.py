"""Development-only pages: the inbox of mails, SMS, calls and faxes the demo sent (absent in production)."""
