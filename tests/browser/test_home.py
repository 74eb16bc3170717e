"""The home page opens in a real browser and loads nothing from outside the site."""

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser


def test_home_page_renders_and_stays_on_the_site(page, live_server):
    response = page.goto("/")

    assert response.status == 200
    assert page.locator("h1").inner_text() == "Make things together."
    assert page.locator(".brand").inner_text() == "hitrec"
    site = urlsplit(live_server.url).netloc
    assert page.requested_urls, "the page requested nothing at all"
    assert {urlsplit(url).netloc for url in page.requested_urls} == {site}
    # The stylesheet really loaded: the header is laid out as a flex row.
    assert page.locator(".site-header").evaluate("e => getComputedStyle(e).display") == "flex"
