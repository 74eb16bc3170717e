"""The pages: comment, hide, follow and report with plain forms; no inline scripts, no counts."""

import re

import pytest

from community.models import Comment, Follow, Report
from community.services import comment_create, comment_hide, follow_create
from projects.models import Ask
from tests.accounts.factories import StaffFactory, UserFactory
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db

# A <script> without a src is inline: the Content-Security-Policy will refuse it.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def html_of(response) -> str:
    assert response.status_code == 200
    page = response.content.decode()
    assert not INLINE_SCRIPT.search(page)
    assert " on" + "click=" not in page
    return page


@pytest.fixture
def loop():
    return ContributionFactory(author=UserFactory(username="ana"), title="Loop")


def test_a_visitor_reads_the_conversation_and_is_asked_to_log_in(client, loop):
    comment_create(author=UserFactory(), contribution=loop, body="So *good*")

    page = html_of(client.get(f"/contributions/{loop.id}/"))

    assert "Conversation" in page
    assert "<em>good</em>" in page
    assert "to join the conversation" in page
    assert "Follow" not in page and "Report this work" not in page


def test_commenting_and_replying_through_the_page(client, loop):
    bo = UserFactory()
    client.force_login(bo)

    posted = client.post(f"/contributions/{loop.id}/comments/", {"body": "Hi <script>x</script>"})
    top = Comment.objects.get()
    replied = client.post(
        f"/contributions/{loop.id}/comments/", {"body": "Me again", "parent": top.id}
    )

    assert posted.status_code == 302
    assert posted["Location"] == f"/contributions/{loop.id}/#comment-{top.id}"
    assert replied.status_code == 302
    assert Comment.objects.get(body="Me again").parent == top
    page = html_of(client.get(f"/contributions/{loop.id}/"))
    assert f'id="comment-{top.id}"' in page
    assert "Me again" in page
    assert "<script>x" not in page


def test_an_empty_comment_comes_back_with_a_message(client, loop):
    client.force_login(UserFactory())

    response = client.post(f"/contributions/{loop.id}/comments/", {"body": ""}, follow=True)

    assert "This field is required." in html_of(response)
    assert not Comment.objects.exists()


def test_the_author_hides_from_the_page_and_visitors_see_the_note(client, loop):
    comment = comment_create(author=UserFactory(), contribution=loop, body="Nasty words")
    client.force_login(loop.author)

    page = html_of(client.get(f"/contributions/{loop.id}/"))
    assert f"/comments/{comment.id}/hide/" in page
    client.post(f"/comments/{comment.id}/hide/")
    own_view = html_of(client.get(f"/contributions/{loop.id}/"))
    client.logout()
    visitor_view = html_of(client.get(f"/contributions/{loop.id}/"))

    assert Comment.objects.get(pk=comment.pk).is_hidden
    assert "Hidden by the author." in own_view and "Nasty words" in own_view
    assert "Show it again" in own_view
    assert "Hidden by the author." in visitor_view
    assert "Nasty words" not in visitor_view


def test_someone_else_cannot_hide_from_the_page(client, loop):
    comment = comment_create(author=UserFactory(), contribution=loop, body="Fine")
    client.force_login(UserFactory())

    response = client.post(f"/comments/{comment.id}/hide/", follow=True)

    assert "Only the author of “Loop” (or staff) can hide comments there." in html_of(response)
    assert not Comment.objects.get(pk=comment.pk).is_hidden


def test_following_an_artist_and_a_project_fills_the_home_page(client, loop):
    me = UserFactory()
    project = make_project(title="Night Bus")
    client.force_login(me)

    followed = client.post("/artists/ana/follow/", {"next": f"/contributions/{loop.id}/"})
    client.post(f"/projects/{project.id}/follow/", {"next": "https://evil.example/"})
    Ask.objects.create(project=project, kind="audio", description="a cello line")

    assert followed["Location"] == f"/contributions/{loop.id}/"
    assert Follow.objects.filter(follower=me).count() == 2
    work_page = html_of(client.get(f"/contributions/{loop.id}/"))
    assert "You follow" in work_page and "Unfollow" in work_page
    home = html_of(client.get("/"))
    assert "From people and projects you follow" in home
    assert home.index("a cello line") < home.index(">Loop<")

    client.post("/artists/ana/unfollow/")
    assert not Follow.objects.filter(follower=me, artist=loop.author).exists()


def test_the_home_page_invites_following_when_one_follows_nobody(client):
    client.force_login(UserFactory())

    assert "Follow artists from their work" in html_of(client.get("/"))


def test_the_project_page_has_a_follow_button_and_its_conversation(client):
    project = make_project(title="Night Bus")
    comment_create(author=UserFactory(), project=project, body="When is the deadline?")
    client.force_login(UserFactory())

    page = html_of(client.get(f"/projects/{project.id}/"))

    assert "Follow this project" in page
    assert "When is the deadline?" in page
    assert f'action="/projects/{project.id}/comments/"' in page


def test_no_follower_counts_anywhere(client, loop):
    for _ in range(3):
        follow_create(follower=UserFactory(), artist=loop.author)

    page = html_of(client.get(f"/contributions/{loop.id}/"))

    assert "follower" not in page.lower()


def test_reporting_through_the_page(client, loop):
    client.force_login(UserFactory())

    form = html_of(client.get(f"/contributions/{loop.id}/report/"))
    sent = client.post(
        f"/contributions/{loop.id}/report/",
        {"kind": "infringement", "text": "My drawing, traced."},
        follow=True,
    )
    twice = client.post(f"/contributions/{loop.id}/report/", {"kind": "abuse", "text": "Again"})

    assert "Infringement" in form
    assert "Thank you. Staff will look at your report." in html_of(sent)
    assert Report.objects.get().text == "My drawing, traced."
    assert "You already reported “Loop”" in html_of(twice)


def test_a_hidden_comment_hidden_by_staff_offers_the_author_no_unhide(client, loop):
    comment = comment_create(author=UserFactory(), contribution=loop, body="Threat")
    comment_hide(comment=comment, actor=StaffFactory())
    client.force_login(loop.author)

    page = html_of(client.get(f"/contributions/{loop.id}/"))

    assert "Hidden by staff." in page
    assert f"/comments/{comment.id}/unhide/" not in page


def test_the_writer_deletes_their_comment_from_the_page(client, loop):
    bo = UserFactory()
    mine = comment_create(author=bo, contribution=loop, body="Second thoughts")
    theirs = comment_create(author=UserFactory(), contribution=loop, body="Not yours")
    client.force_login(bo)

    page = html_of(client.get(f"/contributions/{loop.id}/"))
    client.post(f"/comments/{mine.id}/delete/")

    assert f"/comments/{mine.id}/delete/" in page
    assert f"/comments/{theirs.id}/delete/" not in page
    assert not Comment.objects.filter(pk=mine.pk).exists()


def test_a_removed_work_offers_no_comment_form(client, loop):
    loop.removed_at = loop.created_at
    loop.save()
    client.force_login(UserFactory())

    page = html_of(client.get(f"/contributions/{loop.id}/"))

    assert "it takes no more comments" in page
    assert 'class="stack comment-form"' not in page
    assert "Report this work" not in page
