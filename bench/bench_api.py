"""Benchmark: the contribution list and detail API through gunicorn, uncached against cached.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hitrec_bench_api \\
    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/bench_api.py [--contributions 10000]

Drops and recreates the database named in DATABASE_URL (it must start with `hitrec_bench`),
migrates it and loads a realistic catalogue through the ORM: 300 artists, 10,000
contributions (half images with six thumbnails and a clean copy, a quarter audio with a
waveform, video with a poster, text with its body), 40% of them remixing 1-3 earlier works,
one in 200 deleted (a tombstone). Then, in the same run:

* queries per request, counted in-process with `CaptureQueriesContext`: list pages of 10, 50
  and 100, a detail, anonymous and signed in; uncached (a fresh generation before each),
  cached, and revalidated (If-None-Match → 304);
* gunicorn (sync workers, DEBUG off) with `bench/settings_uncached.py` (hitrec's settings
  with a cache that keeps nothing: the baseline) and then with `hitrec.settings` (Redis):
  requests per second and p50/p99 latency from concurrent clients, each endpoint for a fixed
  time; and one client alone for the list page of 50 (its latency without queueing).

Writes the "API reads (gunicorn)" section of docs/benchmarks.md.
"""

import argparse
import os
import random
import shlex
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hitrec.settings")

from bench.bench_lineage import recreate_database  # noqa: E402
from bench.common import (  # noqa: E402
    Gunicorn,
    LoadResult,
    http_load,
    load_average,
    machine_description,
    server_env,
    update_section,
)

TITLE = "API reads (gunicorn)"
AUTHORS = 300
KINDS = ["image"] * 10 + ["audio"] * 5 + ["video"] * 2 + ["text"] * 3
THUMBNAILS = [(256, 171), (768, 512), (1600, 1067)]
WORDS = [
    "night",
    "bus",
    "orange",
    "dusk",
    "cello",
    "line",
    "harbour",
    "static",
    "bloom",
    "paper",
    "moon",
    "river",
    "signal",
    "tape",
    "glass",
    "choir",
    "echo",
    "field",
    "winter",
    "letter",
    "smoke",
    "engine",
    "garden",
    "rain",
    "wire",
    "lantern",
]
BASE_TIME = datetime(2025, 1, 1, tzinfo=UTC)

TARGET_LIST_QUERIES = 5
TARGET_LIST50_P50_MS = 25.0
TARGET_CACHED_SPEEDUP = 5.0


