"""Making the demo platform through the services, step by step, with a progress bar."""

import logging
import mimetypes
from collections.abc import Callable
from contextlib import contextmanager
from fractions import Fraction
from functools import partial
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import CommandError
from django.utils import timezone

from accounts.models import User
from accounts.services import (
    demo_addresses_verify,
    demo_user_ensure,
    user_profile_update,
    user_register,
)
from contributions.models import Contribution
from contributions.services import contribution_create
from media.services import contribution_process
from projects.models import Ask, Project
from projects.services import (
    CreditInput,
    ask_create,
    project_create,
    project_release,
    project_status_change,
    resource_add,
    submission_create,
    submission_decide,
)
from royalties.services import (
    revenue_record,
    revenue_stream_create,
    statements_build_month,
)
from web.demo.plan import (
    ARTISTS,
    ASK_TAGS,
    CREDITS,
    DEMO_BIO,
    PASSWORD,
    PROJECTS,
    PUBLISHING_CREDITS,
    PUBLISHING_REVENUE,
    RELEASE_PROJECT,
    REPLAYED,
    RESOURCES,
    REVENUE,
    SKILLS,
    SUBMISSIONS,
    WORK_TAGS,
    WORKS,
    Work,
)

# One log line per processing job would scatter the progress bar; warnings still show.
CHATTY_LOGGERS = ("celery", "kombu")


@contextmanager
def quiet(names: tuple[str, ...]):
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class ProgressStream:
    """Where tqdm writes: the command's stderr, without the newline and colour Django adds."""

    def __init__(self, out):
        self._out = out

    def write(self, text: str) -> None:
        self._out.write(text, style_func=lambda s: s, ending="")

    def flush(self) -> None:
        self._out.flush()


class Seeder:
    """Makes the demo step by step, remembering what it made by key."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.users: dict[str, User] = {}
        self.existing_accounts: list[str] = []
        self.works: dict[str, Contribution] = {}
        self.projects: dict[str, Project] = {}
        self.asks: dict[tuple[str, str], Ask] = {}
        self.replay_recorded_nothing = False

    def steps(self) -> list[tuple[str, Callable[[], None]]]:
        before = [w for w in WORKS if w.project is None]
        after = [w for w in WORKS if w.project is not None]
        return [
            ("artists", self.artists),
            *[(w.title, partial(self.upload, w)) for w in before],
            ("projects and asks", self.projects_open),
            *[(w.title, partial(self.upload, w)) for w in after],
            ("submissions", self.submissions),
            ("processing the credited works", self.credited_ready),
            ("releasing Night Bus", self.release),
            ("revenue", self.revenue),
            ("a publishing stream", self.publishing),
            ("statements", self.statements),
        ]

    def artists(self) -> None:
        demo, _ = demo_user_ensure(username="demo", password=PASSWORD)
        if not demo.bio:
            demo = user_profile_update(user=demo, bio=DEMO_BIO, skills=SKILLS["demo"])
        self.users["demo"] = demo
        for username, display_name, bio in ARTISTS:
            existing = User.objects.filter(username__iexact=username).first()
            if existing is not None:  # someone registered it already: use it, leave it alone
                self.users[username] = existing
                self.existing_accounts.append(username)
                continue
            user = user_register(
                username=username, email=f"{username}@hitrec.localhost", password=PASSWORD
            )
            self.users[username] = user_profile_update(
                user=user, display_name=display_name, bio=bio, skills=SKILLS.get(username, ())
            )
        demo_addresses_verify(users=list(self.users.values()))

    def upload(self, work: Work) -> None:
        path = work.make(self.directory)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type=content_type)
        path.unlink()
        self.works[work.key] = contribution_create(
            author=self.users[work.author],
            title=work.title,
            description=work.description,
            license=work.license,
            file=upload,
            sources=[self.works[key].id for key in work.sources],
            project=self.projects[work.project].id if work.project else None,
            tags=WORK_TAGS.get(work.key, ()),
        )

    def projects_open(self) -> None:
        for plan in PROJECTS:
            owner = self.users[plan.owner]
            project = project_create(
                owner=owner, title=plan.title, brief=plan.brief, currency="USD",
                contributor_pool=plan.contributor_pool, upstream_share=plan.upstream_share,
            )  # fmt: skip
            if plan.opened:
                project = project_status_change(project=project, actor=owner, to="open")
            for kind, description, quantity in plan.asks:
                self.asks[plan.key, kind] = ask_create(
                    project=project, actor=owner, kind=kind, description=description,
                    quantity=quantity, tags=ASK_TAGS.get((plan.key, kind), ()),
                )  # fmt: skip
            self.projects[plan.key] = project

    def submissions(self) -> None:
        for project_key, work_key in RESOURCES:
            project = self.projects[project_key]
            resource_add(project=project, actor=project.owner, contribution=self.works[work_key])
        for project_key, work_key, ask_kind, message, accept, note in SUBMISSIONS:
            project, work = self.projects[project_key], self.works[work_key]
            submission = submission_create(
                project=project, actor=work.author, contribution=work,
                ask=self.asks[project_key, ask_kind] if ask_kind else None, message=message,
            )  # fmt: skip
            if accept is not None:
                submission_decide(
                    submission=submission, actor=project.owner, accept=accept, note=note
                )

    def credited_ready(self) -> None:
        """A release credits ready work only. With a worker (REDIS_URL) the jobs may still be
        queued, so run the credited ones here; the job is a no-op for work already ready."""
        for key, _ in CREDITS:
            contribution_process(contribution_id=self.works[key].id)
            work = Contribution.objects.get(pk=self.works[key].id)
            if work.status != Contribution.Status.READY:
                raise CommandError(f"“{work.title}” is {work.status}: {work.error}")
            self.works[key] = work

    def release(self) -> None:
        project = self.projects[RELEASE_PROJECT]
        credits = [CreditInput(self.works[key].id, Fraction(weight)) for key, weight in CREDITS]
        project_release(project=project, actor=project.owner, credits=credits, commercial=True)

    def revenue(self) -> None:
        project = self.projects[RELEASE_PROJECT]
        for key, amount, note in [*REVENUE, REPLAYED]:
            _, recorded = revenue_record(
                project=project, actor=project.owner, amount=amount, currency="USD", note=note,
                idempotency_key=key,
            )  # fmt: skip
            if not recorded:
                self.replay_recorded_nothing = True

    def publishing(self) -> None:
        project = self.projects[RELEASE_PROJECT]
        revenue_stream_create(
            project=project, actor=project.owner, name="publishing",
            contributions=[self.works[key].id for key in PUBLISHING_CREDITS],
        )  # fmt: skip
        key, amount, note = PUBLISHING_REVENUE
        revenue_record(
            project=project, actor=project.owner, amount=amount, currency="USD", note=note,
            idempotency_key=key, stream="publishing",
        )  # fmt: skip

    def statements(self) -> None:
        statements_build_month(period=timezone.now().date())
