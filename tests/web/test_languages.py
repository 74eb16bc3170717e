"""Pages in the reader's language: their choice, else the language switch's cookie, else the
browser's Accept-Language; numbers, money and dates as the reader writes them; the API keeps
its machine formats."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.contributions.factories import ContributionFactory

pytestmark = pytest.mark.django_db


def spanish(message: str) -> str:
    """The catalog's Spanish for an English message; it must be translated for the test to
    mean anything."""
    with translation.override("es"):
        translated = translation.gettext(message)
    assert translated != message, f"“{message}” has no Spanish translation"
    return translated


def signed_in(client, user: User):
    client.login(username=user.username, password=DEFAULT_PASSWORD)
    return client


def test_a_browser_asking_for_spanish_gets_the_pages_in_spanish(client):
    page = client.get(reverse("web:browse"), HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9,en;q=0.5")

    html = page.content.decode()
    assert '<html lang="es" dir="ltr">' in html
    assert f"<h1>{spanish('Browse')}</h1>" in html
    assert page["Content-Language"] == "es"


def test_a_language_hitrec_is_not_written_in_falls_back_to_english(client):
    page = client.get(reverse("web:browse"), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")

    assert '<html lang="en"' in page.content.decode()
    assert "<h1>Browse</h1>" in page.content.decode()


def test_the_language_switch_keeps_the_choice_in_a_cookie_and_returns_to_the_page(client):
    answer = client.post(
        reverse("accounts:language-choose"), {"language": "es", "next": "/projects/?page=1"}
    )

    assert answer.status_code == 302
    assert answer["Location"] == "/projects/?page=1"
    assert answer.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    # The cookie wins over the browser's own language from then on.
    page = client.get(reverse("web:projects"), HTTP_ACCEPT_LANGUAGE="en")
    assert f"<h1>{spanish('Projects')}</h1>" in page.content.decode()


def test_the_switch_refuses_a_language_it_does_not_have_and_a_next_elsewhere(client):
    refused = client.post(reverse("accounts:language-choose"), {"language": "xx", "next": "/"})
    away = client.post(
        reverse("accounts:language-choose"),
        {"language": "es", "next": "https://elsewhere.example/phish"},
    )

    assert refused.status_code == 400
    assert "xx" in refused.content.decode()
    assert settings.LANGUAGE_COOKIE_NAME not in refused.cookies
    assert away.status_code == 302
    assert away["Location"] == reverse("web:home")


def test_signed_in_the_switch_is_kept_in_the_persons_settings_and_beats_the_browser(client):
    person = UserFactory()
    signed_in(client, person)

    client.post(reverse("accounts:language-choose"), {"language": "es", "next": "/"})
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)  # say, another device
    page = client.get(reverse("web:browse"), HTTP_ACCEPT_LANGUAGE="en")

    person.refresh_from_db()
    assert person.language == "es"
    assert f"<h1>{spanish('Browse')}</h1>" in page.content.decode()


def test_on_the_settings_page_a_person_can_go_back_to_the_browsers_language(client):
    person = UserFactory(language="es")
    signed_in(client, person)

    answer = client.post(reverse("accounts:language"), {"language": ""})
    page = client.get(reverse("web:browse"), HTTP_ACCEPT_LANGUAGE="en")

    person.refresh_from_db()
    assert answer.status_code == 302
    assert person.language == ""
    assert "<h1>Browse</h1>" in page.content.decode()


def test_every_page_offers_the_switch_with_each_language_named_in_itself(client):
    html = client.get(reverse("web:home")).content.decode()

    assert 'action="/language/"' in html
    assert '<option value="es" lang="es">español</option>' in html
    assert '<option value="en" lang="en" selected>English</option>' in html


def test_the_api_says_and_sets_the_language_and_names_a_wrong_one(user_client):
    api = user_client

    changed = api.patch("/api/auth/me/", {"language": "es"}, format="json")
    refused = api.patch("/api/auth/me/", {"language": "klingon"}, format="json")

    assert changed.status_code == 200
    assert changed.json()["language"] == "es"
    assert refused.status_code == 400
    assert "klingon" in str(refused.json()["language"])


def test_api_errors_follow_accept_language(user_client):
    api = user_client

    refused = api.patch(
        "/api/auth/me/", {"language": "klingon"}, format="json", HTTP_ACCEPT_LANGUAGE="es"
    )

    with translation.override("es"):
        expected = translation.gettext("hitrec is not written in “%(language)s”.") % {
            "language": "klingon"
        }
    assert expected != "hitrec is not written in “klingon”."
    assert refused.json()["language"] == [expected]


def test_dates_are_written_as_the_reader_writes_them(client):
    work = ContributionFactory()

    english = client.get(reverse("web:contribution", args=[work.id]), HTTP_ACCEPT_LANGUAGE="en")
    spanish_page = client.get(
        reverse("web:contribution", args=[work.id]), HTTP_ACCEPT_LANGUAGE="es"
    )

    day = work.created_at
    assert f"{day:%b} {day.day}, {day.year}" in english.content.decode()
    assert f" {day.year}" in spanish_page.content.decode()
    assert f"{day:%b} {day.day}, {day.year}" not in spanish_page.content.decode()


def test_the_api_keeps_machine_formats_whatever_the_language(user_client):
    work = ContributionFactory()
    api = user_client

    english = api.get(f"/api/contributions/{work.id}/", HTTP_ACCEPT_LANGUAGE="en").json()
    in_spanish = api.get(f"/api/contributions/{work.id}/", HTTP_ACCEPT_LANGUAGE="es").json()

    assert english["created_at"] == in_spanish["created_at"]
    assert english["kind"] == in_spanish["kind"] == "text"


def test_a_jobs_stage_keeps_its_english_name_and_is_also_said_in_the_readers_language(
    user_client,
):
    # The processing page's progress reads `stage_label` as it polls; clients keep `stage`.
    work = ContributionFactory(status="processing", progress_stage="fingerprinting")

    english = user_client.get(f"/api/contributions/{work.id}/", HTTP_ACCEPT_LANGUAGE="en")
    in_spanish = user_client.get(f"/api/contributions/{work.id}/", HTTP_ACCEPT_LANGUAGE="es")

    assert english.json()["progress"]["stage"] == in_spanish.json()["progress"]["stage"]
    assert english.json()["progress"]["stage_label"] == "fingerprinting"
    assert in_spanish.json()["progress"]["stage_label"] == spanish("fingerprinting")
