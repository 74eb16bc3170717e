"""Benchmark-only settings: the uncached baseline (`settings_uncached.py`) without languages.

`bench/bench_pages_i18n.py` compares pages served with these against the same code with
`bench.settings_uncached` (hitrec's settings, languages on): what a page cost before
languages existed, as near as the same code allows. No translation machinery (USE_I18N off:
`{% translate %}` gives its text back as written, Babel formats in LANGUAGE_CODE) and neither
of the middlewares that pick the reader's language. The product has no switch for it.
"""

from bench.settings_uncached import *  # noqa: F403

USE_I18N = False
MIDDLEWARE = [
    m
    for m in MIDDLEWARE  # noqa: F405
    if m
    not in ("django.middleware.locale.LocaleMiddleware", "hitrec.i18n.PreferredLanguageMiddleware")
]
