"""Every page works under the site's Content-Security-Policy: no inline script, nothing external."""

import re

import pytest

from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project

pytestmark = pytest.mark.browser


def test_pages_load_with_no_policy_violation(page, live_server):
    artist = UserFactory()
    work = ContributionFactory(author=artist, title="Verse")
    project = make_project(owner=artist)
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.goto("/login/")
    page.fill("input[name=username]", artist.username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r"/dashboard/$"))

    for path in ["/", "/contributions/", f"/contributions/{work.id}/", "/contributions/new/",
                 "/projects/", f"/projects/{project.id}/", f"/projects/{project.id}/desk/",
                 "/dashboard/", "/notifications/"]:  # fmt: skip
        response = page.goto(path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)

    assert violations == []
