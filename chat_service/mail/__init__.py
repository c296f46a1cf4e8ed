"""Email: the messages the service sends (templates) and the SMTP sender."""
