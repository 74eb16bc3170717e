"""Run the processing job again for chosen contributions, with a progress bar."""

import time

from django.core.management.base import BaseCommand
from tqdm import tqdm

from contributions.models import Contribution
from media.services import processing_restart


class Command(BaseCommand):
    help = "Re-run the media processing job (all contributions, or those chosen by the options)."

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=Contribution.Kind.values, action="append")
        parser.add_argument("--failed", action="store_true", help="only those that failed")
        parser.add_argument("--id", type=int, action="append", dest="ids")
        parser.add_argument(
            "--wait", action="store_true", help="wait for the worker(s) to finish every job"
        )

    def handle(self, *args, kind=None, failed=False, ids=None, wait=False, **options):
        chosen = Contribution.objects.filter(removed_at__isnull=True)
        if kind:
            chosen = chosen.filter(kind__in=kind)
        if failed:
            chosen = chosen.filter(status=Contribution.Status.FAILED)
        if ids:
            chosen = chosen.filter(pk__in=ids)
        pks = list(chosen.order_by("pk").values_list("pk", flat=True))
        queued = 0
        for pk in tqdm(pks, desc="queueing", unit="job", file=self.stderr):
            queued += processing_restart(contribution_id=pk)
        if wait and pks:
            self._wait(pks)
        outcome = Contribution.objects.filter(pk__in=pks).values_list("status", flat=True)
        counts = {status: list(outcome).count(status) for status in Contribution.Status.values}
        summary = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
        self.stdout.write(
            self.style.SUCCESS(f"Reprocessed {queued} contributions: {summary or 'none'}.")
        )

    def _wait(self, pks: list[int]) -> None:
        done_states = [Contribution.Status.READY, Contribution.Status.FAILED]
        with tqdm(total=len(pks), desc="processing", unit="job", file=self.stderr) as bar:
            while True:
                done = Contribution.objects.filter(pk__in=pks, status__in=done_states).count()
                bar.update(done - bar.n)
                if done == len(pks):
                    return
                time.sleep(0.5)
