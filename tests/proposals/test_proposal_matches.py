"""A payment proposal shows, publicly in its comment window, each credited work's undeclared
matches (the earlier works it probably uses and does not credit): in the API as
`undeclared_matches`, on the page in the comments. Read in a constant number of queries."""

import datetime as dt
import re
from fractions import Fraction

import pytest
from django.utils import timezone

from contributions.models import Contribution, RemixLink
from media.credit_guard import prints_of
from media.models import CreditMatch
from media.services import fingerprint_record
from projects.models import Submission
from projects.services import CreditInput
from proposals.models import Proposal
from proposals.services import proposal_publish, proposal_release
from tests.accounts.factories import UserFactory
from tests.contributions.factories import ContributionFactory
from tests.media import fingerprint_samples as samples
from tests.projects.factories import make_project
from tests.proposals.factories import make_production

pytestmark = pytest.mark.django_db


def matched(work, earlier, *, kind="audio", score=0.8, detail=None) -> CreditMatch:
    return CreditMatch.objects.create(
        work=work, earlier=earlier, kind=kind, score=score,
        detail=detail or {"work_seconds": [65.2, 85.0], "earlier_seconds": [12.0, 31.6]},
    )  # fmt: skip


@pytest.fixture
def p():
    """Night Bus: Song (remixing Loop) and Drums accepted. Drums probably uses Tape, by a
    stranger, and Loop (Song's declared source); Song probably uses Loop (declared)."""
    production = make_production()
    production.tape = ContributionFactory(title="Tape", author=UserFactory(username="dee"))
    matched(production.drums, production.tape, score=0.93)
    whole = {"region": [0.1, 0.1, 0.9, 0.9], "mirrored": False, "distance": 17}
    matched(production.drums, production.loop, kind="image", score=0.6, detail=whole)
    quote = {"quoted_text": "declared", "work_chars": [0, 8], "earlier_chars": [0, 8]}
    matched(production.song, production.loop, kind="text", score=0.9, detail=quote)
    return production


@pytest.fixture
def proposal(p):
    return proposal_publish(
        project=p.project, actor=p.prod, credits=p.credits(song=1, drums=1), commercial=False
    )


def test_the_api_lists_each_credited_works_undeclared_matches_to_anyone(api_client, p, proposal):
    body = api_client.get(f"/api/proposals/{proposal.id}/").json()  # signed out

    assert {"id", "status", "revision", "everyone_accepted", "page"} <= set(body)
    (drums,) = body["undeclared_matches"]  # Song's one match is its declared source
    assert (drums["contribution"], drums["title"]) == (p.drums.id, "Drums")
    assert [m["work"]["id"] for m in drums["matches"]] == [p.tape.id, p.loop.id]  # surest first
    tape, loop = drums["matches"]
    assert tape["work"]["author"] == {"id": p.tape.author_id, "username": "dee"}
    assert (tape["score"], tape["kind"]) == (0.93, "audio")
    assert tape["matched"] == {"work_seconds": [65.2, 85.0], "earlier_seconds": [12.0, 31.6]}
    assert (tape["own"], tape["declared"], tape["in_lineage"]) == (False, False, False)
    # Loop is credited through Song, but Drums does not credit it: still listed for Drums.
    assert (loop["kind"], loop["matched"]["distance"]) == ("image", 17)


def test_a_source_declared_since_the_revision_drops_out(api_client, p, proposal):
    RemixLink.objects.create(source=p.loop, remix=p.drums)

    body = api_client.get(f"/api/proposals/{proposal.id}/").json()

    (drums,) = body["undeclared_matches"]
    assert [m["work"]["id"] for m in drums["matches"]] == [p.tape.id]


def test_a_released_proposal_keeps_the_matches_it_was_released_with(
    api_client, client, p, proposal
):
    Proposal.objects.filter(pk=proposal.pk).update(
        window_ends_at=timezone.now() - dt.timedelta(seconds=1)
    )
    proposal.refresh_from_db()
    proposal_release(proposal=proposal, actor=p.prod)
    # Since the release: Drums names Loop (a claim accepted, say; the next release pays
    # it), and Drums was fingerprinted again and matched Tape no more.
    RemixLink.objects.create(source=p.loop, remix=p.drums)
    CreditMatch.objects.filter(work=p.drums, earlier=p.tape).delete()

    body = api_client.get(f"/api/proposals/{proposal.id}/").json()
    page = client.get(f"/proposals/{proposal.id}/").content.decode()

    (drums,) = body["undeclared_matches"]
    assert [m["work"]["id"] for m in drums["matches"]] == [p.tape.id, p.loop.id]
    tape = drums["matches"][0]
    assert tape["work"]["author"] == {"id": p.tape.author_id, "username": "dee"}
    assert (tape["score"], tape["kind"], tape["declared"]) == (0.93, "audio", False)
    assert tape["matched"] == {"work_seconds": [65.2, 85.0], "earlier_seconds": [12.0, 31.6]}
    assert f'<a href="/contributions/{p.tape.id}/" dir="auto">Tape</a>' in page
    assert "almost certainly (93% sure)" in page


def test_an_open_proposal_reads_them_as_of_now_and_nothing_is_kept(api_client, p, proposal):
    CreditMatch.objects.filter(work=p.drums, earlier=p.tape).delete()

    (drums,) = api_client.get(f"/api/proposals/{proposal.id}/").json()["undeclared_matches"]

    assert [m["work"]["id"] for m in drums["matches"]] == [p.loop.id]
    assert Proposal.objects.get(pk=proposal.pk).matches_at_release is None


