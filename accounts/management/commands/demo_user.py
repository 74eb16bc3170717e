"""Create (or reset) the quick start's demo account and print how to log in."""

from django.core.management.base import BaseCommand

from accounts.services import demo_user_ensure


class Command(BaseCommand):
    help = "Create the demo account (idempotent) and print its username and password."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="demo")
        parser.add_argument("--password", default="remix-the-world")

    def handle(self, *args, username: str, password: str, **options):
        user, created = demo_user_ensure(username=username, password=password)
        verb = "Created" if created else "Ready"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb}: demo account  username={user.username}  password={password}"
            )
        )
