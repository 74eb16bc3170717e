"""An artist lists the skills they offer, as tags: through /api/auth/me/ or their settings
page; they are shown on their artist page and go when the account is closed."""

import pytest

from accounts.models import UserSkill
from accounts.selectors import skills_of
from accounts.services import account_delete, user_profile_update
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/auth/me/"


def test_skills_are_set_through_me_in_one_spelling_and_shown_back(user_client, user):
    assert user_client.get(ME).json()["skills"] == []

    response = user_client.patch(
        ME, {"skills": ["Cello", "Illustration", "cello", "Field Recording"]}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["skills"] == ["cello", "illustration", "field-recording"]
    assert user_client.get(ME).json()["skills"] == ["cello", "illustration", "field-recording"]
    # Other fields are left as they are; a change of skills replaces them.
    user_client.patch(ME, {"bio": "Strings."}, format="json")
    assert user_client.get(ME).json()["skills"] == ["cello", "illustration", "field-recording"]
    assert user_client.patch(ME, {"skills": ["viola"]}, format="json").json()["skills"] == ["viola"]
    assert user_client.patch(ME, {"skills": []}, format="json").json()["skills"] == []


@pytest.mark.parametrize(
    ("skills", "problem"),
    [
        (["cello", "…"], "“…” is not a tag: a tag needs a letter or a digit."),
        ([f"skill-{n}" for n in range(21)], "At most 20 tags, please; these are 21."),
        (["y" * 101], "Ensure this field has no more than 100 characters."),
    ],
)
def test_bad_skills_answer_400_naming_the_problem_and_change_nothing(
    user_client, user, skills, problem
):
    user_profile_update(user=user, skills=["cello"])

    response = user_client.patch(ME, {"bio": "Changed?", "skills": skills}, format="json")

    assert response.status_code == 400
    assert problem in str(response.json()["skills"])
    user.refresh_from_db()
    assert user.bio != "Changed?" and skills_of(user=user) == ["cello"]


def test_the_service_refuses_too_many_skills_before_writing_anything(user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        user_profile_update(user=user, bio="Changed?", skills=[f"s{n}" for n in range(21)])

    assert refused.value.message_dict == {"skills": ["At most 20 tags, please; these are 21."]}
    user.refresh_from_db()
    assert user.bio != "Changed?" and not UserSkill.objects.exists()


@pytest.mark.parametrize(
    ("typed", "skills"),
    [
        ("Cello, double bass,viola", ["cello", "double-bass", "viola"]),
        ("Cello  viola double-bass", ["cello", "viola", "double-bass"]),
        ("", []),
    ],
)
def test_the_settings_page_takes_skills_separated_by_commas_or_else_spaces(
    client, user, typed, skills
):
    user_profile_update(user=user, skills=["harp"])
    client.force_login(user)
    assert "data-skills-form" in client.get("/settings/account/").content.decode()

    saved = client.post("/settings/account/skills/", {"skills": typed})

    assert saved.status_code == 302 and saved["Location"].endswith("#skills")
    assert skills_of(user=user) == skills
    page = client.get("/settings/account/").content.decode()
    assert f'name="skills" value="{", ".join(skills)}"' in page or not skills


def test_the_settings_page_shows_what_is_wrong_and_keeps_the_old_skills(client, user):
    user_profile_update(user=user, skills=["cello"])
    client.force_login(user)

    refused = client.post(
        "/settings/account/skills/", {"skills": " ".join(f"s{n}" for n in range(21))}
    )

    assert refused.status_code == 400
    assert "At most 20 tags, please; these are 21." in refused.content.decode()
    assert skills_of(user=user) == ["cello"]


def test_the_artist_page_shows_the_skills(client):
    person = UserFactory(username="ana")
    user_profile_update(user=person, skills=["Cello", "illustration"])

    page = client.get("/artists/ana/").content.decode()

    assert "data-skills" in page and ">cello<" in page and ">illustration<" in page
    assert "data-skills" not in client.get(f"/artists/{UserFactory().username}/").content.decode()


def test_closing_the_account_removes_the_skills(user):
    user_profile_update(user=user, skills=["cello"])

    account_delete(user=user, password=DEFAULT_PASSWORD)

    assert not UserSkill.objects.exists()
