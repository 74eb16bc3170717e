"""People and a project for the notification tests, built through the real services."""

import pytest

from contributions.models import RemixLink
from tests.accounts.factories import UserFactory
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project


@pytest.fixture
def people(db):
    return {name: UserFactory(username=name) for name in ("prod", "ana", "bo", "fan")}


@pytest.fixture
def loop(people):
    return ContributionFactory(author=people["ana"], title="Loop")


@pytest.fixture
def song(people, loop):
    song = ContributionFactory(author=people["bo"], title="Song")
    RemixLink.objects.create(source=loop, remix=song)
    return song


@pytest.fixture
def project(people):
    return make_project(owner=people["prod"], title="Night Bus")
