"""Benchmark: a 1 GiB upload streamed through gunicorn: throughput and the web process's memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hitrec_bench_upload \\
    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/bench_upload.py [--mib 1024]

Drops and recreates the database named in DATABASE_URL (it must start with `hitrec_bench`),
migrates it, makes one artist with a token, writes a 1 GiB file that sniffs as an MP4 video
(an `ftyp` box, then random bytes) in a temporary folder, and times in the same run:

* baselines: `cp` of the file, and Python reading it in 64 KiB chunks, hashing them with
  SHA-256 and writing them to another file (the least the server must do with an upload);
* `POST /api/contributions/` of the file as multipart form data, streamed by a client from
  disk, to gunicorn with one sync worker (DEBUG off, PostgreSQL, Redis): wall time from the
  first byte sent to the 201, and the worker's memory: its peak RSS (VmHWM, reset through
  /proc/PID/clear_refs just before) minus its RSS before the upload, checked by sampling
  VmRSS every 20 ms during it.

The processing job goes to a queue of its own that no worker reads; it is deleted at the end.
Writes the "Uploads (gunicorn)" section of docs/benchmarks.md.
"""

import argparse
import hashlib
import http.client
import os
import shlex
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hitrec.settings")

from bench.bench_lineage import recreate_database  # noqa: E402
from bench.common import (  # noqa: E402
    Gunicorn,
    load_average,
    machine_description,
    server_env,
    update_section,
)

TITLE = "Uploads (gunicorn)"
MiB = 1024 * 1024
CHUNK = 64 * 1024
TARGET_GROWTH_MB = 50.0
# An ISO BMFF `ftyp` box (brand isom): the upload handler's first-chunk sniff says "video".
FTYP = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"


def make_file(path: Path, size: int) -> None:
    block = os.urandom(8 * MiB)
    with open(path, "wb") as out:
        out.write(FTYP)
        written = len(FTYP)
        while written < size:
            piece = block[: min(len(block), size - written)]
            out.write(piece)
            written += len(piece)


def copy_hashing(source: Path, target: Path) -> str:
    digest = hashlib.sha256()
    with open(source, "rb") as src, open(target, "wb") as out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


class RssSampler(threading.Thread):
    """The largest VmRSS of a process, sampled every 20 ms until stopped."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak_kib, self.stopped = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.peak_kib = max(self.peak_kib, status_kib(self.pid, "VmRSS"))
            time.sleep(0.02)


def upload(base_url: str, token: str, path: Path) -> tuple[int, dict, float]:
    """POST the file as multipart form data, streamed from disk: (status, body, seconds)."""
    import json

    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nA long take\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="take.mp4"\r\n'
        "Content-Type: video/mp4\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    size = path.stat().st_size
    host, port = base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=900)
    started = time.perf_counter()
    conn.putrequest("POST", "/api/contributions/")
    conn.putheader("Authorization", f"Token {token}")
    conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    conn.putheader("Content-Length", str(len(head) + size + len(tail)))
    conn.endheaders()
    conn.send(head)
    with open(path, "rb") as source:
        while chunk := source.read(MiB):
            conn.send(chunk)
    conn.send(tail)
    response = conn.getresponse()
    body = response.read()
    seconds = time.perf_counter() - started
    conn.close()
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = {"raw": body[:500].decode(errors="replace")}
    return response.status, parsed, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=1024, help="size of the upload in MiB")
    parser.add_argument("--no-write", action="store_true", help="print, do not update docs/")
    args = parser.parse_args()
    size = args.mib * MiB

    url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not url.startswith(("postgres://", "postgresql://")) or not redis_url:
        sys.exit(
            "Set DATABASE_URL=postgres://postgres@127.0.0.1:5432/hitrec_bench_upload and "
            "REDIS_URL=redis://127.0.0.1:6379/0"
        )
    recreate_database(url)
    queue = f"hitrec-bench-upload-{uuid.uuid4().hex[:8]}"
    env = server_env(HITREC_QUEUE_DEFAULT=queue, HITREC_QUEUE_MEDIA=queue, HITREC_QUEUE_MONEY=queue)
    os.environ.update({k: v for k, v in env.items() if k != "DJANGO_SETTINGS_MODULE"})

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from rest_framework.authtoken.models import Token

    from accounts.models import User

    artist = User.objects.create_user(username="uploader", email="uploader@example.org")
    token = Token.objects.create(user=artist).key

    with tempfile.TemporaryDirectory(prefix="hitrec-bench-upload-", dir=ROOT / "var") as tmp:
        tmp = Path(tmp)
        source = tmp / "take.mp4"
        make_file(source, size)
        load_before = load_average()

        started = time.perf_counter()
        subprocess.run(["cp", str(source), str(tmp / "copy-cp")], check=True)
        cp_s = time.perf_counter() - started
        (tmp / "copy-cp").unlink()
        started = time.perf_counter()
        sha256 = copy_hashing(source, tmp / "copy-hash")
        hash_copy_s = time.perf_counter() - started
        (tmp / "copy-hash").unlink()
        print(f"cp {cp_s:.2f} s, read+sha256+write {hash_copy_s:.2f} s", flush=True)

        (tmp / "media").mkdir()
        (tmp / "uploads").mkdir()
        server_env_ = {
            **env,
            "MEDIA_ROOT": str(tmp / "media"),
            "FILE_UPLOAD_TEMP_DIR": str(tmp / "uploads"),
        }
        with Gunicorn(
            workers=1, env=server_env_, log_path=tmp / "gunicorn.log", timeout=900
        ) as server:
            # A small upload first: the worker imports and warms what an upload needs.
            small = tmp / "small.mp4"
            make_file(small, MiB)
            status, _, _ = upload(server.url, token, small)
            assert status == 201, status
            (pid,) = server.worker_pids()
            rss_before = status_kib(pid, "VmRSS")
            hwm_before = status_kib(pid, "VmHWM")
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS now
            sampler = RssSampler(pid)
            sampler.start()
            status, body, upload_s = upload(server.url, token, source)
            sampler.stopped.set()
            sampler.join()
            hwm_after = status_kib(pid, "VmHWM")
            rss_after = status_kib(pid, "VmRSS")
            log = (tmp / "gunicorn.log").read_text(errors="replace")
        load_after = load_average()
    _queue_delete(redis_url, queue)

    if status != 201:
        sys.exit(f"the upload failed: HTTP {status} {body}\n{log[-3000:]}")
    assert body["media"]["bytes"] == size, body["media"]
    assert body["media"]["sha256"] == sha256, "the stored upload's hash differs"
    growth_mb = (hwm_after - rss_before) / 1024
    sampled_mb = (sampler.peak_kib - rss_before) / 1024
    mb = size / 1e6
    rate, cp_rate, hash_rate = mb / upload_s, mb / cp_s, mb / hash_copy_s
    verdict = "**pass**" if growth_mb < TARGET_GROWTH_MB else "**FAIL**"
    print(f"upload {upload_s:.2f} s ({rate:.0f} MB/s), memory growth {growth_mb:.1f} MB")
    reproduce = shlex.join(["bench/bench_upload.py", "--mib", str(args.mib)])
    body_md = f"""
