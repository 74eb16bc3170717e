"""Revenue streams that pay only some of a release's credited works (publishing paying the
songwriting): their weights share the stream's pool, their sources are paid as ever."""

from fractions import Fraction
from itertools import combinations

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone

from contributions.models import RemixLink
from projects.models import Submission
from projects.services import CreditInput, project_release
from royalties.models import Posting, RevenueEvent, RevenueStream
from royalties.selectors import release_split, release_split_input
from royalties.services import revenue_record, revenue_stream_create, statements_build_month
from royalties.splits import SplitInput, compute_split
from tests.accounts.factories import UserFactory
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {name: UserFactory(username=name) for name in ("prod", "ana", "bo", "cy", "di")}


@pytest.fixture
def works(people):
    """Ana's loop, remixed by Bo into the song; Cy's lyrics; Di's cover art."""
    loop = ContributionFactory(author=people["ana"], title="Loop")
    song = ContributionFactory(author=people["bo"], title="Song")
    RemixLink.objects.create(source=loop, remix=song)
    return {
        "loop": loop,
        "song": song,
        "lyrics": ContributionFactory(author=people["cy"], title="Lyrics"),
        "art": ContributionFactory(author=people["di"], title="Cover art"),
    }


@pytest.fixture
def project(people, works):
    """Night Bus credits the song (weight 2), the lyrics (1) and the cover art (1)."""
    project = make_project(owner=people["prod"], title="Night Bus", contributor_pool="1/2")
    credited = {"song": 2, "lyrics": 1, "art": 1}
    Submission.objects.bulk_create(
        Submission(project=project, contribution=works[name], submitted_by=works[name].author,
                   status="accepted")
        for name in credited
    )  # fmt: skip
    project_release(
        project=project, actor=people["prod"], commercial=True,
        credits=[CreditInput(works[name].id, weight) for name, weight in credited.items()],
    )  # fmt: skip
    return project


def shares_by_name(split, people) -> dict[str, Fraction]:
    names = {user.id: name for name, user in people.items()}
    return {names[party.user_id]: party.share for party in split.parties}


def test_a_publishing_stream_pays_the_songwriting_and_what_it_builds_on(project, people, works):
    publishing = revenue_stream_create(
        project=project, actor=people["prod"], name="publishing",
        contributions=[works["lyrics"].id, works["song"].id],
    )  # fmt: skip

    split = release_split(release=project.release, stream=publishing)

    # The pool (1/2) is shared by the song (2) and the lyrics (1) alone; the song passes a
    # quarter of its part up to Ana's loop, as in every split. Di's art gets nothing here.
    song = Fraction(1, 2) * Fraction(2, 3)
    assert shares_by_name(split, people) == {
        "prod": Fraction(1, 2),
        "ana": song / 4,
        "bo": song * 3 / 4,
        "cy": Fraction(1, 2) / 3,
    }
    assert sum(shares_by_name(split, people).values()) == 1


def test_revenue_to_such_a_stream_is_allocated_to_its_people_only(project, people, works):
    revenue_stream_create(
        project=project, actor=people["prod"], name="publishing",
        contributions=[works["lyrics"].id],
    )  # fmt: skip

    event, _ = revenue_record(
        project=project, actor=people["prod"], amount="90.00", currency="USD",
        idempotency_key="p1", stream="publishing",
    )  # fmt: skip
    default, _ = revenue_record(
        project=project, actor=people["prod"], amount="90.00", currency="USD",
        idempotency_key="d1",
    )  # fmt: skip

    paid = dict(event.allocations.values_list("user__username", "amount_minor"))
    assert paid == {"prod": 4500, "cy": 4500}
    everyone = dict(default.allocations.values_list("user__username", "amount_minor"))
    assert set(everyone) == {"prod", "ana", "bo", "cy", "di"}
    assert sum(everyone.values()) == 9000
    assert Posting.objects.aggregate(total=Sum("amount_minor"))["total"] == 0


