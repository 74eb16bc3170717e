"""Every page renders for the people who use it, through the same services as the API."""

import pytest
from django.urls import reverse

from contributions.models import RemixLink
from projects.models import Submission
from projects.services import CreditInput, project_release
from royalties.services import revenue_record, statements_build_month
from tests.accounts.factories import UserFactory
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    producer, ana = UserFactory(username="prod"), UserFactory(username="ana")
    loop = ContributionFactory(author=ana, title="Loop", license="cc-by")
    song = ContributionFactory(author=producer, title="Song", license="cc-by")
    RemixLink.objects.create(source=loop, remix=song)
    released = make_project(owner=producer, title="Night Bus")
    Submission.objects.create(
        project=released, contribution=song, submitted_by=producer, status="accepted"
    )
    project_release(
        project=released, actor=producer, credits=[CreditInput(song.id, 1)], commercial=True
    )
    revenue_record(
        project=released, actor=producer, amount="20.00", currency="USD", idempotency_key="x"
    )
    from django.utils import timezone

    statements_build_month(period=timezone.now().date())
    open_project = make_project(owner=producer, title="Day Tram")
    return {"producer": producer, "ana": ana, "loop": loop, "song": song,
            "released": released, "open": open_project}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "args", "who", "expect"),
    [
        ("web:home", [], None, "Make things together."),
        ("web:browse", [], None, "Loop"),
        ("web:signup", [], None, "Create my account"),
        ("web:login", [], None, "Log in"),
        ("web:artist", ["ana"], None, "Loop"),
        ("web:contribution", ["song"], None, "Built on"),
        ("web:projects", [], None, "Night Bus"),
        ("web:project", ["released"], None, "Who earns what"),
        ("web:project", ["released"], "producer", "Record revenue"),
        ("web:project", ["open"], "ana", "Submit your work"),
        ("web:desk", ["open"], "producer", "Credits and release"),
        ("web:upload", [], "ana", "License"),
        ("web:project-new", [], "ana", "Create the draft"),
        ("web:dashboard", [], "ana", "Your earnings"),
    ],
)
def test_pages_render(client, world, name, args, who, expect):
    args = [world[a].id if a in ("song", "released", "open") else a for a in args]
    if who:
        client.force_login(world[who])

    response = client.get(reverse(name, args=args))

    assert response.status_code == 200
    assert expect in response.content.decode()


def test_pages_that_need_an_account_send_you_to_log_in(client, world):
    response = client.get(reverse("web:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_only_producers_see_the_desk(client, world):
    client.force_login(world["ana"])
    assert client.get(reverse("web:desk", args=[world["open"].id])).status_code == 403


def test_the_dashboard_shows_the_balance_and_each_lines_path(client, world):
    client.force_login(world["ana"])

    page = client.get(reverse("web:dashboard")).content.decode()

    assert "$2.50" in page  # 1/8 of 20.00
    assert "“Loop”" in page and "“Song”" in page


def test_signup_logs_you_in(client, db):
    response = client.post(
        reverse("web:signup"),
        {"username": "cleo", "email": "c@example.org", "password": "tape-loops-42"},
    )
    assert response.status_code == 302
    assert client.get(reverse("web:dashboard")).status_code == 200
    taken = client.post(
        reverse("web:signup"),
        {"username": "CLEO", "email": "d@example.org", "password": "tape-loops-42"},
    )
    assert "That username is taken" in taken.content.decode()


def test_the_hitrec_license_page_explains_the_terms(client, db):
    page = client.get("/licenses/hitrec/").content.decode()
    assert "stays remixable" in page and "exact share" in page
