"""Where people see the credit guard's matches on the pages: the author on their work's page,
with one click to add a match as a source (under the licence rules); the producers of a
project that took the work in, there and on the desk; nobody else."""

import re

import pytest
from django.contrib.messages import constants, get_messages
from django.urls import reverse

from contributions.models import Contribution, RemixLink
from media.credit_guard import prints_of
from media.models import CreditMatch
from media.services import fingerprint_record
from projects.models import Submission
from projects.services import resource_add
from tests.accounts.factories import UserFactory
from tests.contributions.factories import ContributionFactory
from tests.media import fingerprint_samples as samples
from tests.projects.factories import make_project

pytestmark = pytest.mark.django_db


def fingerprinted(**fields) -> Contribution:
    work = ContributionFactory(**fields)
    fingerprint_record(
        contribution_id=work.pk,
        prints=prints_of(kind="text", original=None, picture=None, text=work.text),
    )
    return work


def make_quoting() -> tuple[Contribution, Contribution]:
    """Ana's poem, and Bo's later text quoting 80 words of it without naming it."""
    ana, bo = UserFactory(username="ana"), UserFactory(username="bo")
    poem = samples.prose(31, 300)
    source = fingerprinted(text=poem, title="The poem", author=ana)
    remix = fingerprinted(
        text=samples.quoted_in(samples.passage(poem, seed=8), seed=9), title="New verse", author=bo
    )
    return source, remix


@pytest.fixture
def quoting():
    return make_quoting()


def page_of(client, work) -> str:
    response = client.get(reverse("web:contribution", args=[work.id]))
    assert response.status_code == 200
    return response.content.decode()


def section_of(page: str) -> str:
    found = re.search(r"<section id=\"matches\".*?</section>", page, re.S)
    assert found, "the page has no matches section"
    return found.group(0)


def add_source(client, work, source_id):
    return client.post(
        reverse("web:contribution-source-add", args=[work.id]), {"source": source_id}
    )


def errors(response) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request) if m.level == constants.ERROR]


# --- the author --------------------------------------------------------------------------------


def test_the_author_sees_what_their_work_looks_like_it_uses_with_one_click_to_credit_it(
    client, quoting
):
    source, remix = quoting
    client.force_login(remix.author)

    section = section_of(page_of(client, remix))

    match = CreditMatch.objects.get(work=remix)
    assert "This looks like it uses:" in section
    assert f'<a href="/contributions/{source.id}/" dir="auto">The poem</a>' in section
    assert f'<a href="/artists/ana/" dir="auto">{source.author.public_name}</a>' in section
    assert f"({round(match.score * 100)}% sure)" in section
    assert "Their words, quoted in yours:" in section
    quoted = re.search(r"<blockquote[^>]*data-match-quote>(.*?)</blockquote>", section, re.S)
    assert quoted.group(1).split()[:6] == match.detail["quoted_text"].split()[:6]
    assert "data-match-undeclared" in section and "not credited" in section
    form = re.search(r"<form [^>]*data-add-source>.*?</form>", section, re.S).group(0)
    assert f'action="/contributions/{remix.id}/sources/add/"' in form
    assert "csrfmiddlewaretoken" in form
    assert f'<input type="hidden" name="source" value="{source.id}">' in form
    assert "Add it as a source</button>" in form


def test_adding_it_as_a_source_declares_it_and_the_page_then_credits_it(client, quoting):
    source, remix = quoting
    client.force_login(remix.author)

    response = add_source(client, remix, source.id)

    assert response.status_code == 302
    assert response["Location"] == f"/contributions/{remix.id}/#matches"
    assert list(remix.sources.values_list("id", flat=True)) == [source.id]
    page = page_of(client, remix)
    assert "its author is now credited" in page  # the success message
    section = section_of(page)
    assert "data-match-declared" in section and "data-add-source" not in section
    built_on = re.search(r"<h2>Built on</h2>.*?</section>", page, re.S).group(0)
    assert f'href="/contributions/{source.id}/"' in built_on


def test_adding_one_keeps_the_sources_already_declared(client):
    older = ContributionFactory(title="Older")  # before the remix, so it may be its source
    source, remix = make_quoting()
    RemixLink.objects.create(source=older, remix=remix)
    client.force_login(remix.author)

    add_source(client, remix, source.id)
    add_source(client, remix, source.id)  # a second click (another tab) changes nothing

    assert sorted(remix.sources.values_list("id", flat=True)) == sorted([older.id, source.id])


def test_a_license_refusal_is_explained_on_the_page_and_nothing_is_linked(client, quoting):
    source, remix = quoting
    Contribution.objects.filter(pk=source.pk).update(license="cc-by-sa")
    Contribution.objects.filter(pk=remix.pk).update(license="cc-by")
    client.force_login(remix.author)

    response = add_source(client, remix, source.id)

    assert response.status_code == 302
    (problem,) = errors(response)
    assert "The poem" in problem and "CC BY-SA" in problem
    assert not RemixLink.objects.filter(remix=remix).exists()
    page = page_of(client, remix)
    assert '<li class="error">' in page and "CC BY-SA" in page  # shown as refusals are
    assert "data-add-source" in section_of(page)  # still offered


