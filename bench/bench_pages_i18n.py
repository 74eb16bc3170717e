"""Benchmark: what languages cost a page, through gunicorn, against the same code without them.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hitrec_bench_pages_i18n \\
    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/bench_pages_i18n.py [--contributions 10000]

Drops and recreates the database named in DATABASE_URL (it must start with `hitrec_bench`),
migrates it and seeds the catalogue of bench/bench_api.py (its `seed`). Then, in the same run:

* in-process: `gettext` of a catalogued message in Spanish, 100,000 calls, and
  `hitrec.formats.money_display`, 10,000 calls, in µs per call; with languages off
  (`USE_I18N = False`) as the baseline, and whether the catalog and Babel's locale were
  loaded once (the same catalog object before and after, no new `_locale` cache miss);
* two gunicorns (sync workers, DEBUG off, both with a cache that keeps nothing, so every
  request renders): `bench/settings_no_i18n.py` (no LocaleMiddleware, no
  PreferredLanguageMiddleware, USE_I18N off: the page before languages existed) and
  `bench/settings_uncached.py` (hitrec's settings, languages on), read with
  `Accept-Language: en` and `es`. One client alone (latency without queueing) reads the
  browse page (`GET /contributions/`) and the API list (`GET /api/contributions/?page_size=50`)
  for a few seconds per mode, in rounds that alternate the order of the modes, so the
  drift of a shared machine falls on all of them alike; p50 is the median of the rounds'.

Writes the "Pages (i18n)" section of docs/benchmarks.md.
"""

import argparse
import os
import random
import shlex
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hitrec.settings")

from bench.bench_api import AUTHORS, seed  # noqa: E402
from bench.bench_lineage import recreate_database  # noqa: E402
from bench.common import (  # noqa: E402
    Gunicorn,
    LoadResult,
    http_load,
    load_average,
    machine_description,
    percentile,
    server_env,
    settle,
    update_section,
)

TITLE = "Pages (i18n)"
TARGET_RATIO = 1.10  # p50 with languages / p50 before them, each page and language

PAGES = {
    "browse page `/contributions/`": "/contributions/",
    "API list `/api/contributions/?page_size=50`": "/api/contributions/?page_size=50",
}
BEFORE = "before (no languages)"
# Mode: (server, request headers). The baseline ignores Accept-Language; a browser sends one.
MODES = {
    BEFORE: ("before", {"Accept-Language": "en"}),
    "with languages, en": ("with", {"Accept-Language": "en"}),
    "with languages, es": ("with", {"Accept-Language": "es"}),
}
SERVERS = {"before": "bench.settings_no_i18n", "with": "bench.settings_uncached"}
MESSAGE, MESSAGE_ES = "Language", "Idioma"  # a message of locale/es/LC_MESSAGES/django.po


