"""Asks for you: open asks tagged with a skill the person lists, outside their own projects,
newest first, never by popularity, in a fixed number of queries."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.services import user_profile_update
from community.models import Follow
from projects.asks_for_you import asks_for_you
from projects.models import Ask, ProjectMember
from projects.services import ask_create, ask_update, member_invite
from tests.accounts.factories import UserFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def cellist():
    person = UserFactory(username="cellist")
    user_profile_update(user=person, skills=["Cello", "Illustration"])
    return person


def ask(project, description: str, tags: list[str], **fields) -> Ask:
    return ask_create(
        project=project, actor=project.owner, kind="audio", description=description, tags=tags,
        **fields,
    )  # fmt: skip


def descriptions(person, limit: int = 10) -> list[str]:
    return [item.ask.description for item in asks_for_you(user=person, limit=limit)]


def test_open_asks_matching_a_skill_are_yours_with_the_tags_that_matched(cellist):
    project = make_project(title="Night Bus")
    ask(project, "A cello line", ["strings", "Cello"])
    ask(project, "A cover", ["illustration"])
    ask(project, "Drums", ["drums"])
    ask(project, "Untagged", [])

    found = asks_for_you(user=cellist, limit=10)

    assert [(item.ask.description, item.matched) for item in found] == [
        ("A cover", ["illustration"]),
        ("A cello line", ["cello"]),
    ]
    assert found[0].ask.project.title == "Night Bus"


def test_own_projects_drafts_released_and_filled_asks_are_left_out(cellist):
    own = make_project(owner=cellist, title="Mine")
    ask(own, "My own cello", ["cello"])
    invited = make_project(title="Invited")
    member_invite(project=invited, actor=invited.owner, username="cellist")
    ask(invited, "Invited cello", ["cello"])
    draft = make_project(title="Draft", status="draft")
    ask(draft, "Draft cello", ["cello"])
    filled = ask(make_project(title="Filled"), "Filled cello", ["cello"])
    ask_update(ask=filled, actor=filled.project.owner, status="filled")
    released = make_project(title="Released")
    ask(released, "Released cello", ["cello"])
    released.status = "released"
    released.save()
    ask(make_project(title="Open"), "Open cello", ["cello"])

    assert descriptions(cellist) == ["Open cello"]
    assert ProjectMember.objects.filter(project=invited, user=cellist).exists()


def test_newest_first_never_by_popularity(cellist):
    popular = make_project(title="Popular")
    quiet = make_project(title="Quiet")
    first = ask(popular, "Posted first", ["cello"])
    second = ask(quiet, "Posted second", ["cello"])
    third = ask(popular, "Posted third", ["cello"])
    for _ in range(5):
        Follow.objects.create(follower=UserFactory(), project=popular)
    # Posted at the same moment: the later id first.
    moment = timezone.now() - dt.timedelta(hours=1)
    Ask.objects.filter(pk__in=[first.pk, second.pk]).update(created_at=moment)
    Ask.objects.filter(pk=third.pk).update(created_at=moment - dt.timedelta(days=1))

    assert descriptions(cellist) == ["Posted second", "Posted first", "Posted third"]
    assert descriptions(cellist, limit=2) == ["Posted second", "Posted first"]


def test_no_skills_or_no_sign_in_means_no_asks(cellist):
    from django.contrib.auth.models import AnonymousUser

    ask(make_project(), "A cello line", ["cello"])

    assert asks_for_you(user=UserFactory(), limit=10) == []
    assert asks_for_you(user=AnonymousUser(), limit=10) == []
    user_profile_update(user=cellist, skills=[])
    assert asks_for_you(user=cellist, limit=10) == []


@pytest.mark.parametrize("count", [1, 25])
def test_a_fixed_number_of_queries_whatever_the_asks(cellist, count, django_assert_num_queries):
    for n in range(count):
        ask(make_project(title=f"P{n}"), f"Part {n}", ["cello", f"take-{n}", "illustration"])

    with django_assert_num_queries(3):
        found = asks_for_you(user=cellist, limit=50)
        titles = [(item.ask.project.title, item.ask.project.owner.username) for item in found]

    assert len(titles) == count and all(item.matched for item in found)
