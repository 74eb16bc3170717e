"""The six kinds of visitor and a small world of their objects, built once per test module.

Actors: `anonymous`, the `author` of a contribution, `other` (another artist), the
`producer` who owns the projects, an accepted `coproducer`, and `staff`. The world holds
one of everything the API and pages show or change: an image contribution that went
through the real pipeline (renditions, a clean copy), a tombstone, an open, a draft and a
released project (with a cover, an ask, submissions, a revenue event, a revenue stream and
a production cost with its PDF receipt), statements, a statement run, a payout batch,
payment proposals (an open one, revised, accepted and commented on, and a withdrawn one),
comments (one hidden), a report, a follow, a notification and a ready data export.

Building all that costs far more than one request, and the matrices make hundreds of
requests, so the world is made once per module inside a transaction that is rolled back
at the end; every test runs in a savepoint inside it (pytest-django's `db`), so whatever a
test changes is undone before the next one.
"""

import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client, override_settings
from django.utils import timezone
from PIL import Image, PngImagePlugin
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import api_token_create, data_export_build, data_export_request
from claims.services import claim_create
from community.services import comment_create, comment_hide, follow_create, report_create
from contributions.models import RemixLink
from contributions.services import contribution_create, contribution_delete
from hitrec.celery import app as celery_app
from media.credit_guard import prints_of
from media.services import contribution_process, fingerprint_record
from notifications.services import notify_released
from projects.models import Submission
from projects.services import (
    CreditInput,
    ask_create,
    member_accept,
    member_invite,
    project_cover_set,
    project_release,
    resource_add,
    submission_create,
)
from proposals.services import (
    proposal_accept,
    proposal_comment,
    proposal_publish,
    proposal_revise,
    proposal_withdraw,
)
from royalties.models import Statement
from royalties.services import (
    payout_batch_create,
    production_cost_record,
    revenue_record,
    revenue_stream_create,
    statement_issue,
    statement_run_start,
    statements_build_month,
)
from tests.accounts.factories import StaffFactory, UserFactory
from tests.accounts.two_factor import signed_in_with_second_factor
from tests.contributions.factories import ContributionFactory
from tests.contributions.uploads import png_upload
from tests.media.fingerprint_samples import passage, prose, quoted_in
from tests.projects.factories import make_project

ACTORS = ("anonymous", "author", "other", "producer", "coproducer", "staff")

# A line the author's private pages show and nobody else's may.
AUTHOR_SECRET_TITLE = "Verse only Ana earns from"
# Metadata in the author's upload that only she (and staff) may download.
PRIVATE_METADATA = "Ana's kitchen, 52.37N 4.89E"
# What a production cost's receipt holds: a PDF, served only to the producers, the people
# credited in the release, whoever bore the cost, and staff.
RECEIPT_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _png_with_metadata() -> SimpleUploadedFile:
    info = PngImagePlugin.PngInfo()
    info.add_text("Location", PRIVATE_METADATA)
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 20)).save(buffer, "PNG", pnginfo=info)
    return SimpleUploadedFile("sketch.png", buffer.getvalue(), content_type="image/png")


@dataclass
class World:
    users: dict[str, User | None]
    ids: dict[str, int]
    rendition: str
    media_root: Path

    def user(self, actor: str) -> User | None:
        return self.users[actor]


