"""A real SMTP server (aiosmtpd) in the test process, and Django's SMTP backend pointed at it.

The ``smtp`` fixture is used here, by the worker tests (tests/pipeline) and by the browser tests.
"""
from __future__ import annotations

import email
import email.policy
import re
import socket
import threading

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd handler: keeps every message it accepted; can refuse the first ones, or hold one until released."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.refuse = 0  # refuse this many DATA commands (451) before accepting
        self.refused = 0
        self.hold_first = False  # hold the first DATA until ``release`` is set, then refuse it
        self.holding = threading.Event()
        self.release = threading.Event()
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        if self.hold_first:
            self.hold_first = False
            self.holding.set()
            import asyncio

            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 held and dropped"
        if self.refused < self.refuse:
            self.refused += 1
            return "451 4.3.0 try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self.arrived:
            self.messages.append(message)
            self.arrived.notify_all()
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 30.0) -> list:
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.messages) >= count, timeout=timeout):
                raise AssertionError(f"{len(self.messages)} messages arrived, waited for {count}")
        return self.messages

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


def text_part(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_part(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def link(message, path: str) -> str:
    """The first absolute link in the plain-text part whose path starts with ``path``."""
    found = re.search(r"https?://[^\s>]+" + re.escape(path) + r"[^\s>]*", text_part(message))
    assert found, f"no {path} link in:\n{text_part(message)}"
    return found.group(0)


@pytest.fixture
def smtp(settings):
    """The SMTP server, and the settings that send through it (``smtp.url`` for a worker's EMAIL_URL)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "Paperdesk <digest@paperdesk.test>"
    settings.SITE_URL = "https://paperdesk.test"
    inbox.url = f"smtp://127.0.0.1:{port}"
    yield inbox
    inbox.release.set()
    controller.stop()
