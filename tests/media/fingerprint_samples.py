"""Distinct seeded pictures, pieces of music and texts, and the copies a remixer would make of them.

The fingerprint tests and bench/bench_fingerprints.py both build their sources here: each
seed gives another work, and each transform is made by the real tool (Pillow, ffmpeg).
"""

from __future__ import annotations

import io
import random
import subprocess
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

# --- pictures ------------------------------------------------------------------------------


def picture(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """An RGB "artwork": a two-colour gradient, a textured patch and a dozen shapes."""
    rng = random.Random(seed)
    w, h = size

    def colour() -> tuple[int, int, int]:
        return (rng.randrange(256), rng.randrange(256), rng.randrange(256))

    mask = Image.linear_gradient("L").rotate(rng.uniform(0, 360)).resize(size)
    image = Image.composite(
        Image.new("RGB", size, colour()), Image.new("RGB", size, colour()), mask
    )
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randrange(8, 16)):
        x0, y0 = rng.uniform(-0.1, 0.9) * w, rng.uniform(-0.1, 0.9) * h
        x1, y1 = x0 + rng.uniform(0.05, 0.5) * w, y0 + rng.uniform(0.05, 0.5) * h
        shape = rng.choice(("ellipse", "rectangle", "polygon", "line"))
        if shape == "ellipse":
            draw.ellipse((x0, y0, x1, y1), fill=colour())
        elif shape == "rectangle":
            draw.rectangle((x0, y0, x1, y1), fill=colour())
        elif shape == "polygon":
            points = [
                (rng.uniform(x0, x1), rng.uniform(y0, y1)) for _ in range(rng.randrange(3, 7))
            ]
            draw.polygon(points, fill=colour())
        else:
            draw.line((x0, y0, x1, y1), fill=colour(), width=rng.randrange(2, max(3, w // 30)))
    # A patch of texture (grain, as in a photo or a painting's canvas), so not all is flat;
    # seeded numpy noise, as Pillow's effect_noise draws from C's unseeded rand().
    pw, ph = rng.randrange(w // 8, w // 3), rng.randrange(h // 8, h // 3)
    grain = np.random.default_rng(seed).normal(128, rng.uniform(20, 80), (ph, pw))
    noise = Image.fromarray(np.clip(grain, 0, 255).astype(np.uint8)).convert("RGB")
    image.paste(noise, (rng.randrange(0, w - pw), rng.randrange(0, h - ph)))
    return image.filter(ImageFilter.GaussianBlur(0.6))


def jpeg(image: Image.Image, quality: int = 90) -> Image.Image:
    """`image` through a JPEG encode and decode at `quality`."""
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer)


def resized(image: Image.Image) -> Image.Image:
    return image.resize((image.width // 2, image.height // 2), Image.Resampling.BICUBIC)


def cropped(image: Image.Image) -> Image.Image:
    """10% of the width and of the height cut away, unevenly (6% left, 4% right, ...)."""
    w, h = image.size
    return image.crop((int(w * 0.06), int(h * 0.03), int(w * 0.96), int(h * 0.93)))


def grayscale(image: Image.Image) -> Image.Image:
    return ImageOps.grayscale(image).convert("RGB")


def recoloured(image: Image.Image) -> Image.Image:
    """Warmer and more saturated: a colour grade, as a filter app makes it."""
    r, g, b = image.convert("RGB").split()
    warm = Image.merge("RGB", (r.point(lambda v: min(255, v * 1.1)), g, b.point(lambda v: v * 0.9)))
    return ImageEnhance.Color(warm).enhance(1.4)


def captioned(image: Image.Image) -> Image.Image:
    """A meme-style caption in large letters across the top and bottom."""
    out = image.convert("RGB").copy()
    draw = ImageDraw.Draw(out)
    font = ImageFont.load_default(size=max(12, out.height // 9))
    for text, y in (("WHEN THE BEAT DROPS", 0.04), ("remix by someone", 0.82)):
        draw.text(
            (out.width * 0.05, out.height * y), text, font=font, fill="white",
            stroke_width=max(1, out.height // 150), stroke_fill="black",
        )  # fmt: skip
    return out


def mirrored(image: Image.Image) -> Image.Image:
    return ImageOps.mirror(image)


IMAGE_TRANSFORMS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "resized to 50%": resized,
    "cropped 10%": cropped,
    "JPEG quality 40": lambda image: jpeg(image, 40),
    "grayscale": grayscale,
    "colour graded": recoloured,
    "text overlaid": captioned,
    "mirrored": mirrored,
}


# --- music ----------------------------------------------------------------------------------

MUSIC_RATE = 22050
_MAJOR = (0, 2, 4, 5, 7, 9, 11)
_MINOR = (0, 2, 3, 5, 7, 8, 10)
_TABLE = 4096


def music(seed: int, seconds: float, rate: int = MUSIC_RATE) -> np.ndarray:
    """A seeded piece of music, mono float32 in [-1, 1]: a melody, a bass line and chords
    of harmonic tones in a random key, tempo and timbre, over a drum pattern and a little
    noise. Another seed gives another tune; the same seed, the same samples."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    out = np.zeros(n, dtype=np.float64)
    beat = 60 / rng.uniform(80, 150)
    root = int(rng.integers(43, 55))
    scale = _MAJOR if rng.random() < 0.5 else _MINOR
    degrees = rng.choice(7, size=4, replace=False)  # a four-chord progression, a bar each

    def timbre() -> np.ndarray:
        """One cycle of a harmonic tone (six partials of random strength), as a lookup table."""
        amplitudes = rng.uniform(0.2, 1.0, 6) / np.arange(1, 7) ** rng.uniform(0.6, 1.8)
        phase = np.arange(_TABLE) / _TABLE
        return sum(a * np.sin(2 * np.pi * (k + 1) * phase) for k, a in enumerate(amplitudes))

    voices = {"melody": timbre(), "bass": timbre(), "chords": timbre()}
    decay = {voice: rng.uniform(1.5, 4.0) for voice in voices}
    rendered: dict[tuple[str, float, int], np.ndarray] = {}  # tunes repeat their notes

    def pitch(degree: int, octave: int) -> float:
        semitone = root + 12 * (octave + degree // 7) + scale[degree % 7]
        return 440.0 * 2 ** ((semitone - 69) / 12)

    def note(start: float, length: float, frequency: float, voice: str, level: float) -> None:
        first = int(start * rate)
        if first >= n:
            return
        key = (voice, frequency, min(int(length * rate), n - first))
        if key not in rendered:
            t = np.arange(key[2]) / rate
            # Wavetable synthesis: one lookup per sample instead of six sines.
            wave_ = voices[voice][(t * (frequency * _TABLE)).astype(np.int64) % _TABLE]
            rendered[key] = wave_ * np.minimum(1.0, t / 0.01) * np.exp(-t * decay[voice])
        out[first : first + key[2]] += level * rendered[key]

    bar = 4 * beat
    bars = int(seconds / bar) + 1
    for b in range(bars):
        chord = int(degrees[b % 4])
        for tone in (0, 2, 4):
            note(b * bar, bar, pitch(chord + tone, 0), "chords", 0.12)
        for step in range(8):  # bass in eighths, on the chord's root or fifth
            note(
                b * bar + step * beat / 2,
                beat / 2,
                pitch(chord + 4 * (step % 3 == 2), -1),
                "bass",
                0.3,
            )
    t = 0.0
    while t < seconds:  # the melody: scale steps and leaps, some rests
        length = beat * float(rng.choice([0.5, 0.5, 1, 1, 1.5, 2]))
        if rng.random() > 0.15:
            note(t, length, pitch(int(rng.integers(0, 10)), 1), "melody", 0.35)
        t += length
    # Drums: kick on 1 and 3, snare on 2 and 4, a closed hi-hat between the beats.
    tt = np.arange(int(0.25 * rate)) / rate
    kick = 0.5 * np.sin(2 * np.pi * (50 + 60 * np.exp(-tt * 30)) * tt) * np.exp(-tt * 12)
    snare = 0.25 * rng.standard_normal(len(tt)) * np.exp(-tt * 25)
    hat = 0.06 * np.diff(rng.standard_normal(len(tt) + 1)) * np.exp(-tt * rate / 150)
    for b in range(bars * 4):
        for start, hit in ((b * beat, snare if b % 2 else kick), ((b + 0.5) * beat, hat)):
            first = int(start * rate)
            if first < n:
                out[first : first + len(tt)] += hit[: n - first]
    out += 0.003 * rng.standard_normal(n)
    return (0.8 * out / np.max(np.abs(out))).astype(np.float32)


def write_wav(path: Path, samples: np.ndarray, rate: int = MUSIC_RATE) -> Path:
    """16-bit mono WAV of float samples in [-1, 1]."""
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return path


def ffmpeg(*args: str | Path) -> None:
    argv = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *map(str, args)]
    subprocess.run(argv, check=True, capture_output=True, timeout=120)


def mp3_128k(source: Path, out: Path) -> Path:
    ffmpeg("-i", source, "-c:a", "libmp3lame", "-b:a", "128k", out)
    return out


def quieter(source: Path, out: Path) -> Path:
    ffmpeg("-i", source, "-af", "volume=-6dB", out)
    return out


def excerpt(source: Path, out: Path, *, start: float, seconds: float = 20.0) -> Path:
    ffmpeg("-ss", str(start), "-t", str(seconds), "-i", source, out)
    return out


def mixed_under(source: Path, other: Path, out: Path, *, gain_db: float = -10.0) -> Path:
    """`source` at `gain_db` under `other` at full level, as long as the longer of the two."""
    graph = f"[0]volume={gain_db}dB[a];[a][1]amix=inputs=2:duration=longest:normalize=0[m]"
    ffmpeg("-i", source, "-i", other, "-filter_complex", graph, "-map", "[m]", out)
    return out


def tempo(source: Path, out: Path, factor: float) -> Path:
    """Played `factor` times as fast, at the same pitch (ffmpeg's atempo)."""
    ffmpeg("-i", source, "-af", f"atempo={factor}", out)
    return out


def spliced_into(source: Path, other: Path, out: Path, *, start: float, at: float) -> Path:
    """`other` with a 20-second excerpt of `source` (from `start`) cut in at `at` seconds."""
    graph = (
        f"[1]atrim=0:{at},asetpts=N/SR/TB[head];[1]atrim={at},asetpts=N/SR/TB[tail];"
        f"[0]atrim={start}:{start + 20},asetpts=N/SR/TB[cut];[head][cut][tail]concat=n=3:v=0:a=1[m]"
    )
    ffmpeg("-i", source, "-i", other, "-filter_complex", graph, "-map", "[m]", out)
    return out


# The single transforms of a source (and the mix's other track); file suffix of each.
AUDIO_TRANSFORMS: dict[str, tuple[str, Callable[[Path, Path, Path, float], Path]]] = {
    "MP3 128 kb/s": (".mp3", lambda src, other, out, start: mp3_128k(src, out)),
    "−6 dB": (".wav", lambda src, other, out, start: quieter(src, out)),
    "20-second excerpt": (".wav", lambda src, other, out, start: excerpt(src, out, start=start)),
    "tempo +3%": (".wav", lambda src, other, out, start: tempo(src, out, 1.03)),
    "tempo −3%": (".wav", lambda src, other, out, start: tempo(src, out, 0.97)),
    "another track at −10 dB mixed under it": (
        ".wav",
        lambda src, other, out, start: mixed_under(other, src, out),
    ),
    "mixed at −10 dB under another track": (
        ".wav",
        lambda src, other, out, start: mixed_under(src, other, out),
    ),
}


# --- texts ----------------------------------------------------------------------------------

_VOCABULARY: tuple[list[str], np.ndarray] | None = None


def _vocabulary() -> tuple[list[str], np.ndarray]:
    """The 5,000 commonest English words and their frequencies (wordfreq, a dev dependency),
    so texts share as many common words as real ones do."""
    global _VOCABULARY
    if _VOCABULARY is None:
        import wordfreq

        words = [w for w in wordfreq.top_n_list("en", 5200) if w.isalpha()][:5000]
        weights = np.array([wordfreq.word_frequency(w, "en") for w in words])
        _VOCABULARY = (words, weights / weights.sum())
    return _VOCABULARY


def prose(seed: int, words: int) -> str:
    """`words` words drawn by their English frequencies, in sentences of 6 to 20 words."""
    rng = np.random.default_rng(seed)
    vocabulary, weights = _vocabulary()
    drawn = [vocabulary[i] for i in rng.choice(len(vocabulary), size=words, p=weights)]
    sentences, at = [], 0
    while at < len(drawn):
        length = int(rng.integers(6, 21))
        sentence = drawn[at : at + length]
        sentences.append(" ".join([sentence[0].capitalize(), *sentence[1:]]) + ".")
        at += length
    return " ".join(sentences)


def passage(text: str, seed: int, words: int = 80) -> str:
    """`words` consecutive words of `text`, from a seeded place."""
    tokens = text.split()
    start = int(np.random.default_rng(seed).integers(0, len(tokens) - words + 1))
    return " ".join(tokens[start : start + words])


def lightly_edited(text: str, seed: int, edits: int = 6) -> str:
    """`edits` small changes, spread out: a word replaced, dropped or added, a word's case."""
    rng = np.random.default_rng(seed)
    vocabulary, _weights = _vocabulary()
    tokens = text.split()
    # Spread over the passage (one edit per stretch), as a copy-editor's changes are.
    stretch = len(tokens) // edits
    for k in reversed(range(edits)):
        at = k * stretch + int(rng.integers(0, stretch))
        kind = k % 4
        if kind == 0:
            tokens[at] = vocabulary[int(rng.integers(0, 2000))]
        elif kind == 1:
            del tokens[at]
        elif kind == 2:
            tokens.insert(at, vocabulary[int(rng.integers(0, 2000))])
        else:
            tokens[at] = tokens[at].upper()
    return " ".join(tokens)


def quoted_in(quote: str, seed: int, words: int = 500) -> str:
    """A new text of `words` words with `quote` somewhere inside, between sentences."""
    around = prose(seed, words - len(quote.split())).split(". ")
    at = int(np.random.default_rng(seed).integers(1, len(around)))
    return ". ".join([*around[:at], f"As the poem goes: “{quote}”", *around[at:]])
