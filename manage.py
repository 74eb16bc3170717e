#!/usr/bin/env python
"""Django's command-line utility for hitrec."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hitrec.settings")
    # The command line is where developers work, as `make run` does: DEBUG on unless the
    # environment says otherwise. Production sets DEBUG=0 for every process (compose, the
    # image, docs/operations.md), and then a missing SECRET_KEY stops every command.
    os.environ.setdefault("DEBUG", "1")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 - reads the settings now, to report them plainly
    except ImproperlyConfigured as exc:
        # Django would defer this and fail later with "Models aren't loaded yet".
        sys.exit(f"hitrec cannot start: {exc}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
