"""Send the daily digests now: for cron where no Celery beat runs (the embedded default)."""

from django.core.management.base import BaseCommand

from notifications.services import digests_enqueue


class Command(BaseCommand):
    help = "Queue (or, without Redis, send) one digest email per person with something waiting."

    def handle(self, *args, **options):
        people = digests_enqueue()
        self.stdout.write(self.style.SUCCESS(f"Digests queued for {people} people."))