def test_a_proposal_with_nothing_undeclared_has_an_empty_list(api_client, p):
    proposal = proposal_publish(
        project=p.project, actor=p.prod, credits=p.credits(song=1), commercial=False
    )

    assert api_client.get(f"/api/proposals/{proposal.id}/").json()["undeclared_matches"] == []


def test_a_removed_credited_works_matches_are_not_shown(api_client, p, proposal):
    Contribution.objects.filter(pk=p.drums.pk).update(removed_at="2026-01-01T00:00:00Z")

    assert api_client.get(f"/api/proposals/{proposal.id}/").json()["undeclared_matches"] == []


def test_publishing_answers_with_the_matches_too(api_client, p):
    api_client.force_authenticate(p.prod)

    response = api_client.post(
        f"/api/projects/{p.project.id}/proposals/",
        {"credits": [{"contribution": p.drums.id, "weight": "1"}], "commercial": False},
        format="json",
    )

    assert response.status_code == 201
    assert [row["contribution"] for row in response.json()["undeclared_matches"]] == [p.drums.id]


def test_the_schema_describes_the_new_field(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()

    detail = schema["paths"]["/api/proposals/{proposal_id}/"]["get"]
    ref = detail["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert "undeclared_matches" in component["properties"]


def test_the_page_shows_them_publicly_in_the_comments(client, p, proposal):
    page = client.get(f"/proposals/{proposal.id}/").content.decode()  # signed out

    comments = re.search(r"<section class=\"comments\" id=\"comments\">.*?</section>", page, re.S)
    shown = re.search(r"<div class=\"undeclared-matches\".*?</div>", comments.group(0), re.S)
    assert shown, "the matches are in the comment window"
    listed = shown.group(0)
    assert re.findall(r"<li data-credited=\"(\d+)\">", listed) == [str(p.drums.id)]
    assert f'<a href="/contributions/{p.drums.id}/" dir="auto">Drums</a> looks like it uses:' in (
        listed
    )
    assert f'<a href="/contributions/{p.tape.id}/" dir="auto">Tape</a>' in listed
    assert "almost certainly (93% sure)" in listed
    assert "0:12–0:32 of theirs at 1:05–1:25 of this work" in listed
    assert "Their picture, whole." in listed
    assert "Releasing is still the producers' call" in listed


def test_the_page_says_nothing_when_nothing_is_undeclared(client, p):
    proposal = proposal_publish(
        project=p.project, actor=p.prod, credits=p.credits(song=1), commercial=False
    )

    assert (
        "data-undeclared-matches" not in client.get(f"/proposals/{proposal.id}/").content.decode()
    )


def test_a_quoted_passage_found_by_its_fingerprint_is_shown_escaped(client, api_client):
    poem = samples.prose(31, 300)
    source = ContributionFactory(text=poem, title="The poem")
    quote = samples.quoted_in(samples.passage(poem, seed=8), seed=9)
    work = ContributionFactory(text=quote, title="New verse")
    for each in (source, work):
        fingerprint_record(
            contribution_id=each.pk,
            prints=prints_of(kind="text", original=None, picture=None, text=each.text),
        )
    producer = UserFactory()
    project = make_project(owner=producer)
    Submission.objects.create(
        project=project, contribution=work, submitted_by=work.author, status="accepted"
    )
    proposal = proposal_publish(
        project=project,
        actor=producer,
        credits=[CreditInput(work.id, Fraction(1))],
        commercial=False,
    )
    CreditMatch.objects.filter(work=work).update(
        detail={"quoted_text": "<script>x</script>", "work_chars": [0, 1], "earlier_chars": [0, 1]}
    )

    (row,) = api_client.get(f"/api/proposals/{proposal.id}/").json()["undeclared_matches"]
    page = client.get(f"/proposals/{proposal.id}/").content.decode()

    assert row["matches"][0]["work"]["id"] == source.id
    assert "Their words, quoted in this work:" in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x" not in page


# --- a constant number of queries --------------------------------------------------------------


@pytest.fixture
def growing(p):
    """A proposal crediting 8 more works, one of which probably uses two earlier works it does
    not credit; `more()` finds as much for the 7 others."""
    works = ContributionFactory.create_batch(8)
    for work in works:
        Submission.objects.create(
            project=p.project, contribution=work, submitted_by=work.author, status="accepted"
        )
    proposal = proposal_publish(
        project=p.project, actor=p.prod, commercial=False,
        credits=[CreditInput(work.id, Fraction(1)) for work in works],
    )  # fmt: skip

    def uses_two(work) -> None:
        for earlier in ContributionFactory.create_batch(2):
            matched(work, earlier)

    uses_two(works[0])
    return proposal, lambda: [uses_two(work) for work in works[1:]]


def test_the_detail_api_reads_the_matches_in_a_constant_number_of_queries(
    api_client, growing, django_assert_max_num_queries
):
    proposal, more = growing
    url = f"/api/proposals/{proposal.id}/"

    with django_assert_max_num_queries(40) as counted:
        assert len(api_client.get(url).json()["undeclared_matches"]) == 1
    more()
    with django_assert_max_num_queries(len(counted)):
        body = api_client.get(url).json()

    assert len(body["undeclared_matches"]) == 8
    assert all(len(row["matches"]) == 2 for row in body["undeclared_matches"])


def test_the_page_reads_the_matches_in_a_constant_number_of_queries(
    client, growing, django_assert_max_num_queries
):
    proposal, more = growing
    url = f"/proposals/{proposal.id}/"

    with django_assert_max_num_queries(80) as counted:
        assert client.get(url).content.decode().count("<li data-credited=") == 1
    more()
    with django_assert_max_num_queries(len(counted)):
        page = client.get(url).content.decode()

    assert page.count("<li data-credited=") == 8
