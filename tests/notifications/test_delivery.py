"""Preferences decide what is sent: nothing, an email at once, or one daily digest; every
email has a plain-text part, an HTML part and a one-click unsubscribe link that works."""

import re

import pytest
from django.core import mail
from django.test import Client

from contributions.services import contribution_create
from notifications.models import Notification, Preference
from notifications.services import preferences_set
from notifications.tasks import send_digests
from projects.models import Submission
from projects.services import submission_decide
from tests.contributions.factories import ContributionFactory

pytestmark = pytest.mark.django_db

SITE = "http://hitrec.test"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.HITREC_SITE_URL = SITE


def remix(people, loop, capture, title="Song"):
    with capture(execute=True):
        return contribution_create(author=people["bo"], title=title, text="W.", sources=[loop.id])


def unsubscribe_links(body: str) -> list[str]:
    return re.findall(re.escape(SITE) + r"(/notifications/unsubscribe/[^/\s]+/)", body)


def test_off_records_nothing_and_sends_nothing(people, loop, django_capture_on_commit_callbacks):
    preferences_set(user=people["ana"], preferences={"remixed": "off"})

    remix(people, loop, django_capture_on_commit_callbacks)

    assert Notification.objects.count() == 0
    assert mail.outbox == []


def test_immediately_sends_one_email_with_text_html_and_unsubscribe(
    people, loop, django_capture_on_commit_callbacks
):
    preferences_set(user=people["ana"], preferences={"remixed": "immediate"})

    work = remix(people, loop, django_capture_on_commit_callbacks)

    [email] = mail.outbox
    assert email.to == [people["ana"].email]
    assert email.subject == "hitrec: bo remixed your “Loop” in “Song”."
    assert "bo remixed your “Loop” in “Song”." in email.body
    assert f"{SITE}/contributions/{work.id}/" in email.body
    [(html, mime)] = email.alternatives
    assert mime == "text/html"
    assert "bo remixed your “Loop” in “Song”." in html
    assert f'href="{SITE}/contributions/{work.id}/"' in html
    [link] = unsubscribe_links(email.body)
    assert link in html
    assert email.extra_headers["List-Unsubscribe"] == f"<{SITE}{link}>"
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    notification = Notification.objects.get()
    assert notification.email_status == "sent" and notification.emailed_at is not None


def test_an_email_is_sent_once_even_if_its_job_runs_again(
    people, loop, django_capture_on_commit_callbacks
):
    remix(people, loop, django_capture_on_commit_callbacks)  # remixed: immediate by default
    from notifications.tasks import send_email

    send_email.delay(Notification.objects.get().id)

    assert len(mail.outbox) == 1


