"""A project ready for a payment proposal: people, their work (one remix) and accepted submissions."""

from dataclasses import dataclass
from fractions import Fraction

from accounts.models import User
from contributions.models import Contribution, RemixLink
from projects.models import Project, Submission
from projects.services import CreditInput
from tests.accounts.factories import UserFactory
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project


@dataclass
class Production:
    project: Project
    prod: User
    ana: User  # Loop
    bo: User  # Song, a remix of Loop
    cy: User  # Drums
    fan: User  # in nothing; comments
    loop: Contribution
    song: Contribution
    drums: Contribution

    def credits(self, **weights: int | Fraction) -> list[CreditInput]:
        """Credits by work name, e.g. credits(song=1, drums=2)."""
        return [CreditInput(getattr(self, name).id, Fraction(w)) for name, w in weights.items()]


def make_production(title: str = "Night Bus") -> Production:
    """An open project with Song (remixing Loop) and Drums accepted, built like producers do."""
    people = {name: UserFactory(username=name) for name in ("prod", "ana", "bo", "cy", "fan")}
    loop = ContributionFactory(author=people["ana"], title="Loop")
    song = ContributionFactory(author=people["bo"], title="Song")
    drums = ContributionFactory(author=people["cy"], title="Drums")
    RemixLink.objects.create(source=loop, remix=song)
    project = make_project(owner=people["prod"], title=title)
    for work in (song, drums):
        Submission.objects.create(
            project=project, contribution=work, submitted_by=work.author, status="accepted"
        )
    return Production(project=project, loop=loop, song=song, drums=drums, **people)
