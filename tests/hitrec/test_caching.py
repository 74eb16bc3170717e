"""Cached public reads: ETag and Last-Modified revalidation, the shared cache, invalidation."""

import time

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.services import account_delete, user_profile_update
from community.services import contribution_take_down
from contributions.services import (
    contribution_create,
    contribution_delete,
    contribution_update,
    remix_sources_set,
)
from hitrec.caching import CONTRIBUTIONS, _last_modified, generation
from media.services import contribution_process, processing_restart
from tests.accounts.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory
from tests.contributions.factories import ContributionFactory
from tests.contributions.uploads import png_upload

# Serial: the counters and generations live in Redis, shared by every test process.
pytestmark = [pytest.mark.django_db, pytest.mark.serial]

LIST = "/api/contributions/"


def detail(work) -> str:
    return f"/api/contributions/{work.id}/"


def client_of(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def titles(response) -> list[str]:
    return [work["title"] for work in response.json()["results"]]


# --- served from the cache --------------------------------------------------------------------


def test_a_repeated_anonymous_read_is_served_without_touching_the_database(
    api_client, django_assert_num_queries
):
    ContributionFactory.create_batch(3)
    first = api_client.get(LIST, {"page_size": 50})

    with django_assert_num_queries(0):
        again = api_client.get(LIST, {"page_size": 50})

    assert again.status_code == 200
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]
    assert again["Content-Type"] == "application/json"


def test_a_signed_in_reader_costs_only_the_token_lookup(
    user, user_client, django_assert_num_queries
):
    work = ContributionFactory()
    user_client.get(detail(work))

    with django_assert_num_queries(1):
        again = user_client.get(detail(work))

    assert again.json()["title"] == work.title


def test_an_uncached_list_runs_a_constant_number_of_queries_whatever_the_page_size(
    api_client, django_assert_max_num_queries
):
    ContributionFactory.create_batch(60)
    for size in (5, 50, 100):
        with django_assert_max_num_queries(5):
            response = api_client.get(LIST, {"page_size": size})
        assert len(response.json()["results"]) == min(size, 60)


# --- revalidation (304) -----------------------------------------------------------------------


def test_if_none_match_answers_not_modified_with_no_body_and_no_query(
    api_client, django_assert_num_queries
):
    work = ContributionFactory()
    for url in (LIST, detail(work)):
        etag = api_client.get(url)["ETag"]

        with django_assert_num_queries(0):
            response = api_client.get(url, HTTP_IF_NONE_MATCH=etag)

        assert response.status_code == 304
        assert response.content == b""
        assert response["ETag"] == etag
        assert "Authorization" in response["Vary"] and "Cookie" in response["Vary"]


def test_if_modified_since_answers_not_modified_until_something_changes(api_client, user):
    work = ContributionFactory(author=user)
    time.sleep(1.05)  # Last-Modified is sent once the second of the last change has passed
    first = api_client.get(LIST)
    since = first["Last-Modified"]

    assert api_client.get(LIST, HTTP_IF_MODIFIED_SINCE=since).status_code == 304

    contribution_update(contribution=work, actor=user, title="Renamed")
    time.sleep(1.05)
    response = api_client.get(LIST, HTTP_IF_MODIFIED_SINCE=since)

    assert response.status_code == 200
    assert titles(response) == ["Renamed"]
    assert response["Last-Modified"] != since


def test_last_modified_is_promised_only_once_the_second_of_the_change_has_ended():
    """A later change in the same second would carry the same date, so none is promised."""
    second = 1_700_000_000
    generation_ns = second * 10**9 + 400_000_000  # a change at .4 of that second

    assert _last_modified(generation_ns, read_at=second + 0.9) is None
    assert _last_modified(generation_ns, read_at=second + 1.0) == second
    assert _last_modified(generation_ns, read_at=second + 5.0) == second


def test_no_last_modified_within_the_second_of_a_change(api_client, user):
    # Start at the beginning of a second, so that the change and the read share it (the
    # boundary itself is pinned by the test above, without the clock).
    time.sleep(1 - time.time() % 1)
    contribution_create(author=user, title="Fresh", text="Words.")

    response = api_client.get(LIST)

    assert "Last-Modified" not in response
    assert response["ETag"]


# --- per viewer -------------------------------------------------------------------------------


def test_each_viewer_has_their_own_etag_and_cache_entry(api_client):
    work = ContributionFactory()
    ana, ben = UserFactory(), UserFactory()
    anonymous_etag = api_client.get(detail(work))["ETag"]
    ana_etag = client_of(ana).get(detail(work))["ETag"]

    assert len({anonymous_etag, ana_etag}) == 2
    assert client_of(ben).get(detail(work), HTTP_IF_NONE_MATCH=ana_etag).status_code == 200
    assert api_client.get(detail(work), HTTP_IF_NONE_MATCH=ana_etag).status_code == 200
    assert client_of(ana).get(detail(work), HTTP_IF_NONE_MATCH=ana_etag).status_code == 304
    assert api_client.get(detail(work))["Cache-Control"] == "no-cache, public"
    assert client_of(ana).get(detail(work))["Cache-Control"] == "no-cache, private"


