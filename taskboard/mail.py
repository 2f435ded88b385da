"""The embedded default's mail delivery: every message to the console and to a folder of
.eml files a person can open, so `make run` delivers mail with nothing else installed."""

import sys
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage


class LocalMailBackend(BaseEmailBackend):
    _lock = threading.Lock()

    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently, **kwargs)
        self.directory = Path(getattr(settings, "LOCAL_MAIL_DIR", settings.TASKBOARD_VAR_DIR / "mail"))

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            raw = message.message().as_bytes()
            name = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}.eml"
            (self.directory / name).write_bytes(raw)
            with self._lock:
                sys.stdout.write(raw.decode("utf-8", "replace"))
                sys.stdout.write(f"\n{'-' * 79}\n(saved as {self.directory / name})\n")
                sys.stdout.flush()
            sent += 1
        return sent