def phrase(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def seed(*, contributions: int, rng: random.Random) -> dict:
    """The catalogue, through the ORM (bulk inserts): returns ids and tokens to read with."""
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from contributions.models import Contribution, RemixLink
    from media.models import Rendition

    users = User.objects.bulk_create(
        User(
            username=f"artist{i}",
            email=f"artist{i}@example.org",
            display_name=phrase(rng, 2).title(),
            password="!",  # noqa: S106 - unusable: nobody signs in with these
        )
        for i in range(1, AUTHORS + 1)
    )
    works = []
    for i in range(1, contributions + 1):
        kind = rng.choice(KINDS)
        media = {
            "image": {"mime": "image/jpeg", "width": 4000, "height": 2667, "codec": "jpeg"},
            "audio": {"mime": "audio/mpeg", "duration_s": rng.uniform(30, 400), "codec": "mp3"},
            "video": {
                "mime": "video/mp4",
                "width": 1920,
                "height": 1080,
                "duration_s": rng.uniform(10, 300),
                "codec": "h264",
            },  # fmt: skip
            "text": {"mime": "text/plain"},
        }[kind]
        works.append(
            Contribution(
                author=rng.choice(users),
                kind=kind,
                title=f"{phrase(rng, 3).title()} {i}",
                description=phrase(rng, 30),
                license=rng.choice(["hitrec", "hitrec", "cc-by", "cc-by-sa", "cc0"]),
                file="" if kind == "text" else f"originals/{i:08x}/work-{i}",
                original_name="" if kind == "text" else f"work-{i}",
                text=phrase(rng, 200) if kind == "text" else "",
                bytes=rng.randint(10_000, 50_000_000),
                sha256=f"{rng.getrandbits(256):064x}",
                status=Contribution.Status.READY,
                progress_stage="ready",
                progress_percent=100,
                removed_at=BASE_TIME if i % 200 == 7 else None,
                **media,
            )
        )
    works = Contribution.objects.bulk_create(works, batch_size=2000)
    renditions = []
    for work in works:
        prefix = f"renditions/{work.id}"
        if work.kind == "image":
            for width, height in THUMBNAILS:
                for fmt, mime in (("webp", "image/webp"), ("jpg", "image/jpeg")):
                    renditions.append(
                        Rendition(
                            contribution=work,
                            role="thumbnail",
                            name=f"thumb-{width}.{fmt}",
                            file=f"{prefix}/thumb-{width}.{fmt}",
                            mime=mime,
                            width=width,
                            height=height,
                            bytes=width * 40,
                        )  # fmt: skip
                    )
        elif work.kind == "audio":
            renditions.append(
                Rendition(
                    contribution=work,
                    role="waveform",
                    name="waveform.json",
                    file=f"{prefix}/waveform.json",
                    mime="application/json",
                    bytes=8000,
                )  # fmt: skip
            )
        elif work.kind == "video":
            renditions.append(
                Rendition(
                    contribution=work,
                    role="poster",
                    name="poster.jpg",
                    file=f"{prefix}/poster.jpg",
                    mime="image/jpeg",
                    width=1280,
                    height=720,
                    bytes=90_000,
                )  # fmt: skip
            )
        if work.kind != "text":
            renditions.append(
                Rendition(
                    contribution=work,
                    role="clean",
                    name="original",
                    file=f"{prefix}/original",
                    mime=work.mime,
                    width=work.width,
                    height=work.height,
                    bytes=work.bytes,
                )  # fmt: skip
            )
    Rendition.objects.bulk_create(renditions, batch_size=5000)
    links = []
    for work in works[1:]:
        if rng.random() < 0.4:
            count = min(rng.randint(1, 3), work.id - works[0].id)
            for source in rng.sample(range(works[0].id, work.id), count):
                links.append(RemixLink(source_id=source, remix_id=work.id))
    RemixLink.objects.bulk_create(links, batch_size=5000)
    with connection.cursor() as cursor:
        # Creation times one minute apart, in id order (bulk_create stamped them all now).
        cursor.execute(
            "UPDATE contributions_contribution SET created_at = %s + (id * interval '1 minute')",
            [BASE_TIME],
        )
        for table in ("accounts_user", "contributions_contribution", "contributions_remixlink",
                      "media_rendition"):  # fmt: skip
            cursor.execute(f"VACUUM ANALYZE {table}")
    tokens = [Token.objects.create(user=user).key for user in users[:20]]
    public = [work.id for work in works if work.removed_at is None]
    return {
        "works": len(works),
        "renditions": len(renditions),
        "links": len(links),
        "public": public,
        "tokens": tokens,
        "removed": len(works) - len(public),
    }


def count_queries(client, path: str, **headers) -> tuple[int, int, str]:
    """(status, queries, ETag) of one in-process request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **headers)
    return response.status_code, len(captured.captured_queries), response.get("ETag", "")


def query_table(public: list[int], token: str) -> tuple[list[tuple[str, int, int, int]], int]:
    """Per endpoint: (name, uncached, cached, 304) queries; and the largest uncached list."""
    from django.test import Client

    from hitrec.caching import CONTRIBUTIONS, generation_bump

    rows, worst_list = [], 0
    viewers = {"anonymous": {}, "signed in (token)": {"HTTP_AUTHORIZATION": f"Token {token}"}}
    endpoints = [
        *[(f"list, page of {n}", f"/api/contributions/?page_size={n}") for n in (10, 50, 100)],
        ("list, kind=image, page 3 of 20", "/api/contributions/?kind=image&page=3"),
        ("detail", f"/api/contributions/{public[len(public) // 2]}/"),
    ]
    client = Client()
    for viewer, headers in viewers.items():
        for name, path in endpoints:
            generation_bump(CONTRIBUTIONS)
            status, uncached, etag = count_queries(client, path, **headers)
            assert status == 200, (path, status)
            status, cached, _ = count_queries(client, path, **headers)
            assert status == 200, (path, status)
            status, revalidated, _ = count_queries(client, path, HTTP_IF_NONE_MATCH=etag, **headers)
            assert status == 304, (path, status)
            rows.append((f"{name}, {viewer}", uncached, cached, revalidated))
            if name.startswith("list"):
                worst_list = max(worst_list, uncached)
    return rows, worst_list


def warm(base_url: str, paths: list[str], headers: dict[str, str]) -> None:
    """Request each path once, one after the other (fills the cache, when there is one)."""
    import urllib.request

    for path in paths:
        request = urllib.request.Request(base_url + path, headers=headers)  # noqa: S310
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            response.read()


def run_endpoints(
    server: Gunicorn, plan: dict, *, concurrency: int, seconds: float, warm_all: bool
) -> dict:
    """Each planned endpoint for `seconds` with `concurrency` clients."""
    results = {}
    for name, (paths, headers, expect) in plan.items():
        # Every path once when a cache is to be filled; else a few, to open DB connections.
        if expect == 200:
            warm(server.url, paths if warm_all else paths[: 2 * concurrency], headers)
        results[name] = http_load(
            server.url, paths, concurrency=concurrency, seconds=seconds, headers=headers,
            expect=expect,
        )  # fmt: skip
        one = results[name]
        print(
            f"  {name}: {one.rps:,.0f} req/s, p50 {one.ms(50):.1f} ms, p99 {one.ms(99):.1f} ms, "
            f"{len(one.errors)} errors {one.errors[:3]}",
            flush=True,
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contributions", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn's")
    parser.add_argument("--concurrency", type=int, default=0, help="clients (2 × workers)")
    parser.add_argument("--seconds", type=float, default=6.0, help="per endpoint and mode")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--no-write", action="store_true", help="print, do not update docs/")
    args = parser.parse_args()
    concurrency = args.concurrency or 2 * args.workers
    started = time.perf_counter()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL=postgres://postgres@127.0.0.1:5432/hitrec_bench_api")
    if not os.environ.get("REDIS_URL"):
        sys.exit("Set REDIS_URL=redis://127.0.0.1:6379/0: the cached figures are Redis's.")
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
    rows, worst_list = query_table(data["public"], data["tokens"][0])
    for row in rows:
        print(f"  queries {row}")

    rng = random.Random(args.seed)
    token = {"Authorization": f"Token {data['tokens'][0]}"}
    details = [f"/api/contributions/{i}/" for i in rng.sample(data["public"], 500)]
    pages = [
        f"/api/contributions/?kind={kind}&page={page}"
        for kind in ("image", "audio", "video", "text")
        for page in range(1, 6)
    ]
    list50 = ["/api/contributions/?page_size=50"]
    plan = {
        "list, page of 50": (list50, {}, 200),
        "list, page of 50, signed in": (list50, token, 200),
        "list by kind, pages 1-5 of 20": (pages, {}, 200),
        "detail, 500 different works": (details, {}, 200),
    }
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="hitrec-bench-api-") as tmp:
        logs = Path(tmp)
        modes: dict[str, dict[str, LoadResult]] = {}
        single: dict[str, LoadResult] = {}
        for mode, settings_module in (
            ("uncached", "bench.settings_uncached"),
            ("cached", "hitrec.settings"),
        ):
            print(
                f"{mode}: gunicorn with {args.workers} workers, {concurrency} clients", flush=True
            )
            with Gunicorn(
                workers=args.workers,
                env={**env, "DJANGO_SETTINGS_MODULE": settings_module},
                log_path=logs / f"gunicorn-{mode}.log",
            ) as server:
                mode_plan = dict(plan)
                if mode == "cached":
                    etag = _etag(server.url, list50[0])
                    mode_plan["list, page of 50, If-None-Match (304)"] = (
                        list50, {"If-None-Match": etag}, 304,
                    )  # fmt: skip
                modes[mode] = run_endpoints(
                    server, mode_plan, concurrency=concurrency, seconds=args.seconds,
                    warm_all=mode == "cached",
                )  # fmt: skip
                single[mode] = http_load(
                    server.url, list50, concurrency=1, seconds=max(2.0, args.seconds / 2)
                )
                print(f"  one client, list of 50: p50 {single[mode].ms(50):.1f} ms", flush=True)
            log_text = (logs / f"gunicorn-{mode}.log").read_text(errors="replace")
            if "Traceback" in log_text:
                print(log_text[-3000:])
    load_after = load_average()

    errors = sum(len(r.errors) for results in modes.values() for r in results.values())
    uncached, cached = modes["uncached"], modes["cached"]
    speedup = cached["list, page of 50"].rps / uncached["list, page of 50"].rps
    detail_speedup = (
        cached["detail, 500 different works"].rps / uncached["detail, 500 different works"].rps
    )
    list_p50 = single["uncached"].ms(50)
    verdict = lambda ok: "**pass**" if ok else "**FAIL**"  # noqa: E731
    reproduce = shlex.join(
        ["bench/bench_api.py", "--contributions", str(args.contributions), "--workers",
         str(args.workers), "--concurrency", str(concurrency), "--seconds", str(args.seconds)]
    )  # fmt: skip

    def fig(result: LoadResult) -> str:
        return f"{result.rps:,.0f} | {result.ms(50):.1f} / {result.ms(99):.1f}"

    endpoint_rows = "\n".join(
        f"| {name} | {fig(uncached[name])} | {fig(cached[name])} | "
        f"{cached[name].rps / uncached[name].rps:.1f}× |"
        for name in plan
    )
    revalidate = cached["list, page of 50, If-None-Match (304)"]
    query_rows = "\n".join(f"| {name} | {unc} | {hit} | {rev} |" for name, unc, hit, rev in rows)
    body = f"""
The public contribution list and detail (`GET /api/contributions/`, `GET /api/contributions/{{id}}/`)
served by gunicorn (sync workers, `DEBUG=0`, PostgreSQL, Redis), against the same code with
a cache that keeps nothing (`bench/settings_uncached.py`): the uncached baseline. Cached
reads come from hitrec/caching.py: responses stored in Redis under a generation that every
change moves on, ETag and Last-Modified for revalidation.

- Targets: list endpoints ≤ {TARGET_LIST_QUERIES} queries whatever the page size: {verdict(worst_list <= TARGET_LIST_QUERIES)} ({worst_list} at most); list page of 50, p50 ≤ {TARGET_LIST50_P50_MS:.0f} ms through gunicorn, uncached: {verdict(list_p50 <= TARGET_LIST50_P50_MS)} ({list_p50:.1f} ms, one client); cached reads ≥ {TARGET_CACHED_SPEEDUP:.0f}× uncached throughput (list page of 50): {verdict(speedup >= TARGET_CACHED_SPEEDUP)} ({speedup:.1f}×; detail {detail_speedup:.1f}×); errors: {errors}.
- Machine: {machine_description()}; load average {load_before:.2f} before the runs, {load_after:.2f} after (the machine may be shared).
- Data: {data["works"]:,} contributions by {AUTHORS} artists ({data["removed"]} deleted, kept as tombstones), {data["renditions"]:,} renditions, {data["links"]:,} remix links; seeded through the ORM and migrated in {build_s:.0f} s.
- Load: gunicorn with {args.workers} sync workers; {concurrency} client threads in the benchmark's process on the same machine, a new connection per request (sync workers close each), {args.seconds:.0f} s per endpoint after every path was requested once.
- Reproduce: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/hitrec_bench_api REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python {reproduce}`

| endpoint ({concurrency} clients) | uncached: req/s | p50 / p99 ms | cached: req/s | p50 / p99 ms | cached / uncached |
|---|---|---|---|---|---|
{endpoint_rows}
| list, page of 50, If-None-Match (304) | | | {fig(revalidate)} | {revalidate.rps / uncached["list, page of 50"].rps:.1f}× |
| list, page of 50, one client alone | {fig(single["uncached"])} | {fig(single["cached"])} | {single["cached"].rps / single["uncached"].rps:.1f}× |

Queries per request, counted in-process (`CaptureQueriesContext`); a signed-in reader's
include the token lookup:

| request | uncached | cached | If-None-Match (304) |
|---|---|---|---|
{query_rows}
"""
    if args.no_write:
        print(body)
        return
    print(f"wrote {update_section(TITLE, body)}")


def _etag(base_url: str, path: str) -> str:
    import urllib.request

    with urllib.request.urlopen(base_url + path, timeout=60) as response:  # noqa: S310
        return response.headers["ETag"]


if __name__ == "__main__":
    main()
