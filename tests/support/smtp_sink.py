"""A local SMTP server standing in for the mail server n8n's Send Email node talks to: keeps every message."""
from __future__ import annotations

import email
import email.policy
import socket
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class SmtpSink:
    """Accepts mail on a free local port (`port`), without TLS or authentication, and keeps it in `messages`."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's handler hook)
        """aiosmtpd calls this with each message received."""
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def wait_for(self, predicate, seconds: float = 60.0) -> list[EmailMessage]:
        """The messages `predicate` accepts, once there is at least one; [] after `seconds`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = [m for m in list(self.messages) if predicate(m)]
            if found:
                return found
            time.sleep(0.3)
        return []

    def stop(self) -> None:
        self.controller.stop()