def test_the_digest_waits_then_sends_one_email_once(
    people, loop, project, django_capture_on_commit_callbacks
):
    preferences_set(user=people["ana"], preferences={"remixed": "digest"})
    preferences_set(user=people["bo"], preferences={"submission_decided": "digest"})
    remix(people, loop, django_capture_on_commit_callbacks, title="Song")
    remix(people, loop, django_capture_on_commit_callbacks, title="Other song")
    work = ContributionFactory(author=people["bo"], title="Cello")
    submission = Submission.objects.create(
        project=project, contribution=work, submitted_by=people["bo"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        submission_decide(submission=submission, actor=people["prod"], accept=True)

    assert mail.outbox == []
    assert Notification.objects.filter(email_status="digest").count() == 3

    send_digests.delay()

    by_person = {email.to[0]: email for email in mail.outbox}
    assert set(by_person) == {people["ana"].email, people["bo"].email}
    ana = by_person[people["ana"].email]
    assert ana.subject == "hitrec: your daily digest"
    assert "bo remixed your “Loop” in “Song”." in ana.body
    assert "bo remixed your “Loop” in “Other song”." in ana.body
    [(html, _)] = ana.alternatives
    assert "“Other song”" in html
    # One link per kind in the body, one for the whole digest in the header and the footer.
    assert len(unsubscribe_links(ana.body)) == 2
    assert "List-Unsubscribe" in ana.extra_headers
    assert Notification.objects.filter(email_status="digested").count() == 3

    send_digests.delay()

    assert len(mail.outbox) == 2


def test_the_digest_drops_a_kind_turned_off_while_it_waited(
    people, loop, django_capture_on_commit_callbacks
):
    preferences_set(user=people["ana"], preferences={"remixed": "digest"})
    remix(people, loop, django_capture_on_commit_callbacks)
    Preference.objects.filter(user=people["ana"]).update(delivery="off")

    send_digests.delay()

    assert mail.outbox == []
    assert Notification.objects.get().email_status == "dropped"


def test_no_address_means_in_the_app_only(people, loop, django_capture_on_commit_callbacks):
    people["ana"].email = ""
    people["ana"].save()

    remix(people, loop, django_capture_on_commit_callbacks)

    assert Notification.objects.get().email_status == "none"
    assert mail.outbox == []


def test_the_unsubscribe_link_in_the_email_turns_the_kind_off_without_logging_in(
    people, loop, django_capture_on_commit_callbacks
):
    remix(people, loop, django_capture_on_commit_callbacks)
    [link] = unsubscribe_links(mail.outbox[0].body)

    response = Client().get(link)

    assert response.status_code == 200
    assert "Your work was remixed" in response.content.decode()
    assert Preference.objects.get(user=people["ana"], kind="remixed").delivery == "off"
    remix(people, loop, django_capture_on_commit_callbacks, title="Again")
    assert len(mail.outbox) == 1
    assert Notification.objects.count() == 1
    assert Client().get(link).status_code == 200  # a second click is harmless


def test_a_mail_clients_one_click_post_works_without_a_csrf_token(
    people, loop, django_capture_on_commit_callbacks
):
    remix(people, loop, django_capture_on_commit_callbacks)
    header = mail.outbox[0].extra_headers["List-Unsubscribe"]
    url = header.strip("<>").removeprefix(SITE)

    response = Client(enforce_csrf_checks=True).post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    assert Preference.objects.get(user=people["ana"], kind="remixed").delivery == "off"


def test_the_digest_footer_link_stops_every_digest_kind(
    people, loop, django_capture_on_commit_callbacks
):
    preferences_set(user=people["ana"], preferences={"remixed": "digest", "mention": "immediate"})
    remix(people, loop, django_capture_on_commit_callbacks)
    send_digests.delay()
    url = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>").removeprefix(SITE)

    assert Client().get(url).status_code == 200

    chosen = dict(Preference.objects.filter(user=people["ana"]).values_list("kind", "delivery"))
    assert chosen["remixed"] == chosen["ask_posted"] == chosen["revenue"] == "off"
    assert chosen["mention"] == "immediate"


@pytest.mark.parametrize("damage", ["flip", "other-user", "garbage"])
def test_a_tampered_token_is_refused_and_changes_nothing(
    people, loop, damage, django_capture_on_commit_callbacks
):
    remix(people, loop, django_capture_on_commit_callbacks)
    [link] = unsubscribe_links(mail.outbox[0].body)
    token = link.split("/")[-2]
    if damage == "flip":
        token = token[:-1] + ("A" if token[-1] != "A" else "B")
    elif damage == "other-user":
        payload, rest = token.split(":", 1)
        token = payload[:-2] + "xx:" + rest
    else:
        token = "not-a-token"

    response = Client().get(f"/notifications/unsubscribe/{token}/")

    assert response.status_code == 400
    assert "damaged or was not made by hitrec" in response.content.decode()
    assert not Preference.objects.filter(user=people["ana"]).exists()


def test_the_send_digests_command_does_what_beat_does(
    people, loop, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    preferences_set(user=people["ana"], preferences={"remixed": "digest"})
    remix(people, loop, django_capture_on_commit_callbacks)

    call_command("send_digests")
    call_command("send_digests")

    assert [email.subject for email in mail.outbox] == ["hitrec: your daily digest"]