def per_call_us(function, calls: int, repeat: int = 3) -> float:
    """µs per call of `function()`, the best of `repeat` runs of `calls` calls."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in range(calls):
            function()
        best = min(best, time.perf_counter() - started)
    return best / calls * 1e6


def lookups(*, gettext_calls: int, money_calls: int) -> dict:
    """Translation and formatting costs in this process (hitrec's settings, languages on)."""
    from django.test import override_settings
    from django.utils import translation
    from django.utils.translation import trans_real

    from hitrec import formats

    started = time.perf_counter()
    trans_real.DjangoTranslation("es")  # what loading the catalog from disk costs, once
    load_ms = (time.perf_counter() - started) * 1000

    def gettext() -> str:
        return translation.gettext(MESSAGE)

    def money() -> str:
        return formats.money_display(123456, currency="EUR")

    out = {"load_ms": load_ms}
    with translation.override("es"):
        assert gettext() == MESSAGE_ES, gettext()
        catalog = trans_real.translation("es")
        money()
        misses = formats._locale.cache_info().misses
        out["gettext_es"] = per_call_us(gettext, gettext_calls)
        out["money_es"] = per_call_us(money, money_calls)
        out["money_es_text"] = money()
        out["catalog_once"] = trans_real.translation("es") is catalog
        out["locale_misses"] = formats._locale.cache_info().misses - misses
    with translation.override("en"):
        out["gettext_en"] = per_call_us(gettext, gettext_calls)
        out["money_en"] = per_call_us(money, money_calls)
        out["money_en_text"] = money()
    # The baseline, no translation machinery: django.utils.translation keeps the functions
    # it first served, so they are forgotten for USE_I18N to be read again (its docstring).
    translation._trans.__dict__.clear()
    with override_settings(USE_I18N=False):
        assert gettext() == MESSAGE
        assert translation._trans.gettext.__module__.endswith("trans_null")
        out["gettext_off"] = per_call_us(gettext, gettext_calls)
        out["money_off"] = per_call_us(money, money_calls)
    translation._trans.__dict__.clear()
    return out


def check(base_url: str, path: str, headers: dict[str, str]) -> str:
    """One request: fails unless 200; returns the language the response says it is in."""
    request = urllib.request.Request(base_url + path, headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        body = response.read().decode("utf-8", "replace")
        assert response.status == 200, (path, response.status)
        if path.startswith("/api/"):
            return response.headers.get("Content-Language") or "no Content-Language"
        at = body.find('<html lang="')
        return body[at + 12 : body.index('"', at + 12)] if at >= 0 else "no lang"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contributions", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn's, per server")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0, help="per page, mode and round")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds per page and mode")
    parser.add_argument("--gettext-calls", type=int, default=100_000)
    parser.add_argument("--money-calls", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--no-write", action="store_true", help="print, do not update docs/")
    args = parser.parse_args()
    started = time.perf_counter()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL=postgres://postgres@127.0.0.1:5432/hitrec_bench_pages_i18n")
    recreate_database(url)
    env = server_env()
    os.environ.update({k: v for k, v in env.items() if k != "DJANGO_SETTINGS_MODULE"})

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    data = seed(contributions=args.contributions, rng=random.Random(args.seed))
    build_s = time.perf_counter() - started
    print(f"seeded {data['works']:,} contributions in {build_s:.0f} s", flush=True)

    costs = lookups(gettext_calls=args.gettext_calls, money_calls=args.money_calls)
    print(f"  lookups: {costs}", flush=True)

    load_before = load_average()
    others = settle(timeout_s=30)
    samples: dict[tuple[str, str], list[LoadResult]] = {(p, m): [] for p in PAGES for m in MODES}
    seen: dict[tuple[str, str], str] = {}
    with tempfile.TemporaryDirectory(prefix="hitrec-bench-pages-") as tmp:
        logs = Path(tmp)
        servers = {
            name: Gunicorn(
                workers=args.workers,
                env={**env, "DJANGO_SETTINGS_MODULE": module},
                log_path=logs / f"gunicorn-{name}.log",
            )
            for name, module in SERVERS.items()
        }
        try:
            for server in servers.values():
                server.__enter__()
            for page, path in PAGES.items():
                for mode, (server_name, headers) in MODES.items():
                    server = servers[server_name]
                    seen[page, mode] = check(server.url, path, headers)
                    # Both workers: every template, catalog and connection loaded before timing.
                    warm = http_load(
                        server.url, [path], concurrency=args.workers, seconds=args.warmup,
                        headers=headers,
                    )  # fmt: skip
                    assert not warm.errors, warm.errors[:3]
            for round_ in range(args.rounds):
                order = list(MODES) if round_ % 2 == 0 else list(reversed(MODES))
                for page, path in PAGES.items():
                    for mode in order:
                        server_name, headers = MODES[mode]
                        result = http_load(
                            servers[server_name].url, [path], concurrency=1,
                            seconds=args.seconds, headers=headers,
                        )  # fmt: skip
                        samples[page, mode].append(result)
                        print(
                            f"  round {round_ + 1}, {page}, {mode}: {result.requests} requests, "
                            f"p50 {result.ms(50):.2f} ms, p99 {result.ms(99):.2f} ms, "
                            f"{len(result.errors)} errors {result.errors[:3]}",
                            flush=True,
                        )
        finally:
            for server in servers.values():
                if server.process is not None:
                    server.__exit__(None, None, None)
        for name in SERVERS:
            log_text = (logs / f"gunicorn-{name}.log").read_text(errors="replace")
            if "Traceback" in log_text:
                print(log_text[-3000:])
    load_after = load_average()

    verdict = lambda ok: "**pass**" if ok else "**FAIL**"  # noqa: E731
    errors = sum(len(r.errors) for results in samples.values() for r in results)
    rows, ratios, summary = [], {}, []
    for page in PAGES:
        p50s = {m: [r.ms(50) for r in samples[page, m]] for m in MODES}
        before = statistics.median(p50s[BEFORE])
        for mode in MODES:
            results = samples[page, mode]
            p50 = statistics.median(p50s[mode])
            p99 = percentile([x for r in results for x in r.latencies], 99) * 1000
            span = f"{min(p50s[mode]):.2f}–{max(p50s[mode]):.2f}"
            requests = sum(r.requests for r in results)
            if mode == BEFORE:
                ratio_cells = "— | —"
            else:
                ratio = p50 / before
                ratios[page, mode] = ratio
                per_round = [w / b for w, b in zip(p50s[mode], p50s[BEFORE], strict=True)]
                ratio_cells = (
                    f"{ratio:.3f} ({min(per_round):.2f}–{max(per_round):.2f}) | "
                    f"{verdict(ratio <= TARGET_RATIO)}"
                )
                summary.append(f"{page.split(' `')[0]}, {mode.rsplit(' ', 1)[-1]}: {ratio:.3f}")
            rows.append(
                f"| {page} | {mode} (`{seen[page, mode]}`) | {p50:.2f} | {span} | {p99:.2f} | "
                f"{requests:,} | {ratio_cells} |"
            )
    pages_ok = all(r <= TARGET_RATIO for r in ratios.values()) and not errors
    cached_ok = costs["catalog_once"] and costs["locale_misses"] == 0
    reproduce = shlex.join(
        ["bench/bench_pages_i18n.py", "--contributions", str(args.contributions), "--workers",
         str(args.workers), "--rounds", str(args.rounds), "--seconds", str(args.seconds)]
    )  # fmt: skip
    table = "\n".join(rows)
    body = f"""
What languages (LocaleMiddleware, hitrec.i18n.PreferredLanguageMiddleware, `{{% translate %}}`
in the templates, Babel's formats, the Spanish catalog) cost the list pages, through gunicorn
(sync workers, `DEBUG=0`, PostgreSQL), against the same code without them:
`bench/settings_no_i18n.py` turns `USE_I18N` off and takes both middlewares out. Both servers
have a cache that keeps nothing (`bench/settings_uncached.py`), so every request renders.

- Targets: p50 with languages ≤ {TARGET_RATIO:.2f} × p50 before them, each page and language: {verdict(pages_ok)} ({"; ".join(summary)}; errors: {errors}); translation lookups cached (the Spanish catalog loaded once: the same object after {args.gettext_calls:,} `gettext` calls; Babel's locale parsed once: {costs["locale_misses"]} new `_locale` cache misses over {args.money_calls:,} `money_display` calls): {verdict(cached_ok)}.
- Machine: {machine_description()}; load average {load_before:.2f} before the runs, {load_after:.2f} after; others' CPU share when timing began {others:.0%} (the machine may be shared).
- Data: {data["works"]:,} contributions by {AUTHORS} artists ({data["removed"]} deleted), {data["renditions"]:,} renditions, {data["links"]:,} remix links (bench/bench_api.py's `seed`); migrated and seeded in {build_s:.0f} s.
- Load: two gunicorns with {args.workers} sync workers each, up side by side; one client thread alone (latency without queueing), a new connection per request, {args.seconds:g} s per page and mode in each of {args.rounds} rounds, after {args.warmup:g} s of warm-up per page and mode; the rounds alternate the order of the modes. p50: the median of the rounds' p50s (their range beside it); p99 over all the rounds' requests; the ratio's range is per round. In brackets after each mode, the language the response said it was in (`<html lang>`, `Content-Language`).
- Reproduce: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/hitrec_bench_pages_i18n REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python {reproduce}`

| page | mode (language served) | p50 ms | round p50s ms | p99 ms | requests | with / before p50 (per round) | ≤ {TARGET_RATIO:.2f} |
|---|---|---|---|---|---|---|---|
{table}

Lookups in one process (hitrec's settings; best of 3 runs; "languages off" is
`override_settings(USE_I18N=False)`). Loading the Spanish catalog from disk
(`DjangoTranslation("es")`) takes {costs["load_ms"]:.1f} ms; a lookup after it is a dictionary read:

| call | languages off | en | es |
|---|---|---|---|
| `gettext("{MESSAGE}")`, {args.gettext_calls:,} calls, µs per call | {costs["gettext_off"]:.2f} | {costs["gettext_en"]:.2f} | {costs["gettext_es"]:.2f} (“{MESSAGE_ES}”) |
| `money_display(123456, currency="EUR")`, {args.money_calls:,} calls, µs per call | {costs["money_off"]:.1f} | {costs["money_en"]:.1f} (“{costs["money_en_text"]}”) | {costs["money_es"]:.1f} (“{costs["money_es_text"]}”) |
"""
    if args.no_write:
        print(body)
        return
    print(f"wrote {update_section(TITLE, body)}")


if __name__ == "__main__":
    main()
