"""A tagged list is read off the first tag's rows, which carry their work's licence, creation
time and presence (contributions/tag_facts.py): after any way of writing, the page, its order
and its count are those of the works themselves, and the count kept per (tag, licence) is
that of the listed rows."""

from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contributions.licenses import commercial_licenses, licenses_remixable_into
from contributions.models import Contribution, ContributionTag, TagCount
from contributions.selectors import contribution_list
from contributions.services import contribution_delete, contribution_update
from tests.contributions.factories import ContributionFactory, RemixLinkFactory

pytestmark = pytest.mark.django_db

LICENSES = ["hitrec", "cc-by", "cc-by-nc", "cc-by-nd", "all-rights-reserved"]
TAGS = ["lo-fi", "cello", "field-recording"]


def expected(*, tags, license=None, commercial=False, remixable_into=None, after=None):
    """The works the list must show, newest first, from the works' own columns."""
    allowed = set(LICENSES)
    if license:
        allowed &= {license}
    if commercial:
        allowed &= set(commercial_licenses())
    if remixable_into:
        allowed &= set(licenses_remixable_into(remixable_into))
    works = []
    for work in Contribution.objects.filter(removed_at__isnull=True, license__in=allowed):
        names = set(work.tags.values_list("name", flat=True))
        if set(tags) <= names and (after is None or work.created_at.date() >= after):
            works.append(work)
    return [w.pk for w in sorted(works, key=lambda w: (w.created_at, w.pk), reverse=True)]


def test_a_tag_and_a_licence_page_newest_first_with_the_count_from_the_tag_rows(
    django_assert_num_queries,
):
    old, new, other_licence, untagged = (
        ContributionFactory(license="cc-by", tags=["lo-fi"]),
        ContributionFactory(license="cc-by", tags=["lo-fi", "cello"]),
        ContributionFactory(license="cc-by-nc", tags=["lo-fi"]),
        ContributionFactory(license="cc-by"),
    )
    Contribution.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))

    works = contribution_list(tags=["Lo-Fi"], license="cc-by")

    with django_assert_num_queries(1):  # the count: one read of the tag rows, no works
        assert works.count() == 2
    assert [w.pk for w in works] == [new.pk, old.pk]
    assert other_licence.pk not in [w.pk for w in works]
    assert untagged.pk not in [w.pk for w in works]
    assert [w.pk for w in contribution_list(tags=["lo-fi", "cello"])] == [new.pk]


def test_a_work_changed_any_way_moves_in_or_out_of_its_tags_lists(author):
    work = ContributionFactory(author=author, license="cc-by", tags=["cello"])
    remixed = ContributionFactory(author=author, license="cc-by", tags=["cello"])
    RemixLinkFactory(source=remixed)  # deleting it leaves a tombstone

    contribution_update(contribution=work, actor=author, license="cc-by-nc")
    assert [w.pk for w in contribution_list(tags=["cello"], license="cc-by")] == [remixed.pk]
    Contribution.objects.filter(pk=work.pk).update(license="cc-by")  # a bulk write
    assert contribution_list(tags=["cello"], license="cc-by").count() == 2
    contribution_delete(contribution=remixed, actor=author)  # tombstone: removed_at set
    assert contribution_list(tags=["cello"], license="cc-by").count() == 1
    Contribution.objects.filter(pk=remixed.pk).update(removed_at=None)  # staff restore
    assert contribution_list(tags=["cello"]).count() == 2
    row = ContributionTag.objects.get(contribution=work)
    assert (row.license, row.created_at, row.listed) == ("cc-by", work.created_at, True)


@pytest.fixture
def author():
    from tests.accounts.factories import UserFactory

    return UserFactory()


