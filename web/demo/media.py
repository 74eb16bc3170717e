"""The demo's real media, made on the spot: Pillow pictures, ffmpeg sounds and a clip, words."""

import random
import subprocess
from collections.abc import Callable
from pathlib import Path

from django.core.management.base import CommandError
from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

SIZE = (480, 320)


def dawn() -> Image.Image:
    """A night-blue to apricot sky with a soft sun rising from the bottom edge."""
    top, bottom = Image.new("RGB", SIZE, (34, 38, 104)), Image.new("RGB", SIZE, (255, 176, 110))
    sky = Image.composite(bottom, top, Image.linear_gradient("L").resize(SIZE))
    glow = ImageOps.invert(Image.radial_gradient("L")).resize((260, 260))
    glow = glow.point(lambda v: max(0, 2 * v - 255))
    sky.paste((255, 236, 170), (SIZE[0] // 2 - 130, SIZE[1] - 170), glow)
    return sky


def orbits() -> Image.Image:
    """Concentric orbits, slightly off centre, with planets scattered on them."""
    rng = random.Random(2)  # noqa: S311 - a seeded picture, not a secret
    picture = Image.new("RGB", SIZE, (16, 18, 34))
    draw = ImageDraw.Draw(picture)
    palette = [(255, 200, 87), (82, 190, 230), (240, 98, 146), (160, 230, 140), (245, 245, 245)]
    cx, cy = SIZE[0] // 2, SIZE[1] // 2
    for radius in range(14, 260, 16):
        dx, dy = rng.randint(-6, 6), rng.randint(-6, 6)
        box = (
            cx + dx - radius,
            cy + dy - radius * 2 // 3,
            cx + dx + radius,
            cy + dy + radius * 2 // 3,
        )
        draw.ellipse(box, outline=rng.choice(palette), width=rng.choice((1, 1, 2, 3)))
    for _ in range(28):
        r, x, y = rng.randint(3, 14), rng.randint(0, SIZE[0]), rng.randint(0, SIZE[1])
        draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.choice(palette))
    return picture


def static_garden() -> Image.Image:
    """Seeded noise, blurred and coloured like moss."""
    rng = random.Random(3)  # noqa: S311 - a seeded picture, not a secret
    w, h = SIZE[0] // 2, SIZE[1] // 2
    grain = Image.frombytes("L", (w, h), rng.randbytes(w * h)).resize(
        SIZE, Image.Resampling.BICUBIC
    )
    grain = ImageOps.autocontrast(grain.filter(ImageFilter.GaussianBlur(1.5)))
    return ImageOps.colorize(grain, black=(8, 30, 18), mid=(70, 150, 80), white=(215, 255, 180))


def dawn_circled() -> Image.Image:
    return ImageChops.screen(dawn(), orbits())


def dawn_negative() -> Image.Image:
    return ImageOps.posterize(ImageOps.invert(dawn()), 3)


def dawn_collage() -> Image.Image:
    """The two remixes of Dawn Gradient, faded into each other from left to right."""
    mask = Image.linear_gradient("L").rotate(90).resize(SIZE)
    return Image.composite(dawn_circled(), dawn_negative(), mask)


def static_hours() -> Image.Image:
    """Static Garden, darkened, with a line of Small Hours written over it."""
    picture = ImageEnhance.Brightness(static_garden()).enhance(0.5)
    draw = ImageDraw.Draw(picture)
    font = ImageFont.load_default(size=28)
    for i, line in enumerate(("every grain of grey", "is a flower")):
        draw.text((28, 210 + 38 * i), line, font=font, fill=(255, 250, 230),
                  stroke_width=2, stroke_fill=(0, 0, 0))  # fmt: skip
    return picture


def picture(make: Callable[[], Image.Image], name: str) -> Callable[[Path], Path]:
    def save(directory: Path) -> Path:
        path = directory / name
        if name.endswith(".jpg"):
            make().save(path, "JPEG", quality=88)
        else:
            make().save(path, "PNG", optimize=True)
        return path

    return save


SECONDS = 4


DRONE = (
    "0.16*sin(2*PI*110*t)+0.12*sin(2*PI*164.81*t)+0.09*sin(2*PI*220*t)*(0.6+0.4*sin(2*PI*0.5*t))"
)


BEAT = (  # a kick on every half second, a noisy hat between them
    "0.55*sin(2*PI*(50+90*exp(-30*mod(t,0.5)))*mod(t,0.5))*exp(-9*mod(t,0.5))"
    "+0.07*(2*random(0)-1)*exp(-60*mod(t+0.25,0.5))"
)


BELL = (  # a C major chord struck every two seconds
    "exp(-2.5*mod(t,2))*(0.16*sin(2*PI*523.25*t)+0.12*sin(2*PI*659.25*t)"
    "+0.10*sin(2*PI*783.99*t)+0.04*sin(2*PI*1046.5*t))"
)


VOICE = (  # half-second notes round the circle of fifths, with vibrato
    "0.2*sin(PI*mod(2*t,1))*sin(2*PI*330*pow(2,mod(7*floor(2*t),12)/12)*t+0.6*sin(2*PI*5*t))"
)


HUM = "0.22*sin(2*PI*98*t)*(0.55+0.45*sin(2*PI*0.25*t))+0.03*(2*random(1)-1)"


DRONE_AND_BEAT = f"0.8*({DRONE})+0.8*({BEAT})"


INSTRUMENTAL = f"0.7*({DRONE_AND_BEAT})+0.8*({BELL})"


VOCAL_TAKE = f"0.6*({INSTRUMENTAL})+({VOICE})"


_CODECS = {
    ".wav": ("-c:a", "pcm_s16le"),
    ".mp3": ("-c:a", "libmp3lame", "-b:a", "128k"),
}


def _ffmpeg(*args: str | Path) -> None:
    argv = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *map(str, args)]
    try:
        subprocess.run(argv, check=True, capture_output=True, timeout=60)  # noqa: S603 - constant argv
    except FileNotFoundError as exc:
        raise CommandError("seed_demo needs ffmpeg on the PATH to make its sounds.") from exc
    except subprocess.CalledProcessError as exc:
        raise CommandError(f"ffmpeg failed: {exc.stderr.decode(errors='replace')[:500]}") from exc


