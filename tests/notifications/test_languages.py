"""Notifications and their emails are written in each recipient's language: their choice,
else the site's (English). The Spanish catalog is still to come, so the expected Spanish is
computed here with gettext under Spanish; what proves the language without a catalog is
the language each text and each email is put together in."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext

from contributions.services import contribution_create
from notifications import emails
from notifications.models import Kind, Notification
from notifications.services import preferences_set
from notifications.services.recording import notifications_record, texts_written
from notifications.tasks import send_digests
from tests.accounts.factories import UserFactory
from tests.contributions.factories import ContributionFactory

pytestmark = pytest.mark.django_db


def spanish(message: str, **params) -> str:
    with translation.override("es"):
        return gettext(message) % params


@pytest.fixture
def readers(people, loop):
    """ana reads Spanish, fan English (chosen), bo has chosen nothing (English)."""
    people["ana"].language = "es"
    people["ana"].save(update_fields=["language"])
    people["fan"].language = "en"
    people["fan"].save(update_fields=["language"])
    beat = ContributionFactory(author=people["fan"], title="Beat")
    return {"loop": loop, "beat": beat}


def remix_both(people, readers, capture):
    with capture(execute=True):
        return contribution_create(
            author=people["bo"], title="Song", text="W.",
            sources=[readers["loop"].id, readers["beat"].id],
        )  # fmt: skip


def text_of(user) -> str:
    return Notification.objects.get(recipient=user).text


def test_a_spanish_reader_is_told_in_spanish_and_an_english_one_in_english(
    people, readers, django_capture_on_commit_callbacks
):
    remix_both(people, readers, django_capture_on_commit_callbacks)

    assert text_of(people["fan"]) == "bo remixed your “Beat” in “Song”."
    assert text_of(people["ana"]) == spanish(
        "%(name)s remixed your %(works)s in “%(title)s”.",
        name="bo", works="“Loop”", title="Song",
    )  # fmt: skip


def test_each_text_is_written_in_its_recipients_language_once_per_language():
    languages = {1: "en", 2: "es", 3: "en", 4: "es", 5: "en"}
    written_in = []

    def words() -> str:
        written_in.append(translation.get_language())
        return f"in {translation.get_language()}"

    written = texts_written(dict.fromkeys(languages, words), languages)

    assert sorted(written_in) == ["en", "es"]  # shared words: once per language, not per person
    assert written == {user_id: f"in {language}" for user_id, language in languages.items()}


def test_recording_reads_the_recipients_languages_in_the_same_queries_whatever_their_number(
    db,
):
    def record(key: str, count: int) -> dict[int, str]:
        people = [
            UserFactory(language=("es", "en", "")[n % 3]) for n in range(count)
        ]  # fmt: skip
        written_in: dict[int, str] = {}

        def words_for(user_id: int):
            def words() -> str:
                written_in[user_id] = translation.get_language()
                return "Hello."

            return words

        with CaptureQueriesContext(connection) as queries:
            notifications_record(
                kind=Kind.MENTION, key=key, actor_id=None, link="/",
                texts={person.id: words_for(person.id) for person in people},
            )  # fmt: skip
        expected = {person.id: person.language or "en" for person in people}
        assert written_in == expected
        return len(queries)

    assert record("few", 3) == record("many", 30)


def test_the_email_of_a_notification_is_written_in_its_recipients_language(
    people, readers, django_capture_on_commit_callbacks, monkeypatch
):
    for name in ("ana", "fan"):
        preferences_set(user=people[name], preferences={"remixed": "immediate"})
    rendered: list[tuple[str, str]] = []
    real = emails.render_to_string

    def render(template, context):
        rendered.append((context["recipient"].username, translation.get_language()))
        return real(template, context)

    monkeypatch.setattr(emails, "render_to_string", render)

    remix_both(people, readers, django_capture_on_commit_callbacks)

    by_address = {email.to[0]: email for email in mail.outbox}
    english = by_address[people["fan"].email]
    assert english.subject == "hitrec: bo remixed your “Beat” in “Song”."
    assert "bo remixed your “Beat” in “Song”." in english.body
    ana_text = text_of(people["ana"])
    assert by_address[people["ana"].email].subject == spanish("hitrec: %(text)s", text=ana_text)
    # Both parts of each email, rendered in the recipient's language.
    assert sorted(rendered) == [("ana", "es"), ("ana", "es"), ("fan", "en"), ("fan", "en")]
    assert translation.get_language() == "en"  # and nothing leaks out of the email


def test_the_digest_is_written_in_its_recipients_language(
    people, readers, django_capture_on_commit_callbacks, monkeypatch
):
    for name in ("ana", "fan"):
        preferences_set(user=people[name], preferences={"remixed": "digest"})
    remix_both(people, readers, django_capture_on_commit_callbacks)
    rendered: list[tuple[str, str, str]] = []
    real = emails.render_to_string

    def render(template, context):
        labels = [str(section["label"]) for section in context["sections"]]
        rendered.append((context["recipient"].username, translation.get_language(), labels[0]))
        return real(template, context)

    monkeypatch.setattr(emails, "render_to_string", render)

    with django_capture_on_commit_callbacks(execute=True):
        send_digests()

    by_address = {email.to[0]: email for email in mail.outbox}
    assert by_address[people["fan"].email].subject == "hitrec: your daily digest"
    assert by_address[people["ana"].email].subject == spanish("hitrec: your daily digest")
    label = Kind.REMIXED.label
    with translation.override("es"):
        spanish_label = str(label)
    assert sorted(rendered) == [
        ("ana", "es", spanish_label), ("ana", "es", spanish_label),
        ("fan", "en", "Your work was remixed"), ("fan", "en", "Your work was remixed"),
    ]  # fmt: skip