One {args.mib:,} MiB file ({size:,} bytes; it sniffs as an MP4 video, then random bytes)
uploaded with `POST /api/contributions/` as multipart form data, streamed from disk by a
client on the same machine to gunicorn with one sync worker (`DEBUG=0`, PostgreSQL, Redis).
The upload handler (contributions/uploads.py) writes each 64 KiB chunk to a temporary file
and hashes it on the way; the storage then moves that file into place. Baselines in the
same run, on the same disk: `cp` of the file, and Python reading it in 64 KiB chunks,
hashing and writing them (the least the server must do).

- Target: the web process's memory grows by less than {TARGET_GROWTH_MB:.0f} MB during a 1 GiB upload: {verdict} ({growth_mb:.1f} MB).
- Machine: {machine_description()}; load average {load_before:.2f} before, {load_after:.2f} after (the machine may be shared). The files are in the page cache (nothing is flushed between runs).
- Reproduce: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/hitrec_bench_upload REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python {reproduce}`

| figure | measured | against the baselines |
|---|---|---|
| upload, first byte sent to 201 | {upload_s:.2f} s = {rate:,.0f} MB/s | {rate / hash_rate:.2f}× read+hash+write, {rate / cp_rate:.2f}× `cp` |
| baseline: read + SHA-256 + write, 64 KiB chunks | {hash_copy_s:.2f} s = {hash_rate:,.0f} MB/s | |
| baseline: `cp` | {cp_s:.2f} s = {cp_rate:,.0f} MB/s | |
| web worker's peak RSS − its RSS before (VmHWM, reset before the upload) | {growth_mb:.1f} MB | < {TARGET_GROWTH_MB:.0f} MB: {verdict} |
| … the same from VmRSS sampled every 20 ms | {sampled_mb:.1f} MB | |
| web worker's RSS before / after / peak since it started | {rss_before / 1024:.0f} / {rss_after / 1024:.0f} / {max(hwm_before, hwm_after) / 1024:.0f} MB | |

The stored file's size and SHA-256 (from the API's answer) were checked against the source.
"""
    if args.no_write:
        print(body_md)
        return
    print(f"wrote {update_section(TITLE, body_md)}")


def _queue_delete(redis_url: str, queue: str) -> None:
    """Drop the job queue nobody reads (the contribution's processing job)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    client.delete(queue)
    client.close()


if __name__ == "__main__":
    main()
