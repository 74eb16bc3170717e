"""`manage.py seed_demo`: fill an empty database with a living demo platform.

Everything is made through the services the API and the pages call, so every rule is checked
(licenses, sources older than their remix, accepted credits, ready works, NonCommercial work
kept out of a commercial release), and every file is real media made on the spot (Pillow
pictures, ffmpeg sounds and a clip, Markdown lyrics) that goes through the real pipeline.

What it makes:
- seven artists (the quick start's `demo` account among them), one password for all;
- 18 contributions of every kind, with remix chains: a chain three deep (Night Bus), a
  diamond (Dawn Collage), CC BY and CC BY-NC work, and a NonCommercial remix;
- Night Bus (released, commercial, credits with weights over that lineage), with revenue
  recorded under idempotency keys, so split, balances and this month's statements are real,
  and a publishing stream that pays the songwriting only;
- Paper Boats (open, with asks and pending submissions) and Static Radio (a draft).

It adds nothing when the database already has contributions. It stops at the first refusal
and never deletes what it made before it, so start a half-seeded database afresh
(`manage.py flush`) before running it again.
"""

import logging
import mimetypes
import random
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps
from tqdm import tqdm

from accounts.models import User
from accounts.services import demo_user_ensure, user_profile_update, user_register
from contributions.lineage import closure_get
from contributions.models import Contribution, RemixLink
from contributions.services import contribution_create
from media.services import contribution_process
from projects.models import Ask, Project, Submission
from projects.services import (
    CreditInput,
    ask_create,
    project_create,
    project_release,
    project_status_change,
    resource_add,
    submission_create,
    submission_decide,
)
from royalties.models import RevenueEvent, Statement
from royalties.money import format_minor
from royalties.selectors import release_split
from royalties.services import (
    payout_threshold,
    revenue_record,
    revenue_stream_create,
    statements_build_month,
)
from royalties.splits import format_percent

PASSWORD = "remix-the-world"  # noqa: S105 - the public demo password, as `demo_user` prints
NOTHING_TO_DO = "The database already has content; seed_demo adds nothing."

# --- the people -----------------------------------------------------------------------------

DEMO_BIO = (
    "The quick start's account. Produces Night Bus and sings its vocal take; "
    "log in as demo to see a producer's pages and a contributor's statement."
)
ARTISTS = [
    ("ana", "Ana Ribeiro", "Paints skies she half remembers. Producing Paper Boats."),
    ("bo", "Bo Lindqvist", "Synth drones and harbour hums: slow music for fast cities."),
    ("chen", "Chen Wei", "Draws circles until they turn into orbits; films test patterns."),
    ("dara", "Dara Okafor", "Beats played on kitchen things, mixed late at night."),
    ("eli", "Eli Brandt", "Writes lyrics on bus tickets and rings small bells."),
    ("fay", "Fay Moreau", "Noise pictures and night songs, shared for non-commercial use."),
]

# --- pictures (Pillow) ----------------------------------------------------------------------

SIZE = (480, 320)