works_strategy = st.lists(
    st.tuples(
        st.sampled_from(LICENSES),
        st.sets(st.sampled_from(TAGS), max_size=3),
        st.integers(min_value=0, max_value=5),  # days ago
    ),
    min_size=1,
    max_size=8,
)
EDITS = [
    "licence", "remove", "restore", "retag", "backdate",
    # The tag rows written directly, a work deleted, every work relicensed at once.
    "untag", "rename", "delete", "relicence_all",
]  # fmt: skip
edits_strategy = st.lists(
    st.tuples(
        st.sampled_from(EDITS),
        st.integers(min_value=0, max_value=7),
        st.sampled_from(LICENSES),
        st.sets(st.sampled_from(TAGS), max_size=3),
    ),
    max_size=8,
)
queries_strategy = st.tuples(
    st.lists(st.sampled_from(TAGS), min_size=1, max_size=2, unique=True),
    st.one_of(st.none(), st.sampled_from(LICENSES)),
    st.booleans(),
    st.one_of(st.none(), st.sampled_from(["cc-by", "cc-by-nc", "hitrec"])),
    st.one_of(st.none(), st.integers(min_value=0, max_value=5)),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(works=works_strategy, edits=edits_strategy, query=queries_strategy)
def test_the_tag_rows_answer_as_the_works_do_after_any_edits(author, works, edits, query):
    now = timezone.now()
    made = []
    for license, tags, days_ago in works:
        work = ContributionFactory(author=author, license=license, tags=sorted(tags))
        Contribution.objects.filter(pk=work.pk).update(created_at=now - timedelta(days=days_ago))
        made.append(work)
    for edit, index, license, tags in edits:
        work = Contribution.objects.filter(pk=made[index % len(made)].pk).first()
        if work is None:  # deleted by an earlier edit
            continue
        if edit == "licence":
            Contribution.objects.filter(pk=work.pk).update(license=license)
        elif edit == "remove":
            Contribution.objects.filter(pk=work.pk).update(removed_at=now)
        elif edit == "restore":
            Contribution.objects.filter(pk=work.pk).update(removed_at=None)
        elif edit == "retag" and not work.is_removed:
            contribution_update(contribution=work, actor=author, tags=sorted(tags))
        elif edit == "backdate":
            work.created_at -= timedelta(days=2)
            work.save()
        elif edit == "untag":
            ContributionTag.objects.filter(contribution=work, name__in=tags).delete()
        elif edit == "rename" and tags:
            row = ContributionTag.objects.filter(contribution=work).order_by("id").first()
            other = sorted(tags)[0]
            if row and not ContributionTag.objects.filter(contribution=work, name=other).exists():
                ContributionTag.objects.filter(pk=row.pk).update(name=other)
        elif edit == "delete":
            work.delete()
        elif edit == "relicence_all":
            Contribution.objects.update(license=license)
    tags, license, commercial, remixable_into, days_ago = query
    after = None if days_ago is None else (now - timedelta(days=days_ago)).date()
    asked = {"license": license, "commercial": commercial, "remixable_into": remixable_into}

    found = contribution_list(tags=tags, created_after=after, **asked)

    want = expected(tags=tags, after=after, **asked)
    assert [w.pk for w in found] == want
    assert found.count() == len(want)
    assert kept_counts() == listed_rows_counted()
    Contribution.objects.all().delete()
    assert kept_counts() == {}


def kept_counts() -> dict[tuple[str, str], int]:
    """The counts the triggers keep (a (tag, licence) left with none may stay, at 0)."""
    return {(c.name, c.license): c.listed for c in TagCount.objects.exclude(listed=0)}


def listed_rows_counted() -> dict[tuple[str, str], int]:
    """The same counted from the tag rows: GROUP BY name, licence over the listed ones."""
    rows = (
        ContributionTag.objects.filter(listed=True)
        .values("name", "license")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(row["name"], row["license"]): row["n"] for row in rows}


def test_the_count_of_one_tag_comes_from_the_kept_counts(django_assert_num_queries):
    ContributionFactory(license="cc-by", tags=["lo-fi", "cello"])
    ContributionFactory(license="cc-by-nc", tags=["lo-fi"])
    removed = ContributionFactory(license="cc-by", tags=["lo-fi"])
    Contribution.objects.filter(pk=removed.pk).update(removed_at=timezone.now())
    assert TagCount.objects.get(name="lo-fi", license="cc-by").listed == 1
    assert kept_counts() == listed_rows_counted()

    by_licence = contribution_list(tags=["lo-fi"], license="cc-by")
    any_licence = contribution_list(tags=["lo-fi"])
    commercial = contribution_list(tags=["lo-fi"], commercial=True)  # a set of licences

    with django_assert_num_queries(3):  # each one row or a handful, no tag row read
        assert (by_licence.count(), any_licence.count(), commercial.count()) == (1, 2, 1)
    assert contribution_list(tags=["lo-fi", "cello"]).count() == 1  # two tags: the rows
    assert contribution_list(tags=["nobody-uses-this"]).count() == 0


def test_a_filter_the_tag_rows_cannot_answer_goes_through_the_works():
    audio = ContributionFactory(kind="audio", license="cc-by", tags=["lo-fi"], text="")
    ContributionFactory(kind="text", license="cc-by", tags=["lo-fi"])

    works = contribution_list(tags=["lo-fi"], kind="audio")

    assert [w.pk for w in works] == [audio.pk]
    assert works._counted_from is None  # the works themselves are counted
    assert works.count() == 1