def test_every_subset_of_the_credits_splits_as_those_credits_alone_would(project, people, works):
    credited = [works[name].id for name in ("song", "lyrics", "art")]
    whole = release_split_input(release=project.release)

    for size in (1, 2):
        for n, subset in enumerate(combinations(credited, size)):
            stream = revenue_stream_create(
                project=project, actor=people["prod"], name=f"s{size}-{n}", contributions=subset
            )
            alone = SplitInput(
                credits=[c for c in whole.credits if c.contribution_id in subset],
                policy=whole.policy, producer_id=whole.producer_id, snapshot=whole.snapshot,
            )  # fmt: skip

            split = release_split(release=project.release, stream=stream)

            assert split.shares() == compute_split(alone).shares()
            assert sum(split.shares().values()) == 1


def test_a_stream_naming_every_credit_is_stored_as_paying_every_credit(project, people, works):
    stream = revenue_stream_create(
        project=project, actor=people["prod"], name="master",
        contributions=[works[name].id for name in ("art", "song", "lyrics", "song")],
    )  # fmt: skip

    assert stream.contributions == []
    assert release_split(release=project.release, stream=stream).shares() == (
        release_split(release=project.release).shares()
    )


def test_a_stream_may_pay_only_credited_works_and_only_once_released(project, people, works):
    with pytest.raises(ValidationError) as refused:
        revenue_stream_create(
            project=project, actor=people["prod"], name="publishing",
            contributions=[works["lyrics"].id, works["loop"].id],
        )  # fmt: skip
    assert refused.value.message_dict == {
        "contributions": [
            f"The release of “Night Bus” does not credit #{works['loop'].id}; a stream pays "
            "only credited contributions."
        ]
    }

    draft = make_project(owner=people["prod"], title="Next")
    with pytest.raises(ValidationError, match="once the project is released"):
        revenue_stream_create(
            project=draft, actor=people["prod"], name="publishing",
            contributions=[works["lyrics"].id],
        )  # fmt: skip
    assert not RevenueStream.objects.exists()
    assert not RevenueEvent.objects.exists()


def test_streams_that_pay_some_credits_through_the_api(api_client, project, people, works):
    api_client.force_authenticate(people["prod"])
    url = f"/api/projects/{project.id}/streams/"

    created = api_client.post(
        url, {"name": "publishing", "contributions": [works["lyrics"].id]}, format="json"
    )
    unknown = api_client.post(
        url, {"name": "sync", "contributions": [works["loop"].id]}, format="json"
    )
    malformed = api_client.post(url, {"name": "sync", "contributions": ["x"]}, format="json")

    assert created.status_code == 201
    assert created.json()["contributions"] == [works["lyrics"].id]
    assert unknown.status_code == 400
    assert f"does not credit #{works['loop'].id}" in unknown.json()["contributions"][0]
    assert malformed.status_code == 400 and "contributions" in malformed.json()
    listed = api_client.get(url).json()
    assert [(s["name"], s["contributions"]) for s in listed] == [
        ("publishing", [works["lyrics"].id])
    ]
    split = api_client.get(f"/api/projects/{project.id}/split/?stream=publishing").json()
    assert {party["username"] for party in split["parties"]} == {"prod", "cy"}


def test_a_statement_shows_a_streams_earnings_on_their_own_lines(
    api_client, project, people, works
):
    revenue_stream_create(
        project=project, actor=people["prod"], name="publishing",
        contributions=[works["lyrics"].id],
    )  # fmt: skip
    for key, stream in (("d1", None), ("p1", "publishing")):
        revenue_record(
            project=project, actor=people["prod"], amount="90.00", currency="USD",
            idempotency_key=key, stream=stream,
        )  # fmt: skip

    [cy] = [
        s for s in statements_build_month(period=timezone.now().date()) if s.user.username == "cy"
    ]

    lines = list(cy.lines.order_by("id").values_list("description", "amount_minor"))
    # The release's split gives the lyrics 1/4 of the pool of 1/2; publishing all of it.
    assert lines == [("Night Bus: Lyrics", 1125), ("Night Bus (publishing): Lyrics", 4500)]
    assert cy.earned_minor == sum(amount for _, amount in lines)
    api_client.force_authenticate(people["cy"])
    mine = api_client.get("/api/payouts/me/").json()["lines"]
    assert sorted((line["stream"] or "", line["amount_minor"]) for line in mine) == [
        ("", 1125),
        ("publishing", 4500),
    ]
