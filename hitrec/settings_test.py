"""Settings for the test suite: production's own, but over plain HTTP and without limits.

The test client speaks plain HTTP and makes hundreds of accounts from one address; the
tests of HTTPS settings and abuse limits (tests/security) set those values themselves, and
`check --deploy` runs on hitrec.settings in a subprocess. Celery worker processes started
by the integration tests run on hitrec.settings.
"""

import os

# Production settings refuse to start without a secret key; the suite (and the worker and
# web processes it starts, which inherit this environment) uses a key of its own.
os.environ.setdefault("SECRET_KEY", "hitrec-test-suite-only-" + "x" * 40)

from hitrec.settings import *  # noqa: E402, F403
from hitrec.settings import HITREC_THROTTLE_RATES, REST_FRAMEWORK  # noqa: E402

SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
HITREC_THROTTLE_RATES = dict.fromkeys(HITREC_THROTTLE_RATES)  # None: unlimited
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": HITREC_THROTTLE_RATES}
# Tests read from the primary even when DATABASE_REPLICA_URL is set (the `replica` alias is
# then a test mirror of it); tests/integration/test_replica.py turns replica reads on itself.
HITREC_REPLICA_READS = False
