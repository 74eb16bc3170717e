"""A remixer narrows the list of works to what they may use: by licence terms, duration, date."""

import datetime as dt

import pytest
from django.utils import timezone

from contributions.licenses import (
    LICENSES,
    Work,
    allowed_remix_licenses,
    commercial_licenses,
    licenses_remixable_into,
)
from contributions.models import Contribution
from tests.contributions.factories import ContributionFactory

pytestmark = pytest.mark.django_db


def ids(response) -> set[int]:
    assert response.status_code == 200, response.json()
    return {work["id"] for work in response.json()["results"]}


@pytest.mark.parametrize("remix_license", list(LICENSES))
def test_remixable_into_is_the_remix_rules_read_backwards(remix_license):
    sources = licenses_remixable_into(remix_license)

    for source in LICENSES:
        may = remix_license in allowed_remix_licenses([Work(id=1, title="", license=source)])
        assert (source in sources) == may


def test_the_list_keeps_the_works_a_remix_under_a_licence_may_use(api_client):
    works = {slug: ContributionFactory(license=slug).id for slug in LICENSES}

    into_by_sa = ids(api_client.get("/api/contributions/", {"remixable_into": "cc-by-sa"}))
    into_nc = ids(api_client.get("/api/contributions/", {"remixable_into": "cc-by-nc"}))

    assert into_by_sa == {works["cc0"], works["cc-by"], works["cc-by-sa"]}
    assert into_nc == {works["cc0"], works["cc-by"], works["cc-by-nc"]}


def test_commercial_keeps_the_works_a_commercial_release_may_contain(api_client):
    works = {slug: ContributionFactory(license=slug).id for slug in LICENSES}

    found = ids(api_client.get("/api/contributions/", {"commercial": "true"}))
    every = ids(api_client.get("/api/contributions/", {"commercial": "false"}))

    assert found == {works[slug] for slug in commercial_licenses()}
    assert works["cc-by-nc"] not in found and works["cc-by-nc-sa"] not in found
    assert every == set(works.values())


def test_a_duration_range_keeps_audio_and_video_within_it(api_client):
    short = ContributionFactory(kind=Contribution.Kind.AUDIO, text="", duration_s=12.5)
    long = ContributionFactory(kind=Contribution.Kind.VIDEO, text="", duration_s=240.0)
    ContributionFactory(kind=Contribution.Kind.TEXT)  # no duration: left out by either bound

    assert ids(api_client.get("/api/contributions/", {"duration_max": "60"})) == {short.id}
    assert ids(api_client.get("/api/contributions/", {"duration_min": "12.5"})) == {
        short.id,
        long.id,
    }
    assert ids(
        api_client.get("/api/contributions/", {"duration_min": "13", "duration_max": "240"})
    ) == {long.id}


def test_a_created_range_counts_whole_days(api_client):
    def made_on(day: dt.date, hour: int) -> int:
        work = ContributionFactory()
        at = dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)
        Contribution.objects.filter(pk=work.pk).update(created_at=at)
        return work.id

    first = made_on(dt.date(2026, 3, 1), 0)
    late = made_on(dt.date(2026, 3, 2), 23)
    after = made_on(dt.date(2026, 3, 3), 0)

    assert ids(
        api_client.get(
            "/api/contributions/", {"created_after": "2026-03-01", "created_before": "2026-03-02"}
        )
    ) == {first, late}
    assert ids(api_client.get("/api/contributions/", {"created_after": "2026-03-03"})) == {after}


def test_filters_combine_with_search_and_tags(api_client):
    def audio(**fields) -> Contribution:
        return ContributionFactory(title="Cello drone", kind="audio", text="", **fields)

    wanted = audio(license="cc-by", duration_s=30)
    wanted.tags.create(name="ambient")
    audio(license="cc-by-nc", duration_s=30).tags.create(name="ambient")
    audio(license="cc-by", duration_s=300).tags.create(name="ambient")
    other_tag = audio(license="cc-by", duration_s=30)
    other_tag.tags.create(name="noise")

    found = api_client.get(
        "/api/contributions/",
        {
            "search": "cello",
            "commercial": "1",
            "duration_max": "60",
            "tag": "ambient",
            "created_after": timezone.now().date().isoformat(),
        },
    )

    assert ids(found) == {wanted.id}


@pytest.mark.parametrize(
    ("query", "field", "says"),
    [
        ({"duration_min": "-1"}, "duration_min", "greater than or equal to 0"),
        ({"duration_min": "nan"}, "duration_min", "valid number"),
        ({"duration_max": "inf"}, "duration_max", "valid number"),
        ({"duration_max": "1e9"}, "duration_max", "less than or equal to 86400"),
        ({"duration_min": "60", "duration_max": "10"}, "duration_max", "swap them"),
        ({"created_after": "yesterday"}, "created_after", "Date has wrong format"),
        ({"created_after": "2026-02-30"}, "created_after", "Date has wrong format"),
        (
            {"created_after": "2026-05-02", "created_before": "2026-05-01"},
            "created_before",
            "is earlier than",
        ),
        ({"remixable_into": "gpl"}, "remixable_into", "is not a valid choice"),
        ({"commercial": "perhaps"}, "commercial", "Must be a valid boolean"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(api_client, query, field, says):
    response = api_client.get("/api/contributions/", query)

    assert response.status_code == 400
    assert says in " ".join(response.json()[field])


def test_a_filtered_list_is_a_fixed_number_of_queries(api_client, django_assert_max_num_queries):
    for n in range(25):
        work = ContributionFactory(kind="audio", text="", duration_s=10 + n, license="cc-by")
        work.tags.create(name="loop")

    with django_assert_max_num_queries(7):
        body = api_client.get(
            "/api/contributions/",
            {"remixable_into": "hitrec", "duration_min": 5, "tag": "loop", "page_size": 25},
        ).json()

    assert body["count"] == 25
