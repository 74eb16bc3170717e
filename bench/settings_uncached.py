"""Benchmark-only settings: hitrec's own, with a cache that keeps nothing (the uncached baseline).

`bench/bench_api.py` starts one gunicorn with these and one with `hitrec.settings`, so the
cached and uncached figures come from the same code; the product has no switch for it.
"""

from hitrec.settings import *  # noqa: F403

CACHES = {**CACHES, "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}  # noqa: F405
