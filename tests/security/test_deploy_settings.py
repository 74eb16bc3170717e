"""Production settings: `check --deploy` passes with no warning, HTTPS is enforced, cookies are
secure, and every page carries the security headers and a CSP that allows no inline script."""

import json
import os
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project

BASE_DIR = Path(django_settings.BASE_DIR)
ONE_YEAR = 365 * 24 * 3600


def production_env(tmp_path, **extra: str) -> dict[str, str]:
    """The environment a production web process gets: DEBUG off, a long random key, a host."""
    # Nothing of this test process's own set-up: security overrides, and the async-safety
    # switch the browser tests turn on for the live server (a production check refuses it).
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SECURE_", "HITREC_")) and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="hitrec.settings",  # not the suite's settings_test
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="hitrec.example.org",
        HITREC_VAR_DIR=str(tmp_path),
    )
    env.update(extra)
    return env


def production_settings(tmp_path, *names: str, **extra: str) -> dict:
    """The named settings as a production process (not this pytest one) reads them."""
    script = (
        "import json, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'hitrec.settings';"
        "from django.conf import settings;"
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)!r}}}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=production_env(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_passes_with_no_warning(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_would_catch_a_development_setting(tmp_path):
    """The check above can fail: the same check with DEBUG on reports it."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=production_env(tmp_path, DEBUG="1"),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr  # DEBUG in deployment


def test_production_defaults_are_https_only(tmp_path):
    values = production_settings(
        tmp_path,
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "X_FRAME_OPTIONS",
        "HITREC_THROTTLE_RATES",
    )

    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SECURE_HSTS_SECONDS"] >= ONE_YEAR
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is True
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY"
    # Every abuse limit is on in production.
    assert all(values["HITREC_THROTTLE_RATES"].values()), values["HITREC_THROTTLE_RATES"]


def test_behind_a_tls_proxy_the_forwarded_scheme_is_trusted_when_asked(tmp_path):
    values = production_settings(
        tmp_path, "SECURE_PROXY_SSL_HEADER", SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto"
    )

    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_each_https_setting_can_be_turned_off_by_its_variable(tmp_path):
    values = production_settings(
        tmp_path,
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_PROXY_SSL_HEADER",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
    )

    assert values == {
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_PROXY_SSL_HEADER": None,  # not trusted unless named
    }


def test_development_serves_plain_http_for_make_run(tmp_path):
    values = production_settings(
        tmp_path, "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "SECURE_HSTS_SECONDS", DEBUG="1"
    )

    assert values == {
        "SECURE_SSL_REDIRECT": False,
        "SESSION_COOKIE_SECURE": False,
        "SECURE_HSTS_SECONDS": 0,
    }


def test_with_redis_the_throttle_counters_go_to_redis_under_their_own_prefix(tmp_path):
    values = production_settings(tmp_path, "CACHES", REDIS_URL="redis://127.0.0.1:6379/12")

    throttle = values["CACHES"]["throttle"]
    assert throttle["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert throttle["LOCATION"] == "redis://127.0.0.1:6379/12"
    assert throttle["KEY_PREFIX"] != values["CACHES"]["default"]["KEY_PREFIX"]


# --- the headers a production process sends --------------------------------------------------


@pytest.fixture
def production(settings):
    """This process's settings as in production (middleware reads them per client)."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = ONE_YEAR
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = settings.SECURE_HSTS_PRELOAD = True
    return settings


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_but_the_health_probe_is_not(production):
    client = Client()

    page = client.get("/contributions/")
    health = client.get("/api/health/")

    assert page.status_code == 301
    assert page["Location"] == "https://testserver/contributions/"
    assert health.status_code in (200, 503)


@pytest.mark.django_db
def test_every_page_carries_the_security_headers(production):
    response = Client().get("/contributions/", secure=True)

    assert response.status_code == 200
    assert (
        response["Strict-Transport-Security"] == f"max-age={ONE_YEAR}; includeSubDomains; preload"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_the_session_and_csrf_cookies_are_secure_httponly_and_same_site(production):
    user = UserFactory()
    client = Client(enforce_csrf_checks=False)

    client.get("/login/", secure=True)
    response = client.post(
        "/login/", {"username": user.username, "password": DEFAULT_PASSWORD}, secure=True
    )

    assert response.status_code == 302
    session, csrf = client.cookies["sessionid"], client.cookies["csrftoken"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    assert csrf["secure"] and csrf["samesite"] == "Lax"


class InlineCode(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block: inline scripts and handlers."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        self.found += [f"<{tag} {name}=…>" for name in names if name.startswith("on")]
        if tag == "script" and not names.get("src") and names.get("type") != "application/json":
            self._in_inline_script = True
        if any((value or "").strip().lower().startswith("javascript:") for value in names.values()):
            self.found.append(f"<{tag}> with a javascript: URL")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data):
        if self._in_inline_script and data.strip():
            self.found.append(f"inline <script>: {data.strip()[:60]}")


@pytest.mark.django_db
def test_the_pages_have_no_inline_script_for_the_policy_to_block(client):
    artist = UserFactory()
    work = ContributionFactory(author=artist, title="Verse")
    project = make_project(owner=artist)
    client.force_login(artist)
    paths = [
        "/",
        "/login/",
        "/signup/",
        "/contributions/",
        f"/contributions/{work.id}/",
        "/contributions/new/",
        "/projects/",
        f"/projects/{project.id}/",
        f"/projects/{project.id}/desk/",
        "/dashboard/",
        "/api/docs/",
    ]

    found = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        parser = InlineCode()
        parser.feed(response.content.decode())
        if parser.found:
            found[path] = parser.found

    assert found == {}


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["SECRET_KEY"]

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert result.returncode != 0
    assert "The environment variable SECRET_KEY is not set, and DEBUG is off" in result.stderr


def test_development_starts_without_a_secret_key_on_a_known_insecure_one(tmp_path):
    env = production_env(tmp_path, DEBUG="1")
    del env["SECRET_KEY"]

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    # It starts; the deployment check names the insecure key (and DEBUG) as unfit.
    assert "security.W009" in result.stdout + result.stderr
