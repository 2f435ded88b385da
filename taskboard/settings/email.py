"""Outgoing mail: SMTP from EMAIL_URL; the console plus a folder of .eml files by default."""

from .environment import VAR_DIR, env

EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "taskboard.mail.LocalMailBackend"
    LOCAL_MAIL_DIR = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Taskboard <noreply@taskboard.local>")
# The address people reach the app at, for links in mail.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
