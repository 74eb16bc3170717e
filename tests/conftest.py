"""Fixtures shared by the whole suite: API clients, isolated media storage, in-process tasks."""

import pytest
from rest_framework.test import APIClient

from hitrec.celery import app as celery_app
from tests.accounts.factories import UserFactory

pytest_plugins = ["tests.integration.worker", "tests.browser.fixtures"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):
    """Each test writes uploads and renditions into its own folder, never into var/media."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


@pytest.fixture(autouse=True)
def _no_cached_reads_from_other_tests():
    """Ids repeat across tests and runs (each rolls back), so no test may see another's cached
    API reads: a new generation for each test (hitrec/caching.py)."""
    from hitrec.caching import CONTRIBUTIONS, generation_bump

    generation_bump(CONTRIBUTIONS)


@pytest.fixture(scope="session", autouse=True)
def _no_sound_index_from_earlier_runs(request):
    """The sound index in Redis outlives a run, and ids start again with each test database:
    each run starts with none (media/sound_index.py keeps one per database name)."""
    from django.conf import settings

    if not settings.HITREC_SOUND_INDEX_URL:
        return
    from media import sound_index

    request.getfixturevalue("django_db_setup")
    try:
        sound_index.clear()
    except Exception as exc:  # noqa: BLE001 (no Redis: the tests that need it say so)
        print(f"the sound index was not cleared: {exc}")


@pytest.fixture(autouse=True)
def _sound_index_builds_at_once(request, monkeypatch):
    """A unit test builds the sound index in its own process, inside its own transaction: no
    other process's fingerprint can be committing, so the build waits for none."""
    if request.node.get_closest_marker("integration"):
        return
    from media import sound_index

    monkeypatch.setattr(sound_index, "BUILD_GRACE_S", 0)


@pytest.fixture(autouse=True)
def _english_unless_asked():
    """A page request activates its reader's language in the thread and leaves it there;
    each test starts in the site's default, as each real request does."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests make hundreds of accounts; a deliberately slow hash would dominate the suite."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Unit tests run Celery tasks in-process; integration tests use a real worker instead."""
    if request.node.get_closest_marker("integration"):
        yield
        return
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def user_client(user) -> APIClient:
    """An API client authenticated by the user's token, as an outside program would be."""
    from rest_framework.authtoken.models import Token

    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def heard():
    """`heard(SomeEvent)` is the list of SomeEvents announced from then on, as subscribers
    get them (after the commit); the listener is removed when the test ends."""
    from hitrec.events import subscribe, unsubscribe

    listening = []

    def listen(event_type):
        events = []
        subscribe(event_type, events.append)
        listening.append((event_type, events.append))
        return events

    yield listen
    for event_type, subscriber in listening:
        unsubscribe(event_type, subscriber)