def test_the_browsable_api_page_is_never_cached(user_client, django_assert_max_num_queries):
    work = ContributionFactory()
    user_client.get(detail(work), HTTP_ACCEPT="text/html")

    response = user_client.get(detail(work), HTTP_ACCEPT="text/html")

    assert response["Content-Type"].startswith("text/html")
    assert "ETag" not in response


def test_a_project_filter_and_a_failed_read_are_not_cached(api_client):
    assert "ETag" not in api_client.get(LIST, {"project": 1})
    assert "ETag" not in api_client.get("/api/contributions/999999/")
    assert "ETag" not in api_client.get(LIST, {"kind": "sculpture"})


# --- every change shows at once ---------------------------------------------------------------


@pytest.fixture
def cached(api_client):
    """Read a URL once (so it is cached) and return a function that reads it again."""

    def read(url, **params):
        api_client.get(url, params)
        return lambda: api_client.get(url, params)

    return read


def test_a_new_upload_appears_in_the_list(cached, user):
    again = cached(LIST)

    contribution_create(author=user, title="Night Bus", text="Words.")

    assert titles(again()) == ["Night Bus"]


def test_an_edit_shows_in_the_list_and_the_detail(cached, user):
    work = ContributionFactory(author=user, title="Draft")
    list_again, detail_again = cached(LIST), cached(detail(work))

    contribution_update(contribution=work, actor=user, title="Final")

    assert titles(list_again()) == ["Final"]
    assert detail_again().json()["title"] == "Final"


def test_changed_sources_show_in_the_detail(cached, user):
    source = ContributionFactory()
    remix = ContributionFactory(author=user)
    again = cached(detail(remix))

    remix_sources_set(contribution=remix, actor=user, sources=[source.id])

    assert again().json()["sources"] == [source.id]


def test_a_deleted_work_is_gone_from_the_list_and_its_detail(cached, user):
    work = ContributionFactory(author=user)
    list_again, detail_again = cached(LIST), cached(detail(work))

    contribution_delete(contribution=work, actor=user)

    assert titles(list_again()) == []
    assert detail_again().status_code == 404


def test_a_tombstone_leaves_the_list_and_its_detail_says_removed(cached, user):
    work = ContributionFactory(author=user, title="Source")
    remix = ContributionFactory()
    remix.sources.add(work)
    list_again, detail_again = cached(LIST), cached(detail(work))

    contribution_delete(contribution=work, actor=user)

    assert titles(list_again()) == [remix.title]
    assert detail_again().json()["removed"] is True
    assert detail_again().json()["text"] == ""


def test_a_take_down_shows_at_once(cached):
    work = ContributionFactory(title="Infringing")
    list_again, detail_again = cached(LIST), cached(detail(work))

    contribution_take_down(contribution=work, actor=StaffFactory(), reason="A notice.")

    assert titles(list_again()) == []
    assert detail_again().json()["removed"] is True


def test_a_closed_account_renames_the_author_of_what_stays(cached):
    author = UserFactory(username="ana")
    work = ContributionFactory(author=author)
    ContributionFactory().sources.add(work)  # built on: stays as a tombstone
    again = cached(detail(work))

    account_delete(user=author, password=DEFAULT_PASSWORD)

    assert again().json()["author"]["username"] != "ana"


def test_a_display_name_change_gives_new_etags(api_client, user):
    work = ContributionFactory(author=user)
    etag = api_client.get(detail(work))["ETag"]

    user_profile_update(user=user, display_name="Ana Bell")

    assert api_client.get(detail(work), HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_processing_progress_and_its_end_show_at_once(cached, user):
    work = contribution_create(author=user, title="Dusk", file=png_upload())
    again = cached(detail(work))
    assert again().json()["status"] == "pending"

    contribution_process(contribution_id=work.id)

    body = again().json()
    assert body["status"] == "ready"
    assert body["media"]["thumbnails"]

    processing_restart(contribution_id=work.id)

    assert again().json()["status"] == "pending"


def test_the_generation_moves_again_when_the_change_commits(
    user, django_capture_on_commit_callbacks
):
    """Readers in other processes may have stored the old data meanwhile: the commit's bump
    is the one that makes it unreachable."""
    work = ContributionFactory(author=user)
    with django_capture_on_commit_callbacks() as callbacks:
        contribution_update(contribution=work, actor=user, title="After")
        before_commit = generation(CONTRIBUTIONS)

    for callback in callbacks:
        callback()

    assert generation(CONTRIBUTIONS) > before_commit
