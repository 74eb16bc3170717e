"""In a real browser: follow an artist, join the conversation, and see the follow on the home page."""

import re

import pytest

from community.models import Comment, Follow
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.contributions.factories import ContributionFactory

pytestmark = pytest.mark.browser


def test_follow_comment_reply_and_the_home_page(page, live_server, tmp_path):
    ana, bo = UserFactory(username="ana", display_name="Ana"), UserFactory(username="bo")
    loop = ContributionFactory(author=ana, title="Loop")
    page.goto("/login/")
    page.fill("input[name=username]", bo.username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard/$"))

    page.goto(f"/contributions/{loop.id}/")
    page.click("text=Follow Ana")
    page.wait_for_selector("text=You follow Ana.")
    page.fill(".comment-form textarea[name=body]", "Lovely **loop**, @ana")
    page.click(".comment-form button[type=submit]")
    page.wait_for_selector(".comment-body strong")
    page.click(".reply summary")
    page.fill(".reply textarea[name=body]", "And a reply")
    page.click(".reply button[type=submit]")
    page.wait_for_selector(".replies .comment-body")
    page.screenshot(path=str(tmp_path / "contribution.png"), full_page=True)

    page.goto("/")
    feed = page.locator(".following-feed")
    assert "From people and projects you follow" in feed.inner_text()
    assert "Ana made Loop" in feed.inner_text()
    top = Comment.objects.get(parent__isnull=True)
    assert [c.body for c in top.replies.all()] == ["And a reply"]
    assert Follow.objects.filter(follower=bo, artist=ana).exists()
    site = live_server.url
    assert all(url.startswith(site) for url in page.requested_urls)
