"""New asks that match a person's skills reach their daily digest only if they turn it on:
off by default, one switch (off or digest), each ask once, newest first."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from accounts.services import user_profile_update
from notifications.models import Notification
from notifications.services import preferences_set
from notifications.tasks import send_digests
from projects.services import ask_create, ask_update, member_invite, project_status_change
from tests.accounts.factories import UserFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db

SECTION = "New asks that match your skills"


@pytest.fixture
def cellist(people):
    user_profile_update(user=people["ana"], skills=["cello", "viola"])
    return people["ana"]


def post(project, capture, description: str, tags: list[str]):
    with capture(execute=True):
        return ask_create(
            project=project, actor=project.owner, kind="audio", description=description,
            tags=tags,
        )  # fmt: skip


def digest_for(person) -> str:
    """The body of the digest sent to `person` by one daily run, or "" if none was."""
    before = len(mail.outbox)
    send_digests.delay()
    sent = [email for email in mail.outbox[before:] if email.to == [person.email]]
    return sent[0].body if sent else ""


def asks_for_you_of(person) -> list[str]:
    return list(
        Notification.objects.filter(recipient=person, kind="ask_for_you")
        .order_by("id")
        .values_list("text", flat=True)
    )


def test_off_by_default_nothing_about_asks_is_recorded_or_sent(
    cellist, project, django_capture_on_commit_callbacks
):
    preferences_set(user=cellist, preferences={"remixed": "digest"})  # a digest goes anyway

    post(project, django_capture_on_commit_callbacks, "A cello line", ["cello"])

    assert asks_for_you_of(cellist) == []
    assert SECTION not in digest_for(cellist)
    assert "A cello line" not in "".join(email.body for email in mail.outbox)


def test_on_the_matching_new_asks_come_in_the_digest_once_newest_first(
    cellist, project, django_capture_on_commit_callbacks
):
    preferences_set(user=cellist, preferences={"ask_for_you": "digest"})

    first = post(project, django_capture_on_commit_callbacks, "A cello line", ["Cello"])
    post(project, django_capture_on_commit_callbacks, "A viola part", ["viola", "strings"])
    post(project, django_capture_on_commit_callbacks, "Drums", ["drums"])

    assert asks_for_you_of(cellist) == [
        "“Night Bus” asks for audio (1), tagged cello: A cello line",
        "“Night Bus” asks for audio (1), tagged viola, strings: A viola part",
    ]
    assert mail.outbox == []  # nothing at once: it waits for the digest
    body = digest_for(cellist)
    assert SECTION in body and "Drums" not in body
    assert body.index("A viola part") < body.index("A cello line")
    assert "/projects/" in body

    # Sent: not again, even when the ask is given new tags that match.
    with django_capture_on_commit_callbacks(execute=True):
        ask_update(ask=first, actor=first.project.owner, tags=["cello", "viola"])
    assert digest_for(cellist) == ""
    post(project, django_capture_on_commit_callbacks, "Another viola", ["viola"])
    body = digest_for(cellist)
    assert "Another viola" in body and "A cello line" not in body


def test_the_projects_own_people_and_the_unskilled_are_not_told(
    people, cellist, django_capture_on_commit_callbacks
):
    project = make_project(owner=people["prod"], title="Night Bus")
    user_profile_update(user=people["prod"], skills=["cello"])
    user_profile_update(user=people["bo"], skills=["cello"])
    member_invite(project=project, actor=people["prod"], username="bo")
    closed = UserFactory(is_active=False)
    user_profile_update(user=closed, skills=["cello"])
    for person in (people["prod"], people["bo"], people["fan"], closed, cellist):
        preferences_set(user=person, preferences={"ask_for_you": "digest"})

    post(project, django_capture_on_commit_callbacks, "A cello line", ["cello"])

    told = set(Notification.objects.filter(kind="ask_for_you").values_list("recipient", flat=True))
    assert told == {cellist.id}


def test_a_drafts_asks_are_told_when_it_opens(people, cellist, django_capture_on_commit_callbacks):
    preferences_set(user=cellist, preferences={"ask_for_you": "digest"})
    draft = make_project(owner=people["prod"], title="Secret", status="draft")
    post(draft, django_capture_on_commit_callbacks, "A cello line", ["cello"])
    post(draft, django_capture_on_commit_callbacks, "Untagged", [])
    assert asks_for_you_of(cellist) == []

    with django_capture_on_commit_callbacks(execute=True):
        project_status_change(project=draft, actor=people["prod"], to="open")

    assert asks_for_you_of(cellist) == ["“Secret” asks for audio (1), tagged cello: A cello line"]


def test_turned_off_while_waiting_nothing_is_sent(
    cellist, project, django_capture_on_commit_callbacks
):
    preferences_set(user=cellist, preferences={"ask_for_you": "digest"})
    post(project, django_capture_on_commit_callbacks, "A cello line", ["cello"])

    preferences_set(user=cellist, preferences={"ask_for_you": "off"})

    assert digest_for(cellist) == ""
    assert Notification.objects.get(kind="ask_for_you").email_status == "dropped"


def test_the_switch_is_off_or_digest_never_an_email_each(cellist, user_client):
    with pytest.raises(ValidationError) as refused:
        preferences_set(user=cellist, preferences={"ask_for_you": "immediate"})
    assert refused.value.message_dict == {
        "ask_for_you": ["“New asks that match your skills” come only in the daily digest: "
                        "choose off or digest."]
    }  # fmt: skip

    answer = user_client.put("/api/notifications/preferences/", {"ask_for_you": "immediate"})
    on = user_client.put("/api/notifications/preferences/", {"ask_for_you": "digest"})

    assert answer.status_code == 400 and "ask_for_you" in answer.json()
    assert on.status_code == 200 and on.json()["ask_for_you"] == "digest"


def test_the_settings_page_offers_off_or_the_digest(client, cellist):
    client.force_login(cellist)

    page = client.get("/settings/notifications/").content.decode()
    refused = client.post("/settings/notifications/", {"ask_for_you": "immediate"})

    assert SECTION in page
    assert 'name="ask_for_you" value="digest"' in page
    assert 'name="ask_for_you" value="immediate"' not in page
    assert refused.status_code == 200 and "not one of the available choices" in (
        refused.content.decode()
    )