def test_a_source_that_forbids_remixing_is_refused_with_its_reason(client, quoting):
    source, remix = quoting
    Contribution.objects.filter(pk=source.pk).update(license="cc-by-nd")
    client.force_login(remix.author)

    (problem,) = errors(add_source(client, remix, source.id))

    assert "The poem" in problem
    assert not RemixLink.objects.filter(remix=remix).exists()


def test_nothing_shows_while_the_work_is_processing(client, quoting):
    _, remix = quoting
    Contribution.objects.filter(pk=remix.pk).update(
        status=Contribution.Status.PROCESSING, progress_stage="fingerprinting"
    )
    client.force_login(remix.author)

    page = page_of(client, remix)

    assert "data-credit-matches" not in page and "looks like it uses" not in page


def test_own_works_declared_sources_and_sources_credited_through_another_are_marked(client):
    bo = UserFactory(username="bo")
    poem = ContributionFactory(title="The poem")
    own = ContributionFactory(title="My sketch", author=bo)
    cover = ContributionFactory(title="A cover of the poem")
    RemixLink.objects.create(source=poem, remix=cover)
    work = ContributionFactory(title="New verse", author=bo)
    RemixLink.objects.create(source=cover, remix=work)
    RemixLink.objects.create(source=own, remix=work)
    for earlier, score in ((poem, 0.8), (own, 0.95), (cover, 0.7)):
        CreditMatch.objects.create(
            work=work, earlier=earlier, kind="text", score=score,
            detail={"quoted_text": f"words of {earlier.title}", "work_chars": [0, 9],
                    "earlier_chars": [0, 9]},
        )  # fmt: skip
    client.force_login(bo)

    section = section_of(page_of(client, work))

    rows = re.findall(r"<li data-match=\"(\d+)\">(.*?)</li>", section, re.S)
    assert [int(pk) for pk, _ in rows] == [own.id, poem.id, cover.id]  # surest first
    marks = {int(pk): row for pk, row in rows}
    assert "your own work" in marks[own.id] and "declared source" in marks[own.id]
    assert "credited through" in marks[poem.id]
    assert (
        f'<a href="/contributions/{cover.id}/" dir="auto">A cover of the poem</a>'
        in (marks[poem.id].split("credited through")[1])
    )
    assert "declared source" in marks[cover.id]
    assert "data-add-source" not in section  # everything is credited already


def test_what_matched_in_a_picture_and_a_recording_is_said_in_words(client):
    bo = UserFactory(username="bo")
    picture, recording = ContributionFactory(title="Harbour"), ContributionFactory(title="Loop")
    work = ContributionFactory(title="Collage", author=bo)
    CreditMatch.objects.create(
        work=work, earlier=picture, kind="image", score=0.93,
        detail={"region": [1 / 9, 0.1, 1.0, 0.9], "mirrored": True, "distance": 3},
    )  # fmt: skip
    CreditMatch.objects.create(
        work=work, earlier=recording, kind="audio", score=0.81,
        detail={"work_seconds": [65.2, 85.0], "earlier_seconds": [12.0, 31.6]},
    )  # fmt: skip
    client.force_login(bo)

    section = section_of(page_of(client, work))

    assert "almost certainly (93% sure)" in section
    assert "Their picture, mirrored and cut to about 90% of its width and 100% of its" in section
    assert "very likely (81% sure)" in section
    assert "0:12–0:32 of theirs at 1:05–1:25 of yours" in section


def test_the_quoted_passage_is_escaped(client):
    bo = UserFactory(username="bo")
    earlier = ContributionFactory(title="<i>Loud</i>")
    work = ContributionFactory(author=bo)
    CreditMatch.objects.create(
        work=work, earlier=earlier, kind="text", score=0.9,
        detail={"quoted_text": "<script>alert(1)</script> & more", "work_chars": [0, 5],
                "earlier_chars": [0, 5]},
    )  # fmt: skip
    client.force_login(bo)

    section = section_of(page_of(client, work))

    assert "<script>" not in section and "<i>Loud" not in section
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in section
    assert "&lt;i&gt;Loud&lt;/i&gt;" in section


# --- everyone else ---------------------------------------------------------------------------


def test_a_stranger_and_an_anonymous_visitor_see_no_trace_of_the_matches(client, quoting):
    source, remix = quoting

    pages = {"anonymous": page_of(client, remix)}
    client.force_login(UserFactory())
    pages["stranger"] = page_of(client, remix)

    for who, page in pages.items():
        assert "data-credit-matches" not in page, who
        assert "looks like it uses" not in page, who
        assert "The poem" not in page and f"/contributions/{source.id}/" not in page, who
        assert "/sources/add/" not in page and "data-match-quote" not in page, who


