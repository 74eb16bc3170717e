"""Playwright driving Debian's Chromium against a live test server, and a platform to show."""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from projects.models import Submission
from projects.services import CreditInput, project_release
from royalties.services import revenue_record, statements_build_month
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.accounts.two_factor import authenticator_for, code_of
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without these, Chromium reaches for Google's services at start and on this closed network
# each attempt is refused; the pages themselves load nothing from outside.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: run ./scripts/system-deps.sh (make test does).")
    # Playwright's sync API runs an event loop in this thread; the live server's ORM work
    # happens in its own thread, so the async-safety guard would only get in the way here.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser tab (own cookies) that records every request it makes."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.requested_urls = []
    page.on("request", lambda request: page.requested_urls.append(request.url))
    yield page
    context.close()


def log_in(page, user):
    """Sign in through the page, as a person does; staff (whose pages need it) and anyone
    with an authenticator then type its current code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None and user.is_staff:
        device = authenticator_for(user)
    page.goto("/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("form.stack button[type=submit]")
    if device is not None:
        page.wait_for_url(re.compile(r"/login/two-factor/"))
        page.fill("input[name=code]", code_of(device))
        page.click("form[data-second-factor] button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard/$"))


@pytest.fixture
def released(live_server):
    """A producer whose released project earned revenue: the desk's and the earnings page's
    tables have rows, the widest things on any page."""
    producer = UserFactory(username="producer-with-a-long-name")
    project = make_project(owner=producer, title="Night Bus, the extended long-form cut")
    song = ContributionFactory(author=producer, title="A song with a long title to wrap")
    Submission.objects.create(
        project=project, contribution=song, submitted_by=producer, status="accepted"
    )
    project_release(
        project=project, actor=producer, credits=[CreditInput(song.id, 1)], commercial=True
    )
    revenue_record(
        project=project, actor=producer, amount="1234.56", currency="USD", idempotency_key="k"
    )
    statements_build_month(period=timezone.now().date())
    return {"producer": producer, "project": project, "song": song}


def pages_of(released: dict) -> list[str]:
    """The main pages a producer with a released, earning project reads."""
    project, song, producer = released["project"], released["song"], released["producer"]
    return [
        "/", "/contributions/", f"/contributions/{song.id}/", "/contributions/new/",
        "/projects/", "/projects/new/", f"/projects/{project.id}/",
        f"/projects/{project.id}/desk/", "/dashboard/", f"/artists/{producer.username}/",
        "/settings/account/", "/notifications/",
    ]  # fmt: skip


@pytest.fixture
def live_world(live_server, settings):
    """The page authorization matrix's world (tests/security/conftest.py), for the live server.

    The matrix builds it inside a transaction it rolls back, so the work queued for after a
    commit (processing, notifications, ...) never runs; here it is committed, for the
    server's thread to see, and that queued work is dropped the same way, so both worlds
    are the same. The test database is emptied after the test (live_server's transactional
    database), the files live in the test's own MEDIA_ROOT."""
    from tests.security.conftest import _build

    with transaction.atomic():
        world = _build(Path(settings.MEDIA_ROOT))
        transaction.get_connection().run_on_commit.clear()
    for alias in settings.CACHES:
        caches[alias].clear()
    return world


PUBLIC_PAGES = ["/", "/signup/", "/login/", "/contributions/", "/projects/", "/licenses/hitrec/"]
