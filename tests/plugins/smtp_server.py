"""An SMTP server (aiosmtpd) in the pytest process that keeps every message it receives."""

from __future__ import annotations

import logging
import threading
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

HOST = "127.0.0.1"


class ReceivedMessage(EmailMessage):
    """A parsed message plus the SMTP envelope it came with (which Bcc recipients are in)."""

    envelope_from: str = ""
    envelope_to: list[str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.envelope_to = []


_PARSER = BytesParser(_class=ReceivedMessage, policy=policy.default)


class Mailbox:
    """What the SMTP server received, in arrival order. Thread-safe: the server runs in
    its own thread and the Celery worker delivers from another process."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._messages: list[ReceivedMessage] = []

    @property
    def messages(self) -> list[ReceivedMessage]:
        with self._condition:
            return list(self._messages)

    def clear(self) -> None:
        with self._condition:
            self._messages.clear()

    def deliver(self, message: ReceivedMessage) -> None:
        with self._condition:
            self._messages.append(message)
            self._condition.notify_all()

    def wait_for(self, count: int = 1, timeout: float = 15) -> list[ReceivedMessage]:
        """Wait until at least `count` messages arrived; all messages received so far."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while len(self._messages) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    received = [f"  {m['To']!s}: {m['Subject']!s}" for m in self._messages]
                    raise AssertionError(
                        f"Expected {count} message(s) within {timeout:g}s, got {len(self._messages)}"
                        + (":\n" + "\n".join(received) if received else ".")
                        + "\n(Mail from the pytest process goes to Django's locmem outbox unless "
                        "sent with the SMTP backend; a task must run in the celery_worker.)"
                    )
                self._condition.wait(remaining)
            return list(self._messages)

    @staticmethod
    def body(message: EmailMessage) -> str:
        """The text/plain body with \\n line endings, without the final line break (SMTP
        ends every message with one, so "Hi" and "Hi\\n" arrive the same)."""
        part = message.get_body(preferencelist=("plain",))
        if part is None:
            raise AssertionError(f"The message {message['Subject']!r} has no text/plain part")
        content = part.get_content()
        assert isinstance(content, str)
        content = content.replace("\r\n", "\n")
        return content[:-1] if content.endswith("\n") else content


class _Handler:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        assert isinstance(raw, bytes)
        message = _PARSER.parsebytes(raw)
        assert isinstance(message, ReceivedMessage)
        message.envelope_from = str(envelope.mail_from)
        message.envelope_to = [str(address) for address in envelope.rcpt_tos]
        self.mailbox.deliver(message)
        return "250 Message accepted for delivery"


class SmtpServer:
    host = HOST

    def __init__(self, *, port: int) -> None:
        self.port = port
        self.mailbox = Mailbox()
        self._controller: Controller | None = None

    def __repr__(self) -> str:
        return f"<SmtpServer {self.host}:{self.port}>"

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def start(self) -> None:
        # aiosmtpd logs every SMTP command at INFO: noise in the output of failing tests.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self._controller = Controller(
            _Handler(self.mailbox),
            hostname=self.host,
            port=self.port,
            enable_SMTPUTF8=True,
            ready_timeout=10,
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
