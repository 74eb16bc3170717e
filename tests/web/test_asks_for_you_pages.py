"""Asks' tags on the project page and the desk (links to their tag pages), tagging an ask on
the desk, and the asks for your skills on your home page in a fixed number of queries."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.services import user_profile_update
from projects.models import Ask
from projects.services import ask_create
from tests.accounts.factories import UserFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    return make_project(owner=UserFactory(username="prod"), title="Night Bus")


def tagged(project, description: str, tags: list[str]) -> Ask:
    return ask_create(
        project=project, actor=project.owner, kind="audio", description=description, tags=tags
    )


def test_the_project_page_and_the_desk_link_each_tag_to_its_page(client, project):
    ask = tagged(project, "A low line", ["cello", "double-bass"])
    cello = reverse("web:tag", kwargs={"tag": "cello"})
    bass = reverse("web:tag", kwargs={"tag": "double-bass"})

    page = client.get(reverse("web:project", args=[project.id])).content.decode()
    client.force_login(project.owner)
    desk = client.get(reverse("web:desk", args=[project.id])).content.decode()

    for html in (page, desk):
        assert f'data-ask="{ask.id}"' in html
        assert f'<a class="tag" href="{cello}" rel="tag">cello</a>' in html
        assert f'href="{bass}"' in html


@pytest.mark.parametrize(
    ("typed", "tags"),
    [("Cello, double bass", ["cello", "double-bass"]), ("cello  viola", ["cello", "viola"])],
)
def test_the_desk_tags_an_ask_from_text_separated_by_commas_or_else_spaces(
    client, project, typed, tags
):
    client.force_login(project.owner)

    client.post(
        reverse("web:desk-ask", args=[project.id]),
        {"kind": "audio", "description": "Strings", "quantity": "1", "tags": typed},
    )

    ask = Ask.objects.get()
    assert [t.name for t in ask.tags.all()] == tags


def test_the_desk_refuses_bad_tags_by_name_and_adds_no_ask(client, project):
    client.force_login(project.owner)

    response = client.post(
        reverse("web:desk-ask", args=[project.id]),
        {"kind": "audio", "description": "Strings", "quantity": "1",
         "tags": " ".join(f"t{n}" for n in range(21))},
    )  # fmt: skip

    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert said == ["Skills it takes, as tags: At most 20 tags, please; these are 21."]
    assert not Ask.objects.exists()


def test_home_lists_the_asks_for_your_skills_newest_first(client, project):
    cellist = UserFactory(username="cellist")
    user_profile_update(user=cellist, skills=["cello"])
    tagged(project, "First cello", ["cello"])
    tagged(project, "Drums", ["drums"])
    tagged(project, "Second cello", ["strings", "cello"])
    own = make_project(owner=cellist, title="Mine")
    tagged(own, "My own cello", ["cello"])
    client.force_login(cellist)

    page = client.get(reverse("web:home")).content.decode()

    assert "Asks for you" in page and "data-asks-for-you" in page
    assert page.index("Second cello") < page.index("First cello")
    assert "Drums" not in page and "My own cello" not in page
    assert reverse("web:project", args=[project.id]) in page


def test_home_says_so_when_no_ask_matches_and_nothing_without_skills(client, project):
    tagged(project, "Drums", ["drums"])
    cellist = UserFactory()
    user_profile_update(user=cellist, skills=["cello"])

    client.force_login(cellist)
    with_skills = client.get(reverse("web:home")).content.decode()
    client.force_login(UserFactory())
    without = client.get(reverse("web:home")).content.decode()
    client.logout()
    anonymous = client.get(reverse("web:home")).content.decode()

    assert "No open ask needs your skills right now." in with_skills
    assert "data-asks-for-you" not in without and "data-asks-for-you" not in anonymous


def test_the_home_page_is_a_fixed_number_of_queries_whatever_the_asks(
    client, django_assert_max_num_queries
):
    cellist = UserFactory()
    user_profile_update(user=cellist, skills=["cello", "viola"])
    client.force_login(cellist)
    client.get(reverse("web:home"))  # the first request of a test reads what is then cached

    def home_with(asks: int) -> tuple[str, int]:
        for n in range(asks):
            project = make_project(owner=UserFactory(), title=f"Project {n}")
            tagged(project, f"Part {n}", ["cello", f"take-{n}"])
        with django_assert_max_num_queries(40) as counted:
            page = client.get(reverse("web:home")).content.decode()
        return page, len(counted)

    few_page, few = home_with(1)
    many_page, many = home_with(15)

    assert "Part 0" in few_page and "Part 14" in many_page
    assert many == few