def _dawn() -> Image.Image:
    """A night-blue to apricot sky with a soft sun rising from the bottom edge."""
    top, bottom = Image.new("RGB", SIZE, (34, 38, 104)), Image.new("RGB", SIZE, (255, 176, 110))
    sky = Image.composite(bottom, top, Image.linear_gradient("L").resize(SIZE))
    glow = ImageOps.invert(Image.radial_gradient("L")).resize((260, 260))
    glow = glow.point(lambda v: max(0, 2 * v - 255))
    sky.paste((255, 236, 170), (SIZE[0] // 2 - 130, SIZE[1] - 170), glow)
    return sky


def _orbits() -> Image.Image:
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


def _static_garden() -> Image.Image:
    """Seeded noise, blurred and coloured like moss."""
    rng = random.Random(3)  # noqa: S311 - a seeded picture, not a secret
    w, h = SIZE[0] // 2, SIZE[1] // 2
    grain = Image.frombytes("L", (w, h), rng.randbytes(w * h)).resize(
        SIZE, Image.Resampling.BICUBIC
    )
    grain = ImageOps.autocontrast(grain.filter(ImageFilter.GaussianBlur(1.5)))
    return ImageOps.colorize(grain, black=(8, 30, 18), mid=(70, 150, 80), white=(215, 255, 180))


def _dawn_circled() -> Image.Image:
    return ImageChops.screen(_dawn(), _orbits())


def _dawn_negative() -> Image.Image:
    return ImageOps.posterize(ImageOps.invert(_dawn()), 3)


def _dawn_collage() -> Image.Image:
    """The two remixes of Dawn Gradient, faded into each other from left to right."""
    mask = Image.linear_gradient("L").rotate(90).resize(SIZE)
    return Image.composite(_dawn_circled(), _dawn_negative(), mask)


def _static_hours() -> Image.Image:
    """Static Garden, darkened, with a line of Small Hours written over it."""
    picture = ImageEnhance.Brightness(_static_garden()).enhance(0.5)
    draw = ImageDraw.Draw(picture)
    font = ImageFont.load_default(size=28)
    for i, line in enumerate(("every grain of grey", "is a flower")):
        draw.text((28, 210 + 38 * i), line, font=font, fill=(255, 250, 230),
                  stroke_width=2, stroke_fill=(0, 0, 0))  # fmt: skip
    return picture


def _picture(make: Callable[[], Image.Image], name: str) -> Callable[[Path], Path]:
    def save(directory: Path) -> Path:
        path = directory / name
        if name.endswith(".jpg"):
            make().save(path, "JPEG", quality=88)
        else:
            make().save(path, "PNG", optimize=True)
        return path

    return save


# --- sounds and a clip (ffmpeg lavfi) -------------------------------------------------------
# Each sound is an `aevalsrc` expression; a remix's sound is the mix of its sources' sounds.

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


def _sound(expression: str, name: str) -> Callable[[Path], Path]:
    def render(directory: Path) -> Path:
        path = directory / name
        source = f"aevalsrc='{expression}':s=44100:d={SECONDS}"
        _ffmpeg("-f", "lavfi", "-i", source, *_CODECS[path.suffix], path)
        return path

    return render


def _title_card(directory: Path) -> Path:
    """Two seconds of moving test pattern with the bell chord: H.264 and AAC in MP4."""
    path = directory / "night-bus-title-card.mp4"
    _ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=2",
        "-f", "lavfi", "-i", f"aevalsrc='{BELL}':s=44100:d=2",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "96k", "-shortest", "-movflags", "+faststart", path,
    )  # fmt: skip
    return path


# --- words (Markdown) -----------------------------------------------------------------------

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


def _words(body: str, name: str) -> Callable[[Path], Path]:
    def write(directory: Path) -> Path:
        path = directory / name
        path.write_text(body, encoding="utf-8")
        return path

    return write


# --- the works, oldest first (a remix can only name older works) ----------------------------


@dataclass(frozen=True)
class Work:
    key: str
    author: str
    title: str
    license: str
    description: str
    make: Callable[[Path], Path]
    sources: tuple[str, ...] = ()
    project: str | None = None  # submitted to this project as it is uploaded


WORKS = [
    Work("dawn", "ana", "Dawn Gradient", "hitrec",
         "Night blue to apricot, with the sun just coming up.",
         _picture(_dawn, "dawn-gradient.png")),
    Work("orbits", "chen", "Orbit Circles", "cc-by",
         "Orbits drawn freehand (well, by a seeded random generator). CC BY: credit me.",
         _picture(_orbits, "orbit-circles.jpg")),
    Work("garden", "fay", "Static Garden", "cc-by-nc",
         "Noise that grew moss. Free to remix, not to sell.",
         _picture(_static_garden, "static-garden.png")),
    Work("drone", "bo", "Low Drone in A", "hitrec",
         "A and E, slowly breathing. Four seconds that could go on for ever.",
         _sound(DRONE, "low-drone-in-a.wav")),
    Work("beat", "dara", "Kitchen Beat", "hitrec",
         "Kick on a pot, hat on a cheese grater, 120 bpm.",
         _sound(BEAT, "kitchen-beat.mp3")),
    Work("bell", "eli", "Glass Bell Chord", "cc-by",
         "C major, struck every two seconds. CC BY: use it anywhere, say it was me.",
         _sound(BELL, "glass-bell-chord.mp3")),
    Work("lyrics", "eli", "Last Bus Home", "hitrec",
         "Lyrics for a night-bus song: two verses and a chorus.",
         _words(LAST_BUS_HOME, "last-bus-home.md")),
    Work("small-hours", "fay", "Small Hours", "cc-by-nc",
         "Song words for the hours between stations.",
         _words(SMALL_HOURS, "small-hours.md")),
    Work("title-card", "chen", "Night Bus Title Card", "hitrec",
         "Two seconds of test pattern and a bell, for the start of the video.",
         _title_card),
    # Remixes. Dawn Gradient → (Dawn, Circled | Dawn Negative) → Dawn Collage is a diamond.
    Work("circled", "chen", "Dawn, Circled", "hitrec",
         "Ana's dawn seen through my orbits (screen blend). Orbit Circles is CC BY, so "
         "it can go into hitrec work.",
         _picture(_dawn_circled, "dawn-circled.jpg"), sources=("dawn", "orbits")),
    Work("negative", "bo", "Dawn Negative", "hitrec",
         "The same dawn, inverted and posterised: a night that never ends.",
         _picture(_dawn_negative, "dawn-negative.png"), sources=("dawn",)),
    Work("collage", "eli", "Dawn Collage", "hitrec",
         "Both remixes of Dawn Gradient faded into one: the Night Bus cover.",
         _picture(_dawn_collage, "dawn-collage.jpg"), sources=("circled", "negative")),
    # The Night Bus chain: drone + beat → Drone & Beat → instrumental (+ bell) → vocal take.
    Work("drone-beat", "ana", "Drone & Beat", "hitrec",
         "Bo's drone under Dara's kitchen beat.",
         _sound(DRONE_AND_BEAT, "drone-and-beat.mp3"), sources=("drone", "beat")),
    Work("instrumental", "dara", "Night Bus (instrumental)", "hitrec",
         "Drone & Beat with Eli's bell chord on top.",
         _sound(INSTRUMENTAL, "night-bus-instrumental.mp3"),
         sources=("drone-beat", "bell")),
    Work("vocal-take", "demo", "Night Bus (vocal take)", "hitrec",
         "The instrumental with a (synthetic) voice singing Eli's lyrics.",
         _sound(VOCAL_TAKE, "night-bus-vocal-take.wav"), sources=("instrumental", "lyrics")),
    # NonCommercial work stays NonCommercial when remixed.
    Work("static-hours", "dara", "Static Hours", "cc-by-nc",
         "Fay's garden with a line of her song. Both are CC BY-NC, so this is too.",
         _picture(_static_hours, "static-hours.jpg"), sources=("garden", "small-hours")),
    Work("last-stop", "fay", "Last Stop", "hitrec",
         "An answer to Eli's lyrics. A remix of hitrec work stays hitrec.",
         _words(LAST_STOP, "last-stop.md"), sources=("lyrics",)),
    Work("hum", "bo", "Harbour Hum", "hitrec",
         "A low hum for Paper Boats' cello ask, with a little harbour hiss.",
         _sound(HUM, "harbour-hum.mp3"), project="paper-boats"),
]  # fmt: skip

# --- projects -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectPlan:
    key: str
    owner: str
    title: str
    brief: str
    contributor_pool: str
    upstream_share: str
    asks: tuple[tuple[str, str, int], ...]
    opened: bool = True


PROJECTS = [
    ProjectPlan(
        "night-bus", "demo", "Night Bus",
        "A song about the last bus home, with a cover and a title card. It grew from a "
        "lineage: Bo's drone and Dara's beat became Ana's groove, Dara added Eli's bell, and "
        "the vocal sings Eli's lyrics. A commercial release: contributors share 60% of what "
        "it earns, and a quarter of each remix's share flows to its sources.",
        "3/5", "1/4",
        (("audio", "A vocal over the instrumental", 1),
         ("image", "Cover art: the city at dawn, from a bus window", 1),
         ("video", "A title card, a few seconds long", 1)),
    ),
    ProjectPlan(
        "paper-boats", "ana", "Paper Boats",
        "A slow piece for a harbour at dusk. We need a cello-like line, cover art and a "
        "closing verse. hitrec, CC BY and CC0 work welcome.",
        "1/2", "1/4",
        (("audio", "A slow, cello-like line, around 60 bpm", 1),
         ("image", "Cover art: paper, water, dusk", 1),
         ("text", "A closing verse", 1)),
    ),
    ProjectPlan(
        "static-radio", "fay", "Static Radio",
        "A non-commercial zine of noise pictures and night songs. Still a draft: only its "
        "members can see it.",
        "1/2", "1/4",
        (("image", "Noise pictures for the zine", 3),),
        opened=False,
    ),
]  # fmt: skip

# (project, work, ask kind or None, message, accept? (None: pending), producer's note)
SUBMISSIONS = [
    ("night-bus", "instrumental", "audio", "The bed for the vocal.", True,
     "Perfect under the vocal; credited on its own too."),
    ("night-bus", "collage", "image", "A cover: the bus window at dawn.", True, "This is it."),
    ("night-bus", "title-card", "video", "Two seconds, bell included.", True, "Lovely."),
    ("night-bus", "static-hours", "image", "Another cover idea?", False,
     "Night Bus is a commercial release and Static Hours is CC BY-NC, so it cannot be in "
     "it. Try a non-commercial project."),
    ("paper-boats", "beat", "audio", "Something with a pulse?", False,
     "A great groove, but Paper Boats wants something slower."),
    ("paper-boats", "bell", "audio", "Bells over the water?", None, ""),
    ("paper-boats", "last-stop", "text", "A closing verse: the last stop is the harbour.", None,
     ""),
]  # fmt: skip
# Producers may add anyone's remixable work to their project as a resource.
RESOURCES = [("night-bus", "vocal-take"), ("paper-boats", "orbits")]

RELEASE_PROJECT = "night-bus"
CREDITS = [("vocal-take", 3), ("instrumental", 1), ("collage", 1), ("title-card", 1)]

# (idempotency key, amount, note): two sales and a stream of tiny streaming payouts.
REVENUE = [
    ("night-bus/bandcamp/week-1", "84.00", "Bandcamp: first week of downloads"),
    ("night-bus/sync/short-film", "250.00", "Sync licence: a short film's closing titles"),
    *[
        (f"night-bus/streaming/day-{day:02d}", amount, f"Streaming payout, day {day}")
        for day, amount in enumerate(
            ("0.37", "1.12", "0.05", "2.48", "0.91", "0.03", "1.77", "0.64", "0.12", "3.05"),
            start=1,
        )
    ],
]
REPLAYED = REVENUE[0]  # posted twice, recorded once
# A publishing stream pays the songwriting only (the vocal take and the instrumental, and
# through the lineage what they build on), with one royalty payment.
PUBLISHING_CREDITS = ["vocal-take", "instrumental"]
PUBLISHING_REVENUE = ("night-bus/publishing/q3", "120.00", "Publishing royalties, third quarter")


# --- the command ----------------------------------------------------------------------------


# One log line per processing job would scatter the progress bar; warnings still show.
CHATTY_LOGGERS = ("celery", "kombu")


@contextmanager
def _quiet(names: tuple[str, ...]):
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class _ProgressStream:
    """Where tqdm writes: the command's stderr, without the newline and colour Django adds."""

    def __init__(self, out):
        self._out = out

    def write(self, text: str) -> None:
        self._out.write(text, style_func=lambda s: s, ending="")

    def flush(self) -> None:
        self._out.flush()


class Seeder:
    """Makes the demo step by step, remembering what it made by key."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.users: dict[str, User] = {}
        self.existing_accounts: list[str] = []
        self.works: dict[str, Contribution] = {}
        self.projects: dict[str, Project] = {}
        self.asks: dict[tuple[str, str], Ask] = {}
        self.replay_recorded_nothing = False

    def steps(self) -> list[tuple[str, Callable[[], None]]]:
        before = [w for w in WORKS if w.project is None]
        after = [w for w in WORKS if w.project is not None]
        return [
            ("artists", self.artists),
            *[(w.title, partial(self.upload, w)) for w in before],
            ("projects and asks", self.projects_open),
            *[(w.title, partial(self.upload, w)) for w in after],
            ("submissions", self.submissions),
            ("processing the credited works", self.credited_ready),
            ("releasing Night Bus", self.release),
            ("revenue", self.revenue),
            ("a publishing stream", self.publishing),
            ("statements", self.statements),
        ]

    def artists(self) -> None:
        demo, _ = demo_user_ensure(username="demo", password=PASSWORD)
        if not demo.bio:
            demo = user_profile_update(user=demo, bio=DEMO_BIO)
        self.users["demo"] = demo
        for username, display_name, bio in ARTISTS:
            existing = User.objects.filter(username__iexact=username).first()
            if existing is not None:  # someone registered it already: use it, leave it alone
                self.users[username] = existing
                self.existing_accounts.append(username)
                continue
            user = user_register(
                username=username, email=f"{username}@hitrec.localhost", password=PASSWORD
            )
            self.users[username] = user_profile_update(
                user=user, display_name=display_name, bio=bio
            )

    def upload(self, work: Work) -> None:
        path = work.make(self.directory)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type=content_type)
        path.unlink()
        self.works[work.key] = contribution_create(
            author=self.users[work.author],
            title=work.title,
            description=work.description,
            license=work.license,
            file=upload,
            sources=[self.works[key].id for key in work.sources],
            project=self.projects[work.project].id if work.project else None,
        )

    def projects_open(self) -> None:
        for plan in PROJECTS:
            owner = self.users[plan.owner]
            project = project_create(
                owner=owner, title=plan.title, brief=plan.brief, currency="USD",
                contributor_pool=plan.contributor_pool, upstream_share=plan.upstream_share,
            )  # fmt: skip
            if plan.opened:
                project = project_status_change(project=project, actor=owner, to="open")
            for kind, description, quantity in plan.asks:
                self.asks[plan.key, kind] = ask_create(
                    project=project, actor=owner, kind=kind, description=description,
                    quantity=quantity,
                )  # fmt: skip
            self.projects[plan.key] = project

    def submissions(self) -> None:
        for project_key, work_key in RESOURCES:
            project = self.projects[project_key]
            resource_add(project=project, actor=project.owner, contribution=self.works[work_key])
        for project_key, work_key, ask_kind, message, accept, note in SUBMISSIONS:
            project, work = self.projects[project_key], self.works[work_key]
            submission = submission_create(
                project=project, actor=work.author, contribution=work,
                ask=self.asks[project_key, ask_kind] if ask_kind else None, message=message,
            )  # fmt: skip
            if accept is not None:
                submission_decide(
                    submission=submission, actor=project.owner, accept=accept, note=note
                )

    def credited_ready(self) -> None:
        """A release credits ready work only. With a worker (REDIS_URL) the jobs may still be
        queued, so run the credited ones here; the job is a no-op for work already ready."""
        for key, _ in CREDITS:
            contribution_process(contribution_id=self.works[key].id)
            work = Contribution.objects.get(pk=self.works[key].id)
            if work.status != Contribution.Status.READY:
                raise CommandError(f"“{work.title}” is {work.status}: {work.error}")
            self.works[key] = work

    def release(self) -> None:
        project = self.projects[RELEASE_PROJECT]
        credits = [CreditInput(self.works[key].id, Fraction(weight)) for key, weight in CREDITS]
        project_release(project=project, actor=project.owner, credits=credits, commercial=True)

    def revenue(self) -> None:
        project = self.projects[RELEASE_PROJECT]
        for key, amount, note in [*REVENUE, REPLAYED]:
            _, recorded = revenue_record(
                project=project, actor=project.owner, amount=amount, currency="USD", note=note,
                idempotency_key=key,
            )  # fmt: skip
            if not recorded:
                self.replay_recorded_nothing = True

    def publishing(self) -> None:
        project = self.projects[RELEASE_PROJECT]
        revenue_stream_create(
            project=project, actor=project.owner, name="publishing",
            contributions=[self.works[key].id for key in PUBLISHING_CREDITS],
        )  # fmt: skip
        key, amount, note = PUBLISHING_REVENUE
        revenue_record(
            project=project, actor=project.owner, amount=amount, currency="USD", note=note,
            idempotency_key=key, stream="publishing",
        )  # fmt: skip

    def statements(self) -> None:
        statements_build_month(period=timezone.now().date())


class Command(BaseCommand):
    help = (
        "Fill an empty database with a demo platform (artists, real media, remixes, an open "
        "and a released project, revenue, statements). Adds nothing if there is content."
    )

    def handle(self, *args, **options):
        if Contribution.objects.exists():
            self.stdout.write(NOTHING_TO_DO)
            return
        started = time.monotonic()
        with (
            tempfile.TemporaryDirectory(prefix="hitrec-seed-") as directory,
            _quiet(CHATTY_LOGGERS),
        ):
            seeder = Seeder(Path(directory))
            steps = seeder.steps()
            with tqdm(total=len(steps), file=_ProgressStream(self.stderr), unit="step",
                      bar_format="{l_bar}{bar}| {n}/{total} [{elapsed}]") as bar:  # fmt: skip
                for label, step in steps:
                    bar.set_description(f"seed_demo: {label[:32]:<32}")
                    step()
                    bar.update()
        self._report(seeder, time.monotonic() - started)

    def _report(self, seeder: Seeder, seconds: float) -> None:
        out = self.stdout.write
        out(self.style.SUCCESS(f"The hitrec demo is ready ({seconds:.1f} s)."))
        out("")
        out(f"Log in as any of these (password: {PASSWORD}):")
        for username, user in seeder.users.items():
            existing = username in seeder.existing_accounts
            note = " (an existing account: its password is unchanged)" if existing else ""
            out(f"  {user.username:<6} {user.public_name}{note}")
        out("")
        out("Created:")
        works = Contribution.objects.all()
        kinds = Counter(works.values_list("kind", flat=True))
        statuses = Counter(works.values_list("status", flat=True))
        kind_text = ", ".join(f"{kinds[k]} {k}" for k in Contribution.Kind.values if kinds[k])
        ready = statuses[Contribution.Status.READY]
        waiting = "" if ready == len(WORKS) else f"; {len(WORKS) - ready} queued for the worker"
        out(f"  {len(seeder.users)} artists")
        out(f"  {works.count()} contributions: {kind_text} ({ready} ready{waiting})")
        vocal = seeder.works["vocal-take"]
        depth = max(node.depth for node in closure_get(contribution_ids=[vocal.id]).nodes)
        out(
            f"  {RemixLink.objects.count()} remix links; a chain {depth} deep behind “{vocal.title}”, "
            f"a diamond behind “{seeder.works['collage'].title}”"
        )
        projects = Counter(Project.objects.values_list("status", flat=True))
        out("  " + ", ".join(f"{n} {status} project" for status, n in sorted(projects.items())))
        submissions = Counter(Submission.objects.values_list("status", flat=True))
        out("  submissions: " + ", ".join(f"{n} {s}" for s, n in sorted(submissions.items())))
        project = Project.objects.get(pk=seeder.projects[RELEASE_PROJECT].pk)
        split = release_split(release=project.release)
        names = {user.id: user.username for user in seeder.users.values()}
        out(
            f"  “{project.title}” (released) splits: "
            + ", ".join(f"{names[p.user_id]} {format_percent(p.share)}%" for p in split.parties)
        )
        events = RevenueEvent.objects.filter(project=project)
        total = sum(events.values_list("amount_minor", flat=True))
        replay = " (one key posted twice, recorded once)" if seeder.replay_recorded_nothing else ""
        out(f"  {events.count()} revenue events, {format_minor(total, currency='USD')} USD{replay}")
        statements = Statement.objects.all()
        payable = statements.filter(payable_minor__gt=0).count()
        threshold = format_minor(payout_threshold("USD"), currency="USD")
        out(
            f"  {statements.count()} statements for {timezone.now():%B %Y}: {payable} payable, "
            f"{statements.count() - payable} below the {threshold} USD threshold (carried forward)"
        )
        out("")
        out(
            "Next: `manage.py runserver`, then open http://127.0.0.1:8000/ "
            "(API docs at /api/docs/)."
        )
