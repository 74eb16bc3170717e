"""While Redis is down, the abuse limits on what people make let uploads and comments
through (logged), and the limits that guard accounts answer 503 with Retry-After before
anything is written: a real redis-server is started for the counters, then stopped."""

import logging
import shutil
import socket
import subprocess
import time
import uuid

import pytest
import redis
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from community.models import Comment
from contributions.models import Contribution
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.contributions.factories import ContributionFactory
from tests.contributions.uploads import png_upload

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="no redis-server"),
]

LIMITED = {
    "auth": "100/min",
    "login_failures": "5/15m",
    "uploads": "100/min",
    "comments": "100/min",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def counters(settings, tmp_path):
    """A Redis of the test's own holding the throttle counters; `stop()` takes it away."""
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    settings.HITREC_THROTTLE_RATES = LIMITED

    class Counters:
        def stop(self):
            server.terminate()
            server.wait(timeout=10)

        def keys(self) -> int:
            return len(client.keys("*"))

    yield Counters()
    if server.poll() is None:
        server.terminate()
        server.wait(timeout=10)


def signed_in(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_with_redis_up_the_counters_count(counters):
    response = signed_in(UserFactory()).post(
        "/api/contributions/",
        {"title": "Up", "license": "hitrec", "file": png_upload()},
        format="multipart",
    )

    assert response.status_code == 201
    assert counters.keys() >= 1


def test_uploads_and_comments_go_through_while_redis_is_down(counters, caplog):
    artist = UserFactory()
    work = ContributionFactory()
    counters.stop()

    with caplog.at_level(logging.WARNING, logger="hitrec.throttles"):
        upload = signed_in(artist).post(
            "/api/contributions/",
            {"title": "Down", "license": "hitrec", "file": png_upload()},
            format="multipart",
        )
        comment = signed_in(artist).post(
            f"/api/contributions/{work.id}/comments/", {"body": "Still here."}, format="json"
        )

    assert upload.status_code == 201
    assert Contribution.objects.filter(title="Down").exists()
    assert comment.status_code == 201
    assert Comment.objects.filter(body="Still here.").exists()
    assert "throttle counters unavailable: uploads not limited" in caplog.text
    assert "throttle counters unavailable: comments not limited" in caplog.text


def test_sign_ins_sign_ups_and_tokens_answer_503_while_redis_is_down(counters, client):
    person = UserFactory()
    counters.stop()

    token = APIClient().post(
        "/api/auth/token/", {"username": person.username, "password": DEFAULT_PASSWORD}
    )
    register = APIClient().post(
        "/api/auth/register/",
        {"username": "newcomer", "email": "n@example.org", "password": "a-long-passphrase-9"},
    )
    page = client.post("/login/", {"username": person.username, "password": DEFAULT_PASSWORD})

    for response in (token, register):
        assert response.status_code == 503
        assert response["Retry-After"] == "30"
        assert "password guessing" in response.json()["detail"]
    assert page.status_code == 503
    assert "password guessing" in page.content.decode()
    assert not Token.objects.filter(user=person).exists()
    assert not User.objects.filter(username="newcomer").exists()
    assert "_auth_user_id" not in client.session
