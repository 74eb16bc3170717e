"""`manage.py seed_demo`: fill an empty database with a living demo platform.

Everything is made through the services the API and the pages call, so every rule is checked
(licenses, sources older than their remix, accepted credits, ready works, NonCommercial work
kept out of a commercial release), and every file is real media made on the spot (Pillow
pictures, ffmpeg sounds and a clip, Markdown lyrics) that goes through the real pipeline.

What it makes:
- seven artists (the quick start's `demo` account among them), one password for all;
- 18 contributions of every kind, with remix chains: a chain three deep (Night Bus), a
  diamond (Dawn Collage), CC BY and CC BY-NC work, and a NonCommercial remix;
- Night Bus (released, commercial, credits with weights over that lineage), with revenue
  recorded under idempotency keys, so split, balances and this month's statements are real,
  and a publishing stream that pays the songwriting only;
- Paper Boats (open, with asks and pending submissions) and Static Radio (a draft).

It adds nothing when the database already has contributions. It stops at the first refusal
and never deletes what it made before it, so start a half-seeded database afresh
(`manage.py flush`) before running it again.
"""

import tempfile
import time
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import timezone
from tqdm import tqdm

from contributions.lineage import closure_get
from contributions.models import Contribution, RemixLink
from projects.models import Project, Submission
from royalties.models import RevenueEvent, Statement
from royalties.money import format_minor
from royalties.selectors import release_split
from royalties.services import (
    payout_threshold,
)
from royalties.splits import format_percent
from web.demo.plan import PASSWORD, RELEASE_PROJECT, WORKS
from web.demo.seeder import CHATTY_LOGGERS, ProgressStream, Seeder, quiet

NOTHING_TO_DO = "The database already has content; seed_demo adds nothing."


class Command(BaseCommand):
    help = (
        "Fill an empty database with a demo platform (artists, real media, remixes, an open "
        "and a released project, revenue, statements). Adds nothing if there is content."
    )

    def handle(self, *args, **options):
        if Contribution.objects.exists():
            self.stdout.write(NOTHING_TO_DO)
            return
        started = time.monotonic()
        with (
            tempfile.TemporaryDirectory(prefix="hitrec-seed-") as directory,
            quiet(CHATTY_LOGGERS),
        ):
            seeder = Seeder(Path(directory))
            steps = seeder.steps()
            with tqdm(total=len(steps), file=ProgressStream(self.stderr), unit="step",
                      bar_format="{l_bar}{bar}| {n}/{total} [{elapsed}]") as bar:  # fmt: skip
                for label, step in steps:
                    bar.set_description(f"seed_demo: {label[:32]:<32}")
                    step()
                    bar.update()
        self._report(seeder, time.monotonic() - started)

    def _report(self, seeder: Seeder, seconds: float) -> None:
        out = self.stdout.write
        out(self.style.SUCCESS(f"The hitrec demo is ready ({seconds:.1f} s)."))
        out("")
        out(f"Log in as any of these (password: {PASSWORD}):")
        for username, user in seeder.users.items():
            existing = username in seeder.existing_accounts
            note = " (an existing account: its password is unchanged)" if existing else ""
            out(f"  {user.username:<6} {user.public_name}{note}")
        out("")
        out("Created:")
        works = Contribution.objects.all()
        kinds = Counter(works.values_list("kind", flat=True))
        statuses = Counter(works.values_list("status", flat=True))
        kind_text = ", ".join(f"{kinds[k]} {k}" for k in Contribution.Kind.values if kinds[k])
        ready = statuses[Contribution.Status.READY]
        waiting = "" if ready == len(WORKS) else f"; {len(WORKS) - ready} queued for the worker"
        out(f"  {len(seeder.users)} artists")
        out(f"  {works.count()} contributions: {kind_text} ({ready} ready{waiting})")
        vocal = seeder.works["vocal-take"]
        depth = max(node.depth for node in closure_get(contribution_ids=[vocal.id]).nodes)
        out(
            f"  {RemixLink.objects.count()} remix links; a chain {depth} deep behind “{vocal.title}”, "
            f"a diamond behind “{seeder.works['collage'].title}”"
        )
        projects = Counter(Project.objects.values_list("status", flat=True))
        out("  " + ", ".join(f"{n} {status} project" for status, n in sorted(projects.items())))
        submissions = Counter(Submission.objects.values_list("status", flat=True))
        out("  submissions: " + ", ".join(f"{n} {s}" for s, n in sorted(submissions.items())))
        project = Project.objects.get(pk=seeder.projects[RELEASE_PROJECT].pk)
        split = release_split(release=project.release)
        names = {user.id: user.username for user in seeder.users.values()}
        out(
            f"  “{project.title}” (released) splits: "
            + ", ".join(f"{names[p.user_id]} {format_percent(p.share)}%" for p in split.parties)
        )
        events = RevenueEvent.objects.filter(project=project)
        total = sum(events.values_list("amount_minor", flat=True))
        replay = " (one key posted twice, recorded once)" if seeder.replay_recorded_nothing else ""
        out(f"  {events.count()} revenue events, {format_minor(total, currency='USD')} USD{replay}")
        statements = Statement.objects.all()
        payable = statements.filter(payable_minor__gt=0).count()
        threshold = format_minor(payout_threshold("USD"), currency="USD")
        out(
            f"  {statements.count()} statements for {timezone.now():%B %Y}: {payable} payable, "
            f"{statements.count() - payable} below the {threshold} USD threshold (carried forward)"
        )
        out("")
        out(
            "Next: `manage.py runserver`, then open http://127.0.0.1:8000/ "
            "(API docs at /api/docs/)."
        )
