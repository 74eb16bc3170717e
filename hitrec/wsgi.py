"""WSGI entry point (gunicorn hitrec.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hitrec.settings")
application = get_wsgi_application()