def _build(media_root: Path) -> World:
    ana, bo = UserFactory(username="ana"), UserFactory(username="bo")
    prod, cop = UserFactory(username="prod"), UserFactory(username="cop")
    staff = StaffFactory(username="staff")

    # The author's image, processed by the real pipeline: renditions and a clean copy.
    work = contribution_create(author=ana, title="Sketch", file=_png_with_metadata())
    contribution_process(contribution_id=work.id)
    rendition = work.renditions.filter(role="thumbnail").order_by("name").first().name
    spare = ContributionFactory(author=ana, title="Spare verse")
    tombstone = ContributionFactory(author=ana, title="Old idea")
    RemixLink.objects.create(source=tombstone, remix=ContributionFactory(author=bo))
    contribution_delete(contribution=tombstone, actor=ana)

    def with_coproducer(project):
        member_invite(project=project, actor=prod, username=cop.username)
        member_accept(project=project, actor=cop)
        return project

    # The open project: an ask, the author's pending submission, the other's accepted one.
    project = with_coproducer(make_project(owner=prod, title="Night Bus"))
    project_cover_set(project=project, actor=prod, file=png_upload("cover.png"))
    ask = ask_create(project=project, actor=prod, kind="audio", description="A cello line")
    submission = submission_create(project=project, actor=ana, contribution=work)
    offered = ContributionFactory(author=bo, title="Bo's bass")
    accepted = resource_add(project=project, actor=prod, contribution=offered)

    draft = with_coproducer(make_project(owner=prod, title="Secret draft", status="draft"))

    # The released project: the author's verse and the drums of Dee (an artist who is none of
    # the actors) credited, revenue recorded, statements built.
    released = with_coproducer(make_project(owner=prod, title="Day Tram"))
    dee = UserFactory(username="dee")
    credited = ContributionFactory(author=ana, title=AUTHOR_SECRET_TITLE)
    drums = ContributionFactory(author=dee, title="Dee's drums")
    for work_credited in (credited, drums):
        Submission.objects.create(
            project=released, contribution=work_credited, submitted_by=work_credited.author,
            status="accepted",
        )  # fmt: skip
    release = project_release(
        project=released, actor=prod, commercial=True,
        credits=[CreditInput(credited.id, 1), CreditInput(drums.id, 1)],
    )  # fmt: skip
    event, _ = revenue_record(
        project=released, actor=prod, amount="100.00", currency=released.currency,
        idempotency_key="world-1",
    )  # fmt: skip
    statements_build_month(period=timezone.now().date())
    # Dee's statement went to the payment facilitator in a batch (its result is pending);
    # the author's was issued after, so it waits for the next batch or a manual payment.
    statement_issue(statement=Statement.objects.get(user=dee), actor=staff)
    batch = payout_batch_create(actor=staff)
    statement = Statement.objects.get(user=ana)
    statement_issue(statement=statement, actor=staff)
    open_statement = Statement.objects.get(user=prod)
    run = statement_run_start(period=dt.date(2024, 1, 1), actor=staff)
    notify_released(release_id=release.id)
    # Recorded after the statements, so they do not pay it back: it is still outstanding. And
    # after the release, by the producer who bore it: it waits for the co-producer's agreement.
    stream = revenue_stream_create(
        project=released, actor=prod, name="sync", contributor_pool="3/4"
    )
    cost = production_cost_record(
        project=released, actor=prod, amount="20.00", currency=released.currency,
        note="Studio day", borne_by=prod,
        receipt=SimpleUploadedFile("studio.pdf", RECEIPT_PDF, content_type="application/pdf"),
    )  # fmt: skip

    # Payment proposals on the open project: one withdrawn, then one open in its second
    # revision, which the one person in it (the other artist, for the bass) accepted and the
    # author asked about. A second open project has none, so its producers may publish one.
    bass = [CreditInput(offered.id, 1)]
    withdrawn = proposal_publish(project=project, actor=prod, credits=bass, commercial=False)
    proposal_withdraw(proposal=withdrawn, actor=prod)
    proposal = proposal_publish(project=project, actor=prod, credits=bass, commercial=False)
    proposal_revise(
        proposal=proposal, actor=cop, credits=[CreditInput(offered.id, 2)], commercial=False,
        note="The bass carries the piece.",
    )  # fmt: skip
    proposal_accept(proposal=proposal, actor=bo)
    proposal_question = proposal_comment(
        proposal=proposal, author=ana, body="Could my sketch be in it too?"
    )
    quiet = with_coproducer(make_project(owner=prod, title="Quiet Hours"))
    resource_add(project=quiet, actor=prod, contribution=offered)

    comment = comment_create(author=bo, body="Lovely texture.", contribution=work)
    hidden = comment_create(author=bo, body="Buy cheap followers!", contribution=work)
    comment_hide(comment=hidden, actor=ana)
    draft_comment = comment_create(author=prod, body="Not yet public.", project=draft)
    report = report_create(reporter=bo, contribution=work, kind="abuse", text="Looks copied.")
    follow, _ = follow_create(follower=bo, artist=ana)

    # The credit guard: two texts of Bo's each quote a poem of the author's (found by their
    # fingerprints); she asked to be credited in the first.
    quoted = []
    for seed in (71, 72):
        poem = ContributionFactory(author=ana, title=f"Poem {seed}", text=prose(seed, 300))
        quoting = ContributionFactory(
            author=bo, title=f"Quoting {seed}", text=quoted_in(passage(poem.text, seed), seed)
        )
        for text in (poem, quoting):
            fingerprint_record(
                contribution_id=text.id,
                prints=prints_of(kind="text", original=None, picture=None, text=text.text),
            )
        quoted.append((poem, quoting))
    claim = claim_create(actor=ana, work=quoted[0][1], earlier=quoted[0][0], message="Mine.")

    export = data_export_request(user=ana)
    data_export_build(export_id=export.id)
    api_token, _key = api_token_create(user=ana, name="ana's script")

    return World(
        users={
            "anonymous": None,
            "author": ana,
            "other": bo,
            "producer": prod,
            "coproducer": cop,
            "staff": staff,
        },  # fmt: skip
        ids={
            "work": work.id,
            "spare": spare.id,
            "tombstone": tombstone.id,
            "offered": offered.id,
            "credited": credited.id,
            "project": project.id,
            "draft": draft.id,
            "released": released.id,
            "ask": ask.id,
            "submission": submission.id,
            "accepted": accepted.id,
            "event": event.id,
            "statement": statement.id,
            "open_statement": open_statement.id,
            "run": run.id,
            "comment": comment.id,
            "hidden": hidden.id,
            "draft_comment": draft_comment.id,
            "report": report.id,
            "follow": follow.id,
            "export": export.id,
            "api_token": api_token.id,
            "author_user": ana.id,
            "coproducer_user": cop.id,
            "notification": ana.notifications.get().id,
            "dee_statement": Statement.objects.get(user=dee).id,
            "batch": batch.id,
            "stream": stream.id,
            "cost": cost.id,
            "proposal": proposal.id,
            "withdrawn_proposal": withdrawn.id,
            "proposal_comment": proposal_question.id,
            "quiet": quiet.id,
            "quoting": quoted[0][1].id,
            "unclaimed_quoting": quoted[1][1].id,
            "unclaimed_poem": quoted[1][0].id,
            "claim": claim.id,
            "first_revision": 1,  # a revision's number, not an id: proposals count from 1
        },
        rendition=rendition,
        media_root=media_root,
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[World]:
    media_root = tmp_path_factory.mktemp("world-media")
    eager = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = True
    try:
        with (
            override_settings(
                MEDIA_ROOT=str(media_root),
                PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            ),
            django_db_blocker.unblock(),
            transaction.atomic(),
        ):
            built = _build(media_root)
            yield built
            transaction.set_rollback(True)
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = eager


@pytest.fixture
def in_world(world, db, settings, _media_root) -> World:
    """The world, for one test: its files are where the world's rows say they are, and no
    cached answer or throttle count is left from the test before."""
    settings.MEDIA_ROOT = str(world.media_root)
    for alias in settings.CACHES:
        caches[alias].clear()
    return world


@pytest.fixture
def api_as(in_world) -> Callable[[str], APIClient]:
    """An API client acting as one of the actors (anonymous: no credentials at all)."""

    def make(actor: str) -> APIClient:
        client = APIClient()
        if in_world.user(actor) is not None:
            client.force_authenticate(in_world.user(actor))
        return client

    return make


@pytest.fixture
def page_as(in_world) -> Callable[[str], Client]:
    """A browser-like client with a signed-in session for the actor."""

    def make(actor: str) -> Client:
        client = Client()
        user = in_world.user(actor)
        if user is not None and user.is_staff:
            signed_in_with_second_factor(client, user)  # staff pages need it
        elif user is not None:
            client.force_login(user)
        return client

    return make


@dataclass(frozen=True)
class State:
    """Every row of every table (sessions and Django's catalogue aside) and every file under
    MEDIA_ROOT."""

    rows: dict[str, list[tuple]]
    files: frozenset[str]

    def changed_tables(self, other: "State") -> list[str]:
        return sorted(name for name in self.rows if self.rows[name] != other.rows.get(name))


# Tables no request can write (Django's own catalogue) or that change on every visit.
_UNWATCHED = (Session, Permission, ContentType)


def state_now() -> State:
    # Plain SQL: the ORM's query compilation for fifty tables cost more than the request.
    with connection.cursor() as cursor:
        rows = {}
        for model in apps.get_models():
            if model in _UNWATCHED or not model._meta.managed:
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            # Every column of the key: a composite key (lineage's Ancestry) has no one column.
            pk = ", ".join(connection.ops.quote_name(f.column) for f in model._meta.pk_fields)
            cursor.execute(f"SELECT * FROM {table} ORDER BY {pk}")  # noqa: S608 (our names)
            rows[model._meta.label] = cursor.fetchall()
    root = Path(django_settings.MEDIA_ROOT)
    files = frozenset(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    return State(rows=rows, files=files)


@pytest.fixture
def snapshot() -> Callable[[], State]:
    """`before = snapshot()` … `assert snapshot() == before`: nothing written, nothing stored."""
    return state_now
