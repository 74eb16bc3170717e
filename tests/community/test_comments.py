"""Comments: threads one level deep, sanitised bodies, hiding by the author or producers, mentions."""

import pytest
from django.core.exceptions import PermissionDenied
from rest_framework.test import APIClient

from community.models import COMMENT_MAX_CHARS, Comment
from community.services import comment_create, comment_hide, comment_unhide
from hitrec.events import TextPublished
from projects.services import member_accept, member_invite
from tests.accounts.factories import StaffFactory, UserFactory
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def comments_url(work) -> str:
    return f"/api/contributions/{work.id}/comments/"


@pytest.fixture
def loop():
    return ContributionFactory(author=UserFactory(username="ana"), title="Loop")


def test_a_signed_in_person_comments_and_anyone_reads_it(loop, api_client):
    bo = UserFactory(username="bo")

    response = client_for(bo).post(comments_url(loop), {"body": "Lovely *texture*."})

    assert response.status_code == 201
    body = response.json()
    assert body["author"] == {"id": bo.id, "username": "bo"}
    assert body["body"] == "Lovely *texture*."
    assert body["html"] == "<p>Lovely <em>texture</em>.</p>"
    listed = api_client.get(comments_url(loop)).json()
    assert listed["count"] == 1
    assert listed["results"][0]["html"] == "<p>Lovely <em>texture</em>.</p>"


def test_only_signed_in_people_comment(loop, api_client):
    response = api_client.post(comments_url(loop), {"body": "Hi"})

    assert response.status_code in (401, 403)
    assert not Comment.objects.exists()


def test_bodies_are_sanitised_like_text_contributions(loop):
    nasty = (
        "Hi <script>alert(1)</script> [click](javascript:alert(2)) "
        '<a href="javascript:alert(3)" onclick="x()">me</a> <img src="https://t.example/p.gif">'
    )

    body = client_for(UserFactory()).post(comments_url(loop), {"body": nasty}).json()

    html = body["html"].lower()
    assert "<script" not in html
    assert "javascript:" not in html
    assert "onclick" not in html
    assert "<img" not in html  # a remote image would tell a third party who read the page
    assert body["body"] == nasty  # the source is kept as written


def test_empty_and_too_long_comments_are_refused_with_the_limit(loop):
    client = client_for(UserFactory())

    empty = client.post(comments_url(loop), {"body": "   "})
    too_long = client.post(comments_url(loop), {"body": "x" * (COMMENT_MAX_CHARS + 1)})

    assert empty.status_code == 400
    assert "body" in empty.json()
    assert too_long.status_code == 400
    assert "5000" in too_long.json()["body"][0]
    assert not Comment.objects.exists()


def test_a_reply_to_a_reply_joins_the_top_comments_thread(loop, api_client):
    ana, bo, cy = loop.author, UserFactory(), UserFactory()
    top = comment_create(author=bo, contribution=loop, body="First")
    reply = client_for(ana).post(comments_url(loop), {"body": "Thanks", "parent": top.id}).json()

    nested = client_for(cy).post(comments_url(loop), {"body": "Agreed", "parent": reply["id"]})

    assert nested.status_code == 201
    assert nested.json()["parent"] == top.id
    listed = api_client.get(comments_url(loop)).json()["results"]
    assert [c["body"] for c in listed] == ["First"]
    assert [(r["body"], r["parent"]) for r in listed[0]["replies"]] == [
        ("Thanks", top.id),
        ("Agreed", top.id),
    ]


def test_a_reply_must_be_on_the_same_page(loop):
    elsewhere = comment_create(author=UserFactory(), contribution=ContributionFactory(), body="x")

    response = client_for(UserFactory()).post(
        comments_url(loop), {"body": "y", "parent": elsewhere.id}
    )

    assert response.status_code == 400
    assert response.json() == {"parent": ["That comment is on another page."]}


def test_a_removed_work_takes_no_comments(loop):
    loop.removed_at = loop.created_at
    loop.save()

    response = client_for(UserFactory()).post(comments_url(loop), {"body": "Hi"})

    assert response.status_code == 400
    assert "was removed" in response.json()["detail"]


def test_the_author_hides_an_abusive_comment_and_others_see_only_that_it_was_hidden(
    loop, api_client
):
    troll, reader, staff = UserFactory(), UserFactory(), StaffFactory()
    abuse = comment_create(author=troll, contribution=loop, body="You are awful")

    response = client_for(loop.author).post(f"/api/comments/{abuse.id}/hide/")

    assert response.status_code == 200
    for client in (api_client, client_for(reader), client_for(troll)):
        shown = client.get(comments_url(loop)).json()["results"][0]
        assert shown["hidden"] is True
        assert shown["hidden_by"] == "the author"
        assert shown["body"] is None and shown["html"] is None
    for moderator in (loop.author, staff):
        shown = client_for(moderator).get(comments_url(loop)).json()["results"][0]
        assert shown["hidden"] is True
        assert shown["body"] == "You are awful"


def test_only_the_author_or_staff_hide_comments_on_a_work(loop):
    comment = comment_create(author=UserFactory(), contribution=loop, body="Meh")

    refused = client_for(UserFactory()).post(f"/api/comments/{comment.id}/hide/")

    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "Only the author of “Loop” (or staff) can hide comments there."
    )
    assert not Comment.objects.get(pk=comment.pk).is_hidden
    assert client_for(StaffFactory()).post(f"/api/comments/{comment.id}/hide/").status_code == 200
    assert Comment.objects.get(pk=comment.pk).hidden_role == "staff"


