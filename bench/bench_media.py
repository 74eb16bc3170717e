"""Benchmark: image renditions and MP3 waveforms against naive and bare-decode baselines."""

import argparse
import cProfile
import gc
import hashlib
import json
import math
import os
import pstats
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image, features  # noqa: E402

from bench.common import machine_description, update_section  # noqa: E402
from media import ffmpeg, images  # noqa: E402
from media.images import Rendition  # noqa: E402

IMAGE_SIZE = (6000, 4000)
AUDIO_SECONDS = 600
AUDIO_RATE = 44100
MP3_BITRATE = "192k"

TARGET_NAIVE_SPEEDUP = 3.0
TARGET_IMAGE_FLOOR_RATIO = 2.5
TARGET_IMAGE_PEAK_MB = 100.0
TARGET_AUDIO_FLOOR_RATIO = 1.5

Sample = dict  # what a measuring child reports: wall, cpu, peak memory, detail


# --- inputs ---------------------------------------------------------------------------------


def make_jpeg(path: Path) -> None:
    """24 MP with detail at every scale, so the JPEG is photo-sized (~8 MB at quality 90)."""
    w, h = IMAGE_SIZE
    bicubic = Image.Resampling.BICUBIC
    fractal = Image.effect_mandelbrot((w, h), (-2.2, -1.2, 1.0, 1.2), 100)
    fine = Image.effect_noise((w, h), 40)  # sensor-like grain: what makes JPEGs expensive
    # Blotches a few pixels wide survive downscaling, so thumbnails are not flat either.
    mid = Image.effect_noise((w // 8, h // 8), 60).resize((w, h), bicubic)
    coarse = Image.effect_noise((w // 64, h // 64), 80).resize((w, h), bicubic)
    across = Image.linear_gradient("L").transpose(Image.Transpose.ROTATE_90).resize((w, h))
    radial = Image.radial_gradient("L").resize((w, h))
    red = Image.blend(Image.blend(fractal, mid, 0.25), fine, 0.25)
    green = Image.blend(
        Image.blend(across, coarse, 0.5), fine.transpose(Image.Transpose.ROTATE_180), 0.2
    )
    blue = Image.blend(
        Image.blend(radial, fractal.transpose(Image.Transpose.FLIP_TOP_BOTTOM), 0.5), mid, 0.2
    )
    Image.merge("RGB", (red, green, blue)).save(path, quality=90)


def make_mp3(path: Path) -> None:
    """Two tones in pink noise, different per channel, with a slow tremolo: 44.1 kHz stereo."""
    sources = [
        f"sine=frequency=220:sample_rate={AUDIO_RATE}:duration={AUDIO_SECONDS}",
        f"sine=frequency=329.63:sample_rate={AUDIO_RATE}:duration={AUDIO_SECONDS}",
        f"anoisesrc=color=pink:amplitude=0.3:sample_rate={AUDIO_RATE}:duration={AUDIO_SECONDS}:seed=1",
        f"anoisesrc=color=pink:amplitude=0.3:sample_rate={AUDIO_RATE}:duration={AUDIO_SECONDS}:seed=2",
    ]
    graph = (
        "[0][2]amix=inputs=2[l];[1][3]amix=inputs=2[r];"
        "[l][r]join=inputs=2:channel_layout=stereo,volume=0.8,tremolo=f=0.5:d=0.6[a]"
    )
    inputs = [arg for source in sources for arg in ("-f", "lavfi", "-i", source)]
    subprocess.run(
        ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *inputs]
        + ["-filter_complex", graph, "-map", "[a]", "-c:a", "libmp3lame", "-b:a", MP3_BITRATE]
        + [str(path)],
        check=True,
    )


# --- what the children measure --------------------------------------------------------------


def decode_at_scale(path: Path, long_side: int) -> list[int]:
    """The floor: the same draft request as images._decode_largest, then load(), nothing else."""
    with Image.open(path) as im:
        scale = long_side / max(im.size)
        if scale < 1:
            im.draft("RGB", (math.ceil(im.width * scale), math.ceil(im.height * scale)))
        im.load()
        return list(im.size)


def naive_renditions(path: Path, out: Path) -> list[list]:
    """The baseline: per size, decode all 24 MP again and resize from there; same encoders."""
    out.mkdir(parents=True, exist_ok=True)
    made = []
    for size in sorted(images.DEFAULT_SIZES):
        with Image.open(path) as im:
            im.load()
            scaled = im.resize(images.fitted_size(im.size, size), Image.Resampling.LANCZOS)
        for ext, fmt, options in (
            ("webp", "WEBP", images._WEBP_OPTIONS),
            ("jpg", "JPEG", images._JPEG_OPTIONS),
        ):
            dest = out / f"thumb-{size}.{ext}"
            scaled.save(dest, fmt, **options)
            made.append([dest.name, *scaled.size, dest.stat().st_size, None])
    return made


def describe(renditions: tuple[Rendition, ...]) -> list[list]:
    return [
        [r.name, r.width, r.height, r.size_bytes, hashlib.sha256(r.path.read_bytes()).hexdigest()]
        for r in renditions
    ]


def encode_only(images_to_save: list[tuple[Image.Image, Path, str, str]]) -> list[list]:
    """The six saves alone, by the pipeline's own images._save (its options, its encoders)."""
    return [
        [r.name, r.width, r.height, r.size_bytes, None]
        for r in (images._save(*args) for args in images_to_save)
    ]


def prepare_encodes(path: Path, out: Path) -> list[tuple[Image.Image, Path, str, str]]:
    """What render_sizes hands to its saves: decoded, oriented, fitted and flattened images."""
    out.mkdir(parents=True, exist_ok=True)
    targets = sorted(images.DEFAULT_SIZES)
    with images._open_checked(path, images.DEFAULT_MAX_PIXELS) as im:
        largest, _decoded = images._decode_largest(im, targets[-1])
    saves = []
    for target in targets:
        image = images._fit(largest, target)
        saves.append((image, out / f"thumb-{target}.webp", "WEBP", "image/webp"))
        saves.append((images._flatten(image), out / f"thumb-{target}.jpg", "JPEG", "image/jpeg"))
    return saves


# Variant C, NOT applied to media/images.py (it gains nothing on a worker that already runs
# one job per core): kept here, patched in only inside its own measuring child, as the record.


def render_sizes_overlapped(
    largest: Image.Image, targets: list[int], dest: Path
) -> list[Rendition]:
    """Variant C of images.render_sizes: WebP encodes on a second thread (libwebp drops the GIL)."""
    webp, jpeg = {}, {}
    with ThreadPoolExecutor(max_workers=1) as encoder:
        # Largest first: its WebP is the longest job, so it should start as early as possible.
        for target in sorted(targets, reverse=True):
            image = images._fit(largest, target)
            # Its own copy: save() stores its options on the Image object (encoderinfo), so
            # two threads saving one object mix up each other's settings.
            webp[target] = encoder.submit(
                images._save, image.copy(), dest / f"thumb-{target}.webp", "WEBP", "image/webp"
            )
            flat = images._flatten(image)
            jpeg[target] = images._save(flat, dest / f"thumb-{target}.jpg", "JPEG", "image/jpeg")
        return [r for t in targets for r in (webp[t].result(), jpeg[t])]


def prepare_image_case(case: str, spec: dict, work: Path) -> Callable[[], object]:
    """Import, warm up on a tiny JPEG (plugins, codecs: a worker is long-lived), return the call."""
    jpeg, tiny = Path(spec["jpeg"]), Path(spec["tiny"])
    if case == "image_floor":
        decode_at_scale(tiny, max(images.DEFAULT_SIZES))
        return partial(decode_at_scale, jpeg, max(images.DEFAULT_SIZES))
    if case == "image_naive":
        naive_renditions(tiny, work / "warm-up")
        return partial(naive_renditions, jpeg, work / "out")
    if case == "image_encode":
        encode_only(prepare_encodes(tiny, work / "warm-up"))
        return partial(encode_only, prepare_encodes(jpeg, work / "out"))
    if case == "image_C":
        images.render_sizes = render_sizes_overlapped
    images.process_image(tiny, out_dir=work / "warm-up")
    if case == "image_profile":
        return partial(profile_process_image, jpeg, work / "out")
    return lambda: describe(images.process_image(jpeg, out_dir=work / "out").renditions)


def profile_process_image(path: Path, out: Path) -> dict:
    """Where process_image's time goes, from cProfile: each stage is a distinct Pillow function."""
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    images.process_image(path, out_dir=out)
    profiler.disable()
    total = time.perf_counter() - started
    stages = {
        "decode at reduced scale": ("ImageFile.py", "load"),
        "copies of an image": ("Image.py", "copy"),
        "resizes": ("Image.py", "resize"),
        "WebP encodes": ("WebPImagePlugin.py", "_save"),
        "JPEG encodes": ("JpegImagePlugin.py", "_save"),
    }
    found = {label: [0, 0.0] for label in stages}
    for (filename, _line, name), (_cc, calls, _tt, cumulative, _callers) in pstats.Stats(
        profiler
    ).stats.items():
        for label, (module, function) in stages.items():
            if filename.endswith(os.sep + module) and name == function:
                found[label][0] += calls
                found[label][1] += cumulative
    found["everything else"] = [0, total - sum(seconds for _, seconds in found.values())]
    return {"total": total, "stages": found}


def wrap_ffmpeg(work: Path) -> None:
    """Stand a wrapper in for ffmpeg/ffprobe that logs its argv and its own peak RSS.

    ru_maxrss of a forked child starts at the forking process's RSS (and crosses exec), so
    RUSAGE_CHILDREN would report the Python worker's size whenever it exceeds ffmpeg's. GNU
    time forks ffmpeg from a tiny process, so its %M is ffmpeg's own high-water mark.
    """
    timer = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
    for tool in ("ffmpeg", "ffprobe"):
        real = ffmpeg.binary(tool)
        measure = f"{timer} -f %M -a -o {shlex.quote(str(work / 'ffmpeg.rss'))} " if timer else ""
        script = work / f"{tool}-wrapper"
        script.write_text(
            "#!/bin/sh\n"
            f"printf '%s\\0' \"$@\" > {shlex.quote(str(work / (tool + '.argv')))}\n"
            f'exec {measure}{shlex.quote(real)} "$@"\n'
        )
        script.chmod(0o755)
    ffmpeg.binary = lambda tool: str(work / f"{tool}-wrapper")


def prepare_audio_case(case: str, spec: dict, work: Path) -> Callable[[], object]:
    from media.audio import process_audio
    from media.pipeline import process_file

    mp3 = Path(spec["mp3"])
    wrap_ffmpeg(work)
    if case == "audio_floor":
        # Exactly the pipeline's ffmpeg command line; its "pipe:1" is /dev/null here.
        argv = [ffmpeg.binary("ffmpeg"), *spec["ffmpeg_args"]]
        return partial(
            subprocess.run,
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=ffmpeg._CHILD_ENV,
            check=True,
        )
    if case == "audio_pipe":
        # The same command through the pipeline's supervisor, its output read and dropped.
        args = spec["ffmpeg_args"][len(ffmpeg._common_flags("ffmpeg")) :]
        return partial(
            ffmpeg.run, "ffmpeg", args, what="decode", timeout_s=600, on_stdout=lambda _: None
        )

    def run() -> dict:
        if case == "audio_pipeline":
            renditions = process_file(mp3, out_dir=work / "out").renditions
        else:  # audio_no_fmt: a caller that skips sniff() and passes no format
            result = process_audio(mp3, out_dir=work / "out")
            renditions = (result.waveform, *((result.preview,) if result.preview else ()))
        argv = (work / "ffmpeg.argv").read_bytes().split(b"\0")[:-1]
        return {
            "renditions": [r.name for r in renditions],
            "waveform": hashlib.sha256(renditions[0].path.read_bytes()).hexdigest(),
            "ffmpeg_args": [a.decode() for a in argv],
        }

    return run


def proc_status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def child(case: str, spec: dict) -> Sample:
    """Run one measured call in this fresh process; report time, CPU and peak memory."""
    work = Path(tempfile.mkdtemp(prefix=case + "-", dir=spec["work"]))
    prepare = prepare_audio_case if case.startswith("audio") else prepare_image_case
    call = prepare(case, spec, work)
    gc.collect()
    # Reset this process's high-water mark to its current RSS: the peak that follows is the
    # work's own. (ru_maxrss cannot be reset, and a spawned child inherits its parent's.)
    Path("/proc/self/clear_refs").write_text("5")
    baseline = proc_status_kib("VmRSS")
    cpu_self, cpu_children = (
        cpu_seconds(resource.RUSAGE_SELF),
        cpu_seconds(resource.RUSAGE_CHILDREN),
    )
    started = time.perf_counter()
    detail = call()
    wall = time.perf_counter() - started
    peak = proc_status_kib("VmHWM")
    rss_log = work / "ffmpeg.rss"
    ffmpeg_kib = (
        [int(line) for line in rss_log.read_text().split() if line.isdigit()]
        if rss_log.exists()
        else []
    )
    return {
        "wall": wall,
        "cpu_self": cpu_seconds(resource.RUSAGE_SELF) - cpu_self,
        "cpu_children": cpu_seconds(resource.RUSAGE_CHILDREN) - cpu_children,
        "work_mib": (peak - baseline) / 1024,
        "peak_mib": peak / 1024,
        "ffmpeg_mib": max(ffmpeg_kib) / 1024 if ffmpeg_kib else None,
        "detail": detail if isinstance(detail, dict | list) else None,
    }


# --- the parent: run children, summarise, write the section ----------------------------------


def run_child(case: str, spec: dict) -> Sample:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", case, "--spec", json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if proc.returncode != 0:
        sys.exit(f"{case} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.splitlines()[-1])


def p50(samples: list[Sample], key: str = "wall") -> float:
    return statistics.median(s[key] for s in samples)


def spread(samples: list[Sample]) -> str:
    walls = [s["wall"] for s in samples]
    return f"{p50(samples) * 1e3:,.0f} ms ({min(walls) * 1e3:,.0f}–{max(walls) * 1e3:,.0f})"


def paired(numerator: list[Sample], denominator: list[Sample]) -> str:
    """p50 ratio, and the range of the per-round ratios (each round ran both back to back)."""
    rounds = [a["wall"] / b["wall"] for a, b in zip(numerator, denominator, strict=True)]
    ratio = p50(numerator) / p50(denominator)
    return f"{ratio:.2f}× ({min(rounds):.2f}–{max(rounds):.2f})"


def memory(samples: list[Sample], key: str = "work_mib") -> float:
    return max(s[key] for s in samples)


def verdict(ok: bool) -> str:
    return "**pass**" if ok else "**FAIL**"


def versions() -> str:
    first = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True, check=True)
    ffmpeg_version = first.stdout.split()[2]
    # bench.common names the PostgreSQL server too; no database is involved here.
    machine = machine_description().split("; PostgreSQL")[0]
    return (
        f"{machine}; Pillow {Image.__version__} (libjpeg-turbo "
        f"{features.version_feature('libjpeg_turbo')}, libwebp {features.version('webp')});"
        f" ffmpeg {ffmpeg_version}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="fresh processes per figure")
    parser.add_argument("--no-write", action="store_true", help="print, do not update docs/")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--spec", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.child:
        print(json.dumps(child(args.child, json.loads(args.spec))))
        return
    if not Path("/proc/self/clear_refs").exists():
        sys.exit("This benchmark reads peak memory from Linux's /proc/self/status.")

    with tempfile.TemporaryDirectory(prefix="bench-media-") as temporary:
        tmp = Path(temporary)
        spec = {"jpeg": str(tmp / "photo.jpg"), "tiny": str(tmp / "tiny.jpg")}
        spec |= {"mp3": str(tmp / "track.mp3"), "work": str(tmp)}
        started = time.perf_counter()
        make_jpeg(Path(spec["jpeg"]))
        Image.effect_noise((96, 64), 40).convert("RGB").save(spec["tiny"], quality=90)
        make_mp3(Path(spec["mp3"]))
        print(f"inputs made in {time.perf_counter() - started:.0f} s")
        report = measure_all(spec, repeat=args.repeat)
    body = section(report, repeat=args.repeat)
    print(body)
    if not args.no_write:
        print(f"wrote {update_section('Media renditions', body)}")


def measure_all(spec: dict, *, repeat: int) -> dict:
    load_before = os.getloadavg()[0]
    image_cases = ["image_floor", "image_pipeline", "image_naive", "image_encode", "image_C"]
    audio_cases = ["audio_pipeline", "audio_floor", "audio_pipe"]
    samples: dict[str, list[Sample]] = {case: [] for case in image_cases + audio_cases}
    # Round-robin: load from other work on the machine then weighs on every figure alike.
    for round_ in range(repeat):
        for case in image_cases + audio_cases:
            sample = run_child(case, spec)
            samples[case].append(sample)
            if case == "audio_pipeline" and round_ == 0:
                # The floor runs the very command line the pipeline ran.
                spec["ffmpeg_args"] = sample["detail"]["ffmpeg_args"]
        print(f"round {round_ + 1}/{repeat} done")
    profile = run_child("image_profile", spec)["detail"]
    no_fmt = run_child("audio_no_fmt", spec)
    return {
        "samples": samples,
        "profile": profile,
        "no_fmt": no_fmt,
        "inputs": {
            "jpeg_bytes": Path(spec["jpeg"]).stat().st_size,
            "mp3_bytes": Path(spec["mp3"]).stat().st_size,
        },
        "ffmpeg_args": spec["ffmpeg_args"],
        "load": (load_before, os.getloadavg()[0]),
    }


def floor_explanation(floor: float, encode: float, resizes: float, pipeline: float) -> str:
    """Why process_image is where it is against the decode floor, from this run's figures."""
    target = TARGET_IMAGE_FLOOR_RATIO
    budget = (target - 1) * floor  # what the target leaves for everything after the decode
    needed = encode + resizes
    costs = (
        f"encoding the six files alone, from images already decoded and fitted, takes "
        f"{encode * 1e3:.0f} ms ({encode / floor:.2f}× the floor), and the three Hamming "
        f"resizes that make the three sizes take {resizes * 1e3:.0f} ms (profile): "
        f"{needed * 1e3:.0f} ms, so decode, resizes and encodes alone come to "
        f"{(floor + needed) / floor:.1f}× the floor"
    )
    reached = f"`process_image` reaches {pipeline / floor:.2f}×"
    if needed <= budget:
        return (
            f"**The floor target:** {target:g}× leaves {budget * 1e3:.0f} ms after the decode;"
            f" {costs}, within the target. {reached}: the rest is the pipeline's own overhead."
        )
    return (
        f"**Why the floor target fails:** {target:g}× leaves {budget * 1e3:.0f} ms "
        f"({target - 1:g}× the floor) for everything after the decode, and six renditions "
        f"(three sizes × WebP + JPEG) on one core need more: {costs}. {reached}, about that "
        f"sum; only fewer renditions, a cheaper filter or a second core would "
        f"bring it nearer {target:g}×."
    )


def section(report: dict, *, repeat: int) -> str:
    s = report["samples"]
    floor, pipeline, naive = s["image_floor"], s["image_pipeline"], s["image_naive"]
    encode, overlapped = s["image_encode"], s["image_C"]
    speedup = p50(naive) / p50(pipeline)
    to_floor = p50(pipeline) / p50(floor)
    image_peak = memory(pipeline)
    current = pipeline[0]["detail"]
    current_bytes = sum(r[3] for r in current)
    decoded = "×".join(map(str, floor[0]["detail"]))
    made = ", ".join(f"{r[0]} {r[1]}×{r[2]} ({r[3] / 1024:,.0f} KiB)" for r in current)

    def held(runs: list[Sample]) -> str:
        return f"{memory(runs):.0f} MB; {memory(runs, 'peak_mib'):.0f} MB"

    encoded = encode[0]["detail"]
    if [r[:4] for r in encoded] != [r[:4] for r in current]:
        sys.exit("the encode-only case did not write what process_image writes")
    c_out = overlapped[0]["detail"]
    c_same = [r[:4] for r in c_out] == [r[:4] for r in current] and all(
        a[4] == b[4] for a, b in zip(c_out, current, strict=True)
    )
    c_output = (
        "byte-identical" if c_same else f"{sum(r[3] for r in c_out) / current_bytes - 1:+.1%} bytes"
    )

    prof = report["profile"]
    resizes = prof["stages"]["resizes"][1]
    stages = ", ".join(
        f"{label} {seconds * 1e3:.0f} ms"
        + (f" ({calls} call{'s' if calls > 1 else ''})" if calls else "")
        for label, (calls, seconds) in prof["stages"].items()
    )
    why_floor = floor_explanation(p50(floor), p50(encode), resizes, p50(pipeline))

    a_floor, a_pipeline = s["audio_floor"], s["audio_pipeline"]
    audio_ratio = p50(a_pipeline) / p50(a_floor)
    audio_out = a_pipeline[0]["detail"]["renditions"]
    no_fmt = report["no_fmt"]

    def audio_row(label: str, runs: list[Sample], target: str = "", result: str = "") -> str:
        ff = memory(runs, "ffmpeg_mib") if runs[0]["ffmpeg_mib"] is not None else None
        ff_text = f"{ff:.0f} MB" if ff is not None else "n/a"
        return (
            f"| {label} | {spread(runs)} | {paired(runs, a_floor)} |"
            f" {p50(runs, 'cpu_self'):.2f} s / {p50(runs, 'cpu_children'):.2f} s |"
            f" {memory(runs):.0f} MB / {ff_text} | {target} | {result} |"
        )

    audio_rows = "\n".join(
        [
            audio_row("floor: that ffmpeg command alone, output to /dev/null", a_floor),
            audio_row(
                "the same command through `media.ffmpeg.run`, output read and dropped",
                s["audio_pipe"],
            ),
            audio_row(
                "`process_file` (sniff, metadata, decode, peaks, `waveform.json`)",
                a_pipeline,
                f"≤ {TARGET_AUDIO_FLOOR_RATIO:g}×",
                verdict(audio_ratio <= TARGET_AUDIO_FLOOR_RATIO),
            ),
        ]
    )
    targets = "; ".join(
        [
            f"images, speed-up over the naive pipeline ≥ {TARGET_NAIVE_SPEEDUP:g}×: "
            f"{verdict(speedup >= TARGET_NAIVE_SPEEDUP)} ({speedup:.2f}×)",
            f"images, peak memory < {TARGET_IMAGE_PEAK_MB:g} MB: "
            f"{verdict(image_peak < TARGET_IMAGE_PEAK_MB)} ({image_peak:.0f} MB)",
            f"images, ≤ {TARGET_IMAGE_FLOOR_RATIO:g}× decoding at reduced scale: "
            f"{verdict(to_floor <= TARGET_IMAGE_FLOOR_RATIO)} ({to_floor:.2f}×)",
            f"MP3 waveform, ≤ {TARGET_AUDIO_FLOOR_RATIO:g}× ffmpeg's bare decode: "
            f"{verdict(audio_ratio <= TARGET_AUDIO_FLOOR_RATIO)} ({audio_ratio:.2f}×)",
        ]
    )

    args = " ".join(report["ffmpeg_args"])
    for path_arg in (a for a in report["ffmpeg_args"] if a.startswith("file:")):
        args = args.replace(path_arg, "file:track.mp3")
    load_before, load_after = report["load"]
    w, h = IMAGE_SIZE
    return f"""
The media pipeline (media/images.py, media/audio.py) against baselines taken in the same run.
Every figure is one call in a fresh Python process, after imports and a warm-up call on a
tiny input (a worker is long-lived), run {repeat} times round-robin with the others; shown as
p50 (min–max) of the call's wall time. Peak memory is the call's own: the process's
high-water mark (`VmHWM`, reset through `/proc/self/clear_refs` just before the call) minus
its RSS at that moment, the largest over the runs. ffmpeg's is its own peak RSS, from GNU
`time` wrapped around it (`RUSAGE_CHILDREN` would report the Python parent's size instead).

- Targets: {targets}.
- Machine: {versions()}; load average {load_before:.2f} before the runs, {load_after:.2f} after (the machine is shared: other work ran at the same time).
- Inputs, generated in a temporary folder: a {w}×{h} ({w * h / 1e6:.0f} MP) JPEG, quality 90, {report["inputs"]["jpeg_bytes"] / 1e6:.1f} MB (Mandelbrot edges, gradients and noise at three scales, made with Pillow); a {AUDIO_SECONDS // 60}-minute {AUDIO_RATE / 1000:g} kHz stereo MP3 at {MP3_BITRATE}b/s, {report["inputs"]["mp3_bytes"] / 1e6:.1f} MB (two sine tones in pink noise, `ffmpeg -f lavfi`).
- Reproduce: `.venv/bin/python bench/bench_media.py` (about a minute here; `--repeat N` sets the runs per figure, default 5).

### Images: `process_image` with the default sizes {images.DEFAULT_SIZES}

It writes {made}.

It decodes once at reduced scale ({decoded}), orients in place, fits the largest rendition
from that by `resize` (no full-size copy), and the smaller ones from the largest; WebP at
`method` {images._WEBP_OPTIONS.get("method", 4)}. *Naive*: per size, open, decode all
{w * h / 1e6:.0f} MP, `resize` (Lanczos) to that size, save WebP and JPEG with the
pipeline's options (so the faster WebP `method` speeds it up too). *Floor*: `Image.open`,
`draft` to the largest size's scale, `load()`, nothing else. *Encodes alone*: the six saves
by `images._save`, from images decoded, fitted and flattened before the timed call.

| figure | p50 (min–max) | peak memory (the call's; the whole process's) | target | result |
|---|---|---|---|---|
| floor: decode at reduced scale alone | {spread(floor)} | {held(floor)} | | |
| `process_image` (6 renditions) | {spread(pipeline)} | {held(pipeline)} | < {TARGET_IMAGE_PEAK_MB:g} MB | {verdict(image_peak < TARGET_IMAGE_PEAK_MB)} |
| naive pipeline | {spread(naive)} | {held(naive)} | | |
| the six encodes alone | {spread(encode)} | {held(encode)} | | |
| speed-up over naive (p50 ratio; per-round range) | {paired(naive, pipeline)} | | ≥ {TARGET_NAIVE_SPEEDUP:g}× | {verdict(speedup >= TARGET_NAIVE_SPEEDUP)} |
| `process_image` / floor | {paired(pipeline, floor)} | | ≤ {TARGET_IMAGE_FLOOR_RATIO:g}× | {verdict(to_floor <= TARGET_IMAGE_FLOOR_RATIO)} |
| the six encodes alone / floor | {paired(encode, floor)} | | | |

Where `process_image`'s time goes (one profiled call, {prof["total"] * 1e3:.0f} ms under
cProfile): {stages}.

{why_floor}

Not applied: variant C, WebP encodes on a second thread (libwebp releases the GIL), measured
by patching `render_sizes_overlapped` (in this script) into its measuring process only. It
helps only while a core is idle, and a worker already runs one job per core, so it stays out
of media/images.py; its figures here swing with the machine's other load.

| variant (not applied) | p50 (min–max) | / floor | / `process_image` | peak memory | renditions vs `process_image` |
|---|---|---|---|---|---|
| C: WebP encodes on a second thread | {spread(overlapped)} | {paired(overlapped, floor)} | {paired(overlapped, pipeline)} | {memory(overlapped):.0f} MB | {c_output} |

### Audio: waveform of the MP3

What the pipeline runs for an MP3 (`media.pipeline.process_file`: sniff, then
`process_audio` with the sniffed format) writes {", ".join(audio_out)} and no preview, since
an MP3 plays everywhere. Its one ffmpeg command, which the floor repeats exactly:
`ffmpeg {args}`.

| figure | p50 (min–max) | / floor (p50; per-round range) | CPU p50 (Python / ffmpeg) | peak memory (Python / ffmpeg) | target | result |
|---|---|---|---|---|---|---|
{audio_rows}

`-flush_packets 0` before `pipe:1` lets ffmpeg write its PCM output 32 KiB at a time; with
its default (-1: the protocol decides) it flushes after every packet on a pipe, one write of
about 420 bytes per MP3 frame, each waking the Python reader for one `feed()`.

For the record, `process_audio` called without `fmt` (a caller that skips `sniff()`) takes
{no_fmt["wall"]:.1f} s (one run), {no_fmt["wall"] / p50(a_pipeline):.1f}× the pipeline: it
asks ffprobe, then cannot tell the file is an MP3 and writes
{", ".join(no_fmt["detail"]["renditions"])}.
"""


if __name__ == "__main__":
    main()