def test_the_producers_of_a_project_that_took_it_in_see_the_matches_but_cannot_add(client, quoting):
    source, remix = quoting
    producer = UserFactory()
    project = make_project(owner=producer)
    client.force_login(producer)
    assert "data-credit-matches" not in page_of(client, remix)  # not taken in yet

    resource_add(project=project, actor=producer, contribution=remix)
    section = section_of(page_of(client, remix))

    assert f'href="/contributions/{source.id}/"' in section
    assert "Their words, quoted in this work:" in section
    assert "data-add-source" not in section


def test_only_the_author_may_add_a_source(client, quoting):
    source, remix = quoting
    producer = UserFactory()
    resource_add(
        project=make_project(owner=producer), actor=producer, contribution=remix
    )  # sees the matches, yet may not change the work

    anonymous = add_source(client, remix, source.id)
    refused = {}
    for who in (UserFactory(), producer):
        client.force_login(who)
        refused[who.username] = add_source(client, remix, source.id)

    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    for response in refused.values():
        assert response.status_code == 302
        assert errors(response), "a refusal says why"
    assert not RemixLink.objects.filter(remix=remix).exists()
    assert client.get(reverse("web:contribution-source-add", args=[remix.id])).status_code == 405


def test_a_form_with_no_work_named_is_refused_with_a_message(client, quoting):
    _, remix = quoting
    client.force_login(remix.author)

    response = add_source(client, remix, "not a number")

    assert errors(response)
    assert not RemixLink.objects.filter(remix=remix).exists()


# --- the producer's desk -----------------------------------------------------------------------


def desk_section(page: str) -> str:
    return re.search(r"<section id=\"undeclared-matches\".*?</section>", page, re.S).group(0)


def test_the_desk_lists_each_accepted_works_undeclared_matches(client, quoting):
    source, remix = quoting
    producer = UserFactory(username="prod")
    project = make_project(owner=producer)
    declared_source = ContributionFactory(title="Declared")
    credited = ContributionFactory(title="Credited one")
    RemixLink.objects.create(source=declared_source, remix=credited)
    CreditMatch.objects.create(
        work=credited, earlier=declared_source, kind="text", score=0.9,
        detail={"quoted_text": "declared words", "work_chars": [0, 1], "earlier_chars": [0, 1]},
    )  # fmt: skip
    pending = ContributionFactory(title="Still pending")
    CreditMatch.objects.create(
        work=pending, earlier=source, kind="text", score=0.9,
        detail={"quoted_text": "pending words", "work_chars": [0, 1], "earlier_chars": [0, 1]},
    )  # fmt: skip
    for work, status in ((remix, "accepted"), (credited, "accepted"), (pending, "pending")):
        Submission.objects.create(
            project=project, contribution=work, submitted_by=work.author, status=status
        )
    client.force_login(producer)

    section = desk_section(client.get(reverse("web:desk", args=[project.id])).content.decode())

    listed = re.findall(r"<li data-credited=\"(\d+)\">", section)
    assert listed == [str(remix.id)]  # the declared match and the pending work are not listed
    assert f'<a href="/contributions/{source.id}/" dir="auto">The poem</a>' in section
    assert "sure)" in section and "Their words, quoted in this work:" in section
    assert CreditMatch.objects.get(work=remix).detail["quoted_text"][:30] in section
    assert "Releasing is still your call" in section


def test_the_desk_says_when_nothing_undeclared_was_found(client):
    producer = UserFactory()
    project = make_project(owner=producer)
    work = ContributionFactory()
    Submission.objects.create(
        project=project, contribution=work, submitted_by=work.author, status="accepted"
    )
    client.force_login(producer)

    page = client.get(reverse("web:desk", args=[project.id])).content.decode()

    assert "data-no-undeclared-matches" in desk_section(page)


def test_the_desk_reads_the_matches_in_a_constant_number_of_queries(
    client, django_assert_max_num_queries
):
    producer = UserFactory()
    project = make_project(owner=producer)
    client.force_login(producer)
    url = reverse("web:desk", args=[project.id])

    def accept_with_matches(n: int) -> None:
        for _ in range(n):
            work = ContributionFactory()
            Submission.objects.create(
                project=project, contribution=work, submitted_by=work.author, status="accepted"
            )
            for earlier in ContributionFactory.create_batch(2):
                CreditMatch.objects.create(
                    work=work, earlier=earlier, kind="audio", score=0.8,
                    detail={"work_seconds": [1, 20], "earlier_seconds": [3, 22]},
                )  # fmt: skip

    accept_with_matches(1)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    accept_with_matches(6)
    with django_assert_max_num_queries(len(few)):
        page = client.get(url).content.decode()

    assert desk_section(page).count("<li data-match=") == 14
