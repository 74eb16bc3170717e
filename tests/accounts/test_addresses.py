"""Addresses people prove they read: a signed, expiring link on sign-up and on every change;
until then no notification is emailed there; the old address is told of a change."""

import datetime as dt
import re

import pytest
from django.core import mail, signing
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import address_verify, user_profile_update
from notifications.models import Notification
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def token_in(message) -> str:
    match = re.search(r"/email/verify/([^/\s]+)/", message.body)
    assert match, message.body
    return match[1]


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_sign_up_sends_a_link_that_verifies_the_address(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        APIClient().post(
            "/api/auth/register/",
            {"username": "ana", "email": "ana@example.org", "password": "a-long-passphrase-9"},
        )
    ana = User.objects.get(username="ana")
    assert not ana.email_verified
    assert mail.outbox[0].to == ["ana@example.org"]

    verified = APIClient().post("/api/auth/email/verify/", {"token": token_in(mail.outbox[0])})

    ana.refresh_from_db()
    assert verified.status_code == 200
    assert verified.json() == {"field": "email", "address": "ana@example.org"}
    assert ana.email_verified
    assert signed_in(ana).get("/api/auth/me/").json()["email_verified"] is True


def test_a_forged_expired_or_outdated_link_verifies_nothing(
    django_capture_on_commit_callbacks, settings
):
    ana = UserFactory(email="old@example.org", email_verified_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(ana).post("/api/auth/me/email/verification/", {"field": "email"})
    token = token_in(mail.outbox[0])

    forged = APIClient().post("/api/auth/email/verify/", {"token": token[:-2] + "xx"})
    settings.HITREC_EMAIL_VERIFY_SECONDS = -1
    expired = APIClient().post("/api/auth/email/verify/", {"token": token})
    settings.HITREC_EMAIL_VERIFY_SECONDS = 3600
    User.objects.filter(pk=ana.pk).update(email="new@example.org")
    outdated = APIClient().post("/api/auth/email/verify/", {"token": token})

    assert "not one hitrec sent" in str(forged.json())
    assert "expired" in str(expired.json())
    assert "no longer use" in str(outdated.json())
    ana.refresh_from_db()
    assert ana.email_verified_at is None


def test_changing_the_address_needs_the_password_unverifies_it_and_tells_the_old_one(
    django_capture_on_commit_callbacks,
):
    ana = UserFactory(email="old@example.org")

    refused = signed_in(ana).post(
        "/api/auth/me/email/", {"email": "new@example.org", "password": "no"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        moved = signed_in(ana).post(
            "/api/auth/me/email/", {"email": "new@example.org", "password": DEFAULT_PASSWORD}
        )

    assert refused.status_code == 400 and "password" in refused.json()
    assert moved.status_code == 200
    assert moved.json()["email"] == "new@example.org"
    assert moved.json()["email_verified"] is False
    sent = {message.to[0]: message for message in mail.outbox}
    assert set(sent) == {"new@example.org", "old@example.org"}
    assert "/email/verify/" in sent["new@example.org"].body
    assert "no longer uses this email address" in sent["old@example.org"].body


def test_a_new_payout_address_must_be_verified_too(django_capture_on_commit_callbacks):
    ana = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        user_profile_update(user=ana, payout_email="pay@example.org")

    assert not ana.payee_verified
    assert mail.outbox[0].to == ["pay@example.org"]
    address_verify(token=token_in(mail.outbox[0]))
    ana.refresh_from_db()
    assert ana.payee_verified and ana.payee_email == "pay@example.org"


def test_no_notification_is_emailed_to_an_unverified_address(django_capture_on_commit_callbacks):
    from hitrec.events import TextPublished, announce

    UserFactory(username="ana", email_verified_at=None)
    UserFactory(username="fay")
    with django_capture_on_commit_callbacks(execute=True):
        announce(TextPublished(
            text="@ana @fay hi", actor_id=UserFactory().id, url="/x/", place="project", title="T",
        ))  # fmt: skip

    statuses = dict(Notification.objects.values_list("recipient__username", "email_status"))
    assert statuses["ana"] == Notification.EmailStatus.NONE  # listed in the app, not mailed
    assert statuses["fay"] != Notification.EmailStatus.NONE


def test_on_the_page_the_link_asks_for_a_click_before_it_verifies(
    client, django_capture_on_commit_callbacks
):
    ana = UserFactory(email_verified_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(ana).post("/api/auth/me/email/verification/", {"field": "email"})
    token = token_in(mail.outbox[0])

    opened = client.get(f"/email/verify/{token}/")
    ana.refresh_from_db()
    assert opened.status_code == 200 and ana.email_verified_at is None  # a scanner's visit
    confirmed = client.post(f"/email/verify/{token}/")
    ana.refresh_from_db()
    assert confirmed.status_code == 302 and ana.email_verified_at is not None
    assert client.post("/email/verify/garbage/").status_code == 400


def test_the_token_names_the_address_it_was_sent_to():
    ana = UserFactory(email="ana@example.org")
    from accounts.services.addresses import verification_token

    payload = signing.loads(
        verification_token(user=ana, field="email"), salt="accounts.address-verification"
    )
    assert payload == {"u": ana.pk, "f": "email", "a": "ana@example.org"}


def test_a_payout_waits_for_a_verified_address_and_the_person_is_told(client):
    from royalties.models import PayoutItem, Statement
    from royalties.services import payout_batch_create
    from tests.accounts.factories import StaffFactory

    ana = UserFactory(email_verified_at=None)
    bo = UserFactory()
    for person in (ana, bo):
        Statement.objects.create(
            user=person, period="2026-11-01", currency="USD", status=Statement.Status.ISSUED,
            earned_minor=5000, payable_minor=5000,
        )  # fmt: skip

    batch = payout_batch_create(actor=StaffFactory())
    client.force_login(ana)
    earnings = client.get("/dashboard/").content.decode()

    assert list(PayoutItem.objects.filter(batch=batch).values_list("payee_email", flat=True)) == [
        bo.email
    ]
    assert Statement.objects.get(user=ana).status == Statement.Status.ISSUED  # still owed
    assert "data-payout-held" in earnings


def test_a_bounce_from_the_providers_webhook_stops_mail_until_the_address_is_verified_again(
    settings, django_capture_on_commit_callbacks
):
    settings.HITREC_MAIL_WEBHOOK_TOKEN = "shared-secret"
    ana = UserFactory(email="ana@example.org")
    hook = "/api/auth/mail/bounces/"
    bounce = {"RecordType": "Bounce", "Type": "HardBounce", "Email": "ANA@example.org"}

    forged = APIClient().post(hook, bounce, format="json")
    transient = APIClient().post(
        hook, {**bounce, "Type": "Transient"}, format="json",
        HTTP_X_HITREC_WEBHOOK_TOKEN="shared-secret",
    )  # fmt: skip
    ana.refresh_from_db()
    assert forged.status_code == 403 and transient.status_code == 204
    assert ana.email_verified

    hard = APIClient().post(
        hook, bounce, format="json", HTTP_X_HITREC_WEBHOOK_TOKEN="shared-secret"
    )
    ana.refresh_from_db()
    assert hard.status_code == 204
    assert not ana.email_verified and ana.email_bounced_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        signed_in(ana).post("/api/auth/me/email/verification/", {"field": "email"})
    address_verify(token=token_in(mail.outbox[-1]))
    ana.refresh_from_db()
    assert ana.email_verified and ana.email_bounced_at is None


def test_staff_mark_an_address_as_bouncing_from_the_admin(client):
    from tests.accounts.factories import StaffFactory
    from tests.accounts.two_factor import signed_in_with_second_factor

    ana = UserFactory(email="ana@example.org")
    signed_in_with_second_factor(client, StaffFactory(is_superuser=True))

    client.post("/admin/accounts/user/", {"action": "mark_bounced", "_selected_action": [ana.pk]})

    ana.refresh_from_db()
    assert not ana.email_verified and ana.email_bounced_at is not None


def test_a_held_statement_says_why_in_its_download():
    from royalties.documents import statement_csv
    from royalties.models import Statement
    from royalties.selectors import statement_document

    ana = UserFactory(email_verified_at=None)
    statement = Statement.objects.create(
        user=ana, period=dt.date(2026, 11, 1), currency="USD", status=Statement.Status.ISSUED,
        earned_minor=5000, payable_minor=5000,
    )  # fmt: skip

    csv = statement_csv(statement_document(statement=statement)).decode()

    assert "hitrec pays only an address its owner has verified" in csv
