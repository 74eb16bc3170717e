"""Real mail: a worker process sends with Django's SMTP backend to an SMTP server running in
this test (aiosmtpd); the messages are read as a mail client would (headers, text and HTML
parts) and their links followed in a real browser to their end."""

import email
import email.policy
import re
import socket

import pytest
from aiosmtpd.controller import Controller
from rest_framework.test import APIClient

from accounts.models import User
from hitrec.events import TextPublished, announce
from notifications.services import preferences_set
from notifications.tasks import send_digests
from tests.accounts.factories import UserFactory
from tests.integration.worker import WorkerProcess, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.browser]

NEW = "another-long-phrase-7"


class Inbox:
    """What the SMTP server received, parsed as mail clients parse it."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"

    def to(self, address: str, subject_has: str) -> email.message.EmailMessage:
        def found():
            return next(
                (m for m in self.messages
                 if address in m["To"] and subject_has in m["Subject"]),
                None,
            )  # fmt: skip

        return wait_for(found, timeout=60, what=f"mail to {address} about {subject_has!r}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


@pytest.fixture
def mailing_worker(real_queues, inbox, live_server, worker_media_root, tmp_path):
    """A worker on the default queue whose mail goes out by SMTP to the test's server, with
    links to the live server."""
    _handler, port = inbox
    worker = WorkerProcess(
        queues=real_queues, consume=["default"], media_root=worker_media_root,
        log_path=tmp_path / "mail-worker.log",
        extra_env={
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port), "SITE_URL": live_server.url,
        },
    )  # fmt: skip
    worker.start()
    yield worker
    worker.stop()


def parts(message) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def link(text: str, path: str) -> str:
    return re.search(rf"https?://\S+{path}\S*", text)[0].rstrip(".")


def test_verification_reset_and_digest_mail_arrive_whole_and_their_links_work(
    inbox, mailing_worker, live_server, page
):
    received, _port = inbox
    api = APIClient()

    # Sign-up: the verification link, followed in the browser, verifies the address.
    api.post(
        "/api/auth/register/",
        {"username": "ana", "email": "ana@example.org", "password": "a-long-passphrase-9"},
    )
    verify = received.to("ana@example.org", "is this your address")
    text, html = parts(verify)
    assert verify["Message-ID"] and verify["Date"]
    assert "/email/verify/" in text and "/email/verify/" in html
    page.goto(link(text, "/email/verify/"))
    page.get_by_role("button", name="Confirm my address").click()
    wait_for(
        lambda: User.objects.get(username="ana").email_verified_at,
        timeout=10, what="the address to be verified",
    )  # fmt: skip

    # A forgotten password: the link sets a new one.
    api.post("/api/auth/password/reset/", {"email": "ana@example.org"})
    reset = received.to("ana@example.org", "set a new password")
    text, html = parts(reset)
    assert "/password/reset/" in html
    page.goto(link(text, "/password/reset/"))
    page.fill("input[name=new_password]", NEW)
    page.get_by_role("button", name="Set my new password").click()
    page.wait_for_url(re.compile(r"/login/$"))
    assert User.objects.get(username="ana").check_password(NEW)

    # The daily digest: with its one-click unsubscribe headers (RFC 2369, RFC 8058).
    ana = User.objects.get(username="ana")
    preferences_set(user=ana, preferences={"mention": "digest"})
    announce(TextPublished(
        text="@ana have a listen", actor_id=UserFactory().id, url="/contributions/1/",
        place="contribution", title="Loop",
    ))  # fmt: skip
    wait_for(lambda: ana.notifications.exists(), timeout=60, what="the mention to be recorded")
    send_digests.delay()
    digest = received.to("ana@example.org", "digest")
    text, html = parts(digest)
    unsubscribe = str(digest["List-Unsubscribe"]).strip()
    assert unsubscribe.startswith("<http") and unsubscribe.endswith(">")
    assert str(digest["List-Unsubscribe-Post"]).strip() == "List-Unsubscribe=One-Click"
    assert "have a listen" in text and "have a listen" in html
    page.goto(unsubscribe.strip("<>"))
    assert page.locator("h1").inner_text() == "Unsubscribed"
