"""A person deletes a comment, or closes their account: their words go, others' threads stay."""

import pytest

from accounts.services import account_delete
from community.models import Comment, Follow, Report, Takedown
from community.services import (
    comment_create,
    comment_delete,
    contribution_take_down,
    follow_create,
    report_create,
)
from contributions.models import Contribution
from contributions.services import contribution_delete
from tests.accounts.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory
from tests.community.test_comments import client_for, comments_url
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


def test_deleting_a_comment_nobody_answered_removes_it(api_client):
    loop, bo = ContributionFactory(), UserFactory()
    comment = comment_create(author=bo, contribution=loop, body="Oops")

    assert client_for(bo).delete(f"/api/comments/{comment.id}/").status_code == 204

    assert not Comment.objects.exists()
    assert api_client.get(comments_url(loop)).json()["count"] == 0


def test_deleting_a_comment_others_answered_keeps_their_replies(api_client):
    loop, bo, cy = ContributionFactory(), UserFactory(), UserFactory()
    top = comment_create(author=bo, contribution=loop, body="Question?")
    comment_create(author=cy, contribution=loop, body="Answer.", parent=top)

    comment_delete(comment=top, actor=bo)

    shown = api_client.get(comments_url(loop)).json()["results"]
    assert [(c["removed"], c["body"], c["html"]) for c in shown] == [(True, None, None)]
    assert [r["body"] for r in shown[0]["replies"]] == ["Answer."]
    assert Comment.objects.get(pk=top.pk).body == ""
    refused = client_for(cy).post(comments_url(loop), {"body": "More", "parent": top.id})
    assert "deleted" in refused.json()["parent"][0]


def test_only_the_writer_deletes_a_comment():
    loop = ContributionFactory()
    comment = comment_create(author=UserFactory(), contribution=loop, body="Mine")

    refused = client_for(loop.author).delete(f"/api/comments/{comment.id}/")

    assert refused.status_code == 403
    assert refused.json()["detail"] == "Only the person who wrote a comment can delete it."
    assert Comment.objects.filter(pk=comment.pk).exists()


def test_closing_an_account_forgets_follows_and_comments_but_keeps_others_threads():
    leaving, ana, cy = UserFactory(), UserFactory(), UserFactory()
    loop = ContributionFactory(author=ana)
    project = make_project()
    follow_create(follower=leaving, artist=ana)
    follow_create(follower=leaving, project=project)
    follow_create(follower=cy, artist=leaving)
    answered = comment_create(author=leaving, contribution=loop, body="Answered")
    comment_create(author=cy, contribution=loop, body="Reply to them", parent=answered)
    comment_create(author=leaving, contribution=loop, body="Alone")
    other = comment_create(author=cy, contribution=loop, body="Cy's own")
    comment_create(author=leaving, contribution=loop, body="Their reply", parent=other)
    report = report_create(reporter=leaving, contribution=loop, kind="abuse", text="Report")

    account_delete(user=leaving, password=DEFAULT_PASSWORD)

    assert not Follow.objects.filter(follower=leaving).exists()
    assert not Follow.objects.filter(artist=leaving).exists()
    remaining = {(c.author_id, c.body, c.is_removed) for c in Comment.objects.all()}
    assert remaining == {
        (leaving.id, "", True),
        (cy.id, "Reply to them", False),
        (cy.id, "Cy's own", False),
    }
    assert Report.objects.filter(pk=report.pk).exists()


def test_a_taken_down_work_can_still_be_deleted_by_its_author_and_the_record_stays():
    author = UserFactory()
    work = ContributionFactory(author=author, title="Copied")
    contribution_take_down(contribution=work, actor=StaffFactory(), reason="A notice.")

    assert contribution_delete(contribution=work, actor=author) is True

    assert not Contribution.objects.filter(pk=work.pk).exists()
    takedown = Takedown.objects.get()
    assert (takedown.contribution_id, takedown.title, takedown.reason) == (
        None,
        "Copied",
        "A notice.",
    )
    account_delete(user=author, password=DEFAULT_PASSWORD)  # nothing of theirs blocks it