def sound(expression: str, name: str) -> Callable[[Path], Path]:
    def render(directory: Path) -> Path:
        path = directory / name
        source = f"aevalsrc='{expression}':s=44100:d={SECONDS}"
        _ffmpeg("-f", "lavfi", "-i", source, *_CODECS[path.suffix], path)
        return path

    return render


def title_card(directory: Path) -> Path:
    """Two seconds of moving test pattern with the bell chord: H.264 and AAC in MP4."""
    path = directory / "night-bus-title-card.mp4"
    _ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=2",
        "-f", "lavfi", "-i", f"aevalsrc='{BELL}':s=44100:d=2",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "96k", "-shortest", "-movflags", "+faststart", path,
    )  # fmt: skip
    return path


LAST_BUS_HOME = """# Last Bus Home

*verse*

The driver hums in A below the engine,
the windows hold our faces and the town;
every stop a small bell ringing somewhere,
every light a coin the night puts down.

*chorus*

Last bus home, last bus home,
carry the ones who stayed too long.
Last bus home, last bus home,
we'll pay the fare in a song.

*verse*

A girl draws circles on the fogged-up glass,
a man asleep with flowers on his knee;
the river turns its back on all the bridges
and the morning waits where no one else can see.
"""


SMALL_HOURS = """# Small Hours

The radio between the stations
sings the way the snow would sing:
all the static of the garden,
all the nothing, everything.

Stay up with me in the small hours,
count the pixels of the dark;
every grain of grey is a flower,
every flower is a spark.
"""


LAST_STOP = """# Last Stop

*an answer to “Last Bus Home”*

You said the bus would carry us;
I say the bus just knows the way.
The fare was never in the song:
the song was what we had to pay.

Get off where the harbour hums,
where paper boats go out to sea;
the last stop is a first light
if you walk the rest with me.
"""


def words(body: str, name: str) -> Callable[[Path], Path]:
    def write(directory: Path) -> Path:
        path = directory / name
        path.write_text(body, encoding="utf-8")
        return path

    return write
