"""Make the credit guard's sound index in Redis again from the database, with a progress bar."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from media import sound_index
from media.services import sound_index_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the sound index held in Redis (HITREC_SOUND_INDEX_URL) from the kept keys: "
        "after Redis lost it, or to drop the old postings of works fingerprinted again. "
        "Look-ups go on meanwhile, from the old index or the database."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild"])

    def handle(self, *args, action, **options):
        if not sound_index.enabled():
            raise CommandError(
                "No sound index is configured (HITREC_SOUND_INDEX_URL or REDIS_URL)."
            )
        total = rebuild_with_progress(self.stderr)
        if total is None:
            raise CommandError("Another rebuild is under way; run this again once it ends.")
        self.stdout.write(self.style.SUCCESS(f"The sound index holds {total:,} postings."))


def rebuild_with_progress(stderr) -> int | None:
    """`sound_index_rebuild` with a progress bar on `stderr` (this command's, and
    `fingerprint --all`'s last step): the number of postings, or None if one was under way."""
    with tqdm(
        total=sound_index.rows_to_index(), desc="sound index", unit="key", file=stderr
    ) as bar:
        return sound_index_rebuild(progress=bar.update)