def test_hiding_is_reversible_by_the_moderators(loop, api_client):
    comment = comment_create(author=UserFactory(), contribution=loop, body="Heated")
    comment_hide(comment=comment, actor=loop.author)

    assert client_for(UserFactory()).post(f"/api/comments/{comment.id}/unhide/").status_code == 403
    response = client_for(loop.author).post(f"/api/comments/{comment.id}/unhide/")

    assert response.status_code == 200
    shown = api_client.get(comments_url(loop)).json()["results"][0]
    assert shown["hidden"] is False
    assert shown["body"] == "Heated"


def test_what_staff_hid_only_staff_show_again(loop):
    comment = comment_create(author=UserFactory(), contribution=loop, body="Threat")
    staff = StaffFactory()
    comment_hide(comment=comment, actor=staff)

    with pytest.raises(PermissionDenied, match="only staff can show it again"):
        comment_unhide(comment=comment, actor=loop.author)
    assert comment_unhide(comment=comment, actor=staff).is_hidden is False


def test_a_hidden_comment_takes_no_replies(loop):
    comment = comment_create(author=UserFactory(), contribution=loop, body="Rude")
    comment_hide(comment=comment, actor=loop.author)

    response = client_for(UserFactory()).post(
        comments_url(loop), {"body": "Reply", "parent": comment.id}
    )

    assert response.status_code == 400
    assert "hidden" in response.json()["parent"][0]


def test_the_producers_hide_comments_on_their_project(api_client):
    owner, co, outsider = UserFactory(), UserFactory(), UserFactory()
    project = make_project(owner=owner, title="Night Bus")
    member_invite(project=project, actor=owner, username=co.username)
    member_accept(project=project, actor=co)
    comments = [comment_create(author=outsider, project=project, body=f"#{i}") for i in range(2)]
    url = f"/api/projects/{project.id}/comments/"

    refused = client_for(outsider).post(f"/api/comments/{comments[0].id}/hide/")
    by_owner = client_for(owner).post(f"/api/comments/{comments[0].id}/hide/")
    by_co = client_for(co).post(f"/api/comments/{comments[1].id}/hide/")

    assert refused.status_code == 403
    assert "producers of “Night Bus”" in refused.json()["detail"]
    assert by_owner.status_code == by_co.status_code == 200
    shown = api_client.get(url).json()["results"]
    assert [(c["hidden"], c["hidden_by"], c["body"]) for c in shown] == [
        (True, "the producers", None),
        (True, "the producers", None),
    ]


def test_comments_on_a_draft_project_are_for_its_members_only(api_client):
    owner = UserFactory()
    draft = make_project(owner=owner, status="draft")
    comment = comment_create(author=owner, project=draft, body="Note to self")
    outsider = client_for(UserFactory())

    assert api_client.get(f"/api/projects/{draft.id}/comments/").status_code == 404
    assert outsider.post(f"/api/projects/{draft.id}/comments/", {"body": "x"}).status_code == 404
    assert outsider.post(f"/api/comments/{comment.id}/hide/").status_code == 404
    assert client_for(owner).get(f"/api/projects/{draft.id}/comments/").json()["count"] == 1


def test_a_comment_announces_its_words_where_they_can_be_read(
    loop, heard, django_capture_on_commit_callbacks
):
    published = heard(TextPublished)
    bo = UserFactory(username="bo")

    with django_capture_on_commit_callbacks(execute=True):
        comment = comment_create(author=bo, contribution=loop, body="Hey @ana, can I remix this?")
        on_project = comment_create(author=bo, project=make_project(title="Tram"), body="@ana look")

    assert published == [
        TextPublished(
            text="Hey @ana, can I remix this?",
            actor_id=bo.id,
            url=f"/contributions/{loop.id}/#comment-{comment.id}",
            place="contribution",
            title="Loop",
        ),
        TextPublished(
            text="@ana look",
            actor_id=bo.id,
            url=f"/projects/{on_project.project_id}/#comment-{on_project.id}",
            place="project",
            title="Tram",
        ),
    ]


def test_a_mention_reaches_the_mentioned_person_after_commit(
    loop, django_capture_on_commit_callbacks
):
    """End to end through the notifications app, which subscribes to TextPublished."""
    from notifications import models

    with django_capture_on_commit_callbacks(execute=True):
        comment_create(author=UserFactory(), contribution=loop, body="Nice one @ana")

    notice = models.Notification.objects.get(recipient=loop.author)
    assert notice.kind == "mention"
    assert f"/contributions/{loop.id}/#comment-" in notice.link


@pytest.mark.parametrize("threads", [2, 12])
def test_listing_comments_costs_the_same_whatever_their_number(
    loop, threads, django_assert_max_num_queries
):
    people = [UserFactory() for _ in range(3)]
    for i in range(threads):
        top = comment_create(author=people[i % 3], contribution=loop, body=f"top {i}")
        for j in range(2):
            comment_create(author=people[j], contribution=loop, body=f"re {j}", parent=top)
    comment_hide(comment=top, actor=loop.author)
    client = client_for(people[0])

    # contribution, moderator check (none: not the author), count, page, replies
    with django_assert_max_num_queries(5):
        response = client.get(comments_url(loop))

    assert len(response.json()["results"]) == threads
