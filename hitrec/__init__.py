"""hitrec project package: settings, URLs, the Celery app and the WSGI/ASGI entry points.

Importing it loads nothing: pure modules (royalties.splits, hitrec.gcpause…) may import from
it without Django or Celery. The Celery app is loaded by HitrecConfig.ready() when Django
starts, and by `celery -A hitrec`, which finds `hitrec.celery.app` by itself.
"""
