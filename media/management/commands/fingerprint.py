"""Fingerprint the works uploaded before the credit guard (or all again), with a progress bar."""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from contributions.models import Contribution
from media import sound_index
from media.management.commands.sound_index import rebuild_with_progress
from media.services import contribution_fingerprint


class Command(BaseCommand):
    help = (
        "Fingerprint every ready work that has no fingerprint yet, oldest first, and find what "
        "each probably uses. Stopped, it goes on where it was when run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            help="fingerprint again the works that have one too (after the algorithm changed)",
        )
        parser.add_argument(
            "--after", type=int, default=0, metavar="ID", help="start after this work's id"
        )
        parser.add_argument("--id", type=int, action="append", dest="ids")

    def handle(self, *args, all=False, after=0, ids=None, **options):
        chosen = Contribution.objects.filter(
            status=Contribution.Status.READY, removed_at__isnull=True, pk__gt=after
        )
        if not all:
            chosen = chosen.filter(fingerprint__isnull=True)
        if ids:
            chosen = chosen.filter(pk__in=ids)
        pks = list(chosen.order_by("pk").values_list("pk", flat=True))
        done, last = 0, None
        # Oldest first: each work is compared with every earlier one already indexed, and an
        # earlier one indexed later finds it from its side (media/credit_guard/).
        for pk in tqdm(pks, desc="fingerprinting", unit="work", file=self.stderr):
            done += contribution_fingerprint(contribution_id=pk)
            last = pk
        resume = f" (the last was #{last}; --after {last} goes on from there)" if last else ""
        self.stdout.write(self.style.SUCCESS(f"Fingerprinted {done} works{resume}."))
        if all and sound_index.enabled():
            # Every work's postings were appended again: the rebuild drops the old ones.
            total = rebuild_with_progress(self.stderr)
            if total is None:
                self.stdout.write("A rebuild of the sound index was under way; it was left to it.")
            else:
                self.stdout.write(f"The sound index holds {total:,} postings.")
