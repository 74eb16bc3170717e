"""Derive the lineage closure and counts again from the remix links, with a progress bar."""

from django.core.management.base import BaseCommand
from django.db import transaction
from tqdm import tqdm

from contributions.ancestry import ancestry_rebuild


class Command(BaseCommand):
    help = (
        "Derive the lineage closure and counts again from the remix links: after a bulk load "
        "with the triggers off, or a restore of the links alone. One transaction: readers "
        "see the old closure until it commits."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch", type=int, default=20_000, help="Contribution ids walked per statement."
        )

    def handle(self, *args, batch: int, **options):
        with tqdm(total=0, desc="lineage", unit="batch", file=self.stderr) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            with transaction.atomic():
                ancestry_rebuild(batch=batch, progress=progress)
        self.stdout.write("The lineage closure and counts match the remix links again.")
