"""Update the translation catalogs from the code and templates, then compile them (docs/i18n.md)."""

from django.conf import settings
from django.core.management import BaseCommand, call_command

# Where no user-facing string lives: the virtualenv, tests, benchmarks, runtime files.
IGNORED = [".venv/*", "tests/*", "bench/*", "var/*", "docs/*", "deploy/*", "scripts/*"]


class Command(BaseCommand):
    help = (
        "Extract every marked string into locale/<language>/LC_MESSAGES/django.po for each "
        "language of settings.LANGUAGES but the source (English), then compile the .mo files."
    )

    def handle(self, *args, **options):
        languages = [code for code, _name in settings.LANGUAGES if code != "en"]
        # No source locations: a catalog then changes only when a message does, which keeps
        # diffs readable and lets the tests check that it is current.
        call_command(
            "makemessages", locale=languages, ignore_patterns=IGNORED, no_location=True,
            no_obsolete=True, verbosity=options["verbosity"],
        )  # fmt: skip
        call_command(
            "compilemessages", locale=languages, ignore_patterns=IGNORED,
            verbosity=options["verbosity"],
        )  # fmt: skip
