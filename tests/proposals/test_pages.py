"""The proposal pages: read by anyone, used with plain forms, with no inline scripts or styles."""

import re

import pytest

from proposals.models import Proposal, ProposalAcceptance, ProposalComment
from proposals.services import proposal_comment, proposal_publish, proposal_revise
from tests.proposals.factories import make_production

pytestmark = pytest.mark.django_db

# A <script> without a src is inline: the Content-Security-Policy would refuse it.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def html_of(response) -> str:
    assert response.status_code == 200
    page = response.content.decode()
    assert not INLINE_SCRIPT.search(page)
    assert " style=" not in page and " on" + "click=" not in page
    return page


@pytest.fixture
def p():
    return make_production()


@pytest.fixture
def proposal(p):
    proposal = proposal_publish(
        project=p.project, actor=p.prod, credits=p.credits(song=1, drums=1), commercial=False
    )
    proposal_revise(
        proposal=proposal, actor=p.prod, credits=p.credits(song=1, drums=3), commercial=False,
        note="Drums carry the track.",
    )  # fmt: skip
    return proposal


def test_the_project_page_links_to_its_proposals(client, p, proposal):
    page = html_of(client.get(f"/projects/{p.project.id}/"))
    assert f'href="/projects/{p.project.id}/proposals/"' in page

    listing = html_of(client.get(f"/projects/{p.project.id}/proposals/"))
    assert f'href="/proposals/{proposal.id}/"' in listing


def test_a_visitor_reads_the_split_the_history_with_its_diff_and_the_comments(client, p, proposal):
    proposal_comment(proposal=proposal, author=p.fan, body="Why *so* little for Loop?")

    page = html_of(client.get(f"/proposals/{proposal.id}/"))

    assert "<td>cy</td><td>3/8</td><td>37.50%</td>" in page  # the current split
    assert "Drums carry the track." in page
    assert "<td>cy</td><td>1/4</td><td>3/8</td><td>1/8 (12.50 points)" in page  # the diff
    assert "<td>ana</td><td>1/16</td><td>1/32</td><td>-1/32 (-3.13 points)" in page
    assert "“Loop” (#" in page  # the path that pays Loop
    assert "<em>so</em>" in page
    assert "Log in</a> to comment" in page
    assert "data-accept" not in page and "data-release" not in page


def test_an_included_person_comments_and_accepts_through_the_page(client, p, proposal):
    client.force_login(p.bo)

    page = html_of(client.get(f"/proposals/{proposal.id}/"))
    commented = client.post(f"/proposals/{proposal.id}/comments/", {"body": "Fair to me."})
    accepted = client.post(f"/proposals/{proposal.id}/accept/")

    assert "data-accept" in page and "data-release" not in page
    comment = ProposalComment.objects.get()
    assert commented["Location"] == f"/proposals/{proposal.id}/#comment-{comment.id}"
    assert accepted.status_code == 302
    assert ProposalAcceptance.objects.filter(person__user=p.bo).count() == 1
    assert "You accepted revision 2." in html_of(client.get(f"/proposals/{proposal.id}/"))


def test_a_refused_action_comes_back_as_a_message(client, p, proposal):
    client.force_login(p.prod)

    response = client.post(f"/proposals/{proposal.id}/release/", follow=True)

    page = html_of(response)
    assert "3 have not: ana, bo, cy" in page
    assert Proposal.objects.get(pk=proposal.pk).status == "open"


def test_the_producer_publishes_and_revises_with_the_weights_form(client, p):
    client.force_login(p.prod)

    form = html_of(client.get(f"/projects/{p.project.id}/proposals/"))
    published = client.post(
        f"/projects/{p.project.id}/proposals/publish/",
        {f"weight-{p.song.id}": "1", f"weight-{p.drums.id}": "0", "note": "Song only."},
    )
    proposal = Proposal.objects.get()
    revised = client.post(
        f"/proposals/{proposal.id}/revise/",
        {f"weight-{p.song.id}": "2", f"weight-{p.drums.id}": "1"},
    )

    assert f'name="weight-{p.drums.id}"' in form
    assert published["Location"] == f"/proposals/{proposal.id}/"
    assert revised.status_code == 302
    assert [
        sorted(c.contribution_id for c in r.credits.all()) for r in proposal.revisions.all()
    ] == [[p.song.id], [p.song.id, p.drums.id]]
