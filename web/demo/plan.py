"""What the demo platform holds: its artists, works (oldest first), projects and money."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from web.demo.media import (
    BEAT,
    BELL,
    DRONE,
    DRONE_AND_BEAT,
    HUM,
    INSTRUMENTAL,
    LAST_BUS_HOME,
    LAST_STOP,
    SMALL_HOURS,
    VOCAL_TAKE,
    dawn,
    dawn_circled,
    dawn_collage,
    dawn_negative,
    orbits,
    picture,
    sound,
    static_garden,
    static_hours,
    title_card,
    words,
)

PASSWORD = "remix-the-world"  # noqa: S105 - the public demo password, as `demo_user` prints


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


# The skills each artist offers (open asks tagged with one show on their home page).
SKILLS = {
    "demo": ("vocals",),
    "ana": ("painting", "illustration"),
    "bo": ("synth", "field-recording"),
    "chen": ("illustration", "animation"),
    "dara": ("percussion", "mixing"),
    "eli": ("lyrics", "bells"),
    "fay": ("noise", "photography"),
}
# Each work's tags, by key; the asks', by (project, kind).
WORK_TAGS = {
    "dawn": ("painting", "sky"),
    "orbits": ("illustration", "geometry"),
    "garden": ("noise", "photography"),
    "drone": ("drone", "synth", "ambient"),
    "beat": ("percussion", "lo-fi"),
    "bell": ("bells", "ambient"),
    "lyrics": ("lyrics", "night"),
    "small-hours": ("night", "song"),
    "title-card": ("animation", "title-card"),
    "circled": ("illustration", "sky"),
    "negative": ("painting",),
    "collage": ("collage", "sky"),
    "drone-beat": ("drone", "lo-fi"),
    "instrumental": ("lo-fi", "night"),
    "vocal-take": ("vocals", "night"),
    "static-hours": ("noise", "night"),
    "last-stop": ("lyrics", "song"),
    "hum": ("field-recording", "ambient"),
}
ASK_TAGS = {
    ("night-bus", "audio"): ("vocals",),
    ("night-bus", "image"): ("illustration", "painting"),
    ("night-bus", "video"): ("animation",),
    ("paper-boats", "audio"): ("cello", "synth"),
    ("paper-boats", "image"): ("illustration",),
    ("paper-boats", "text"): ("lyrics",),
    ("static-radio", "image"): ("noise", "photography"),
}  # fmt: skip


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
         picture(dawn, "dawn-gradient.png")),
    Work("orbits", "chen", "Orbit Circles", "cc-by",
         "Orbits drawn freehand (well, by a seeded random generator). CC BY: credit me.",
         picture(orbits, "orbit-circles.jpg")),
    Work("garden", "fay", "Static Garden", "cc-by-nc",
         "Noise that grew moss. Free to remix, not to sell.",
         picture(static_garden, "static-garden.png")),
    Work("drone", "bo", "Low Drone in A", "hitrec",
         "A and E, slowly breathing. Four seconds that could go on for ever.",
         sound(DRONE, "low-drone-in-a.wav")),
    Work("beat", "dara", "Kitchen Beat", "hitrec",
         "Kick on a pot, hat on a cheese grater, 120 bpm.",
         sound(BEAT, "kitchen-beat.mp3")),
    Work("bell", "eli", "Glass Bell Chord", "cc-by",
         "C major, struck every two seconds. CC BY: use it anywhere, say it was me.",
         sound(BELL, "glass-bell-chord.mp3")),
    Work("lyrics", "eli", "Last Bus Home", "hitrec",
         "Lyrics for a night-bus song: two verses and a chorus.",
         words(LAST_BUS_HOME, "last-bus-home.md")),
    Work("small-hours", "fay", "Small Hours", "cc-by-nc",
         "Song words for the hours between stations.",
         words(SMALL_HOURS, "small-hours.md")),
    Work("title-card", "chen", "Night Bus Title Card", "hitrec",
         "Two seconds of test pattern and a bell, for the start of the video.",
         title_card),
    # Remixes. Dawn Gradient → (Dawn, Circled | Dawn Negative) → Dawn Collage is a diamond.
    Work("circled", "chen", "Dawn, Circled", "hitrec",
         "Ana's dawn seen through my orbits (screen blend). Orbit Circles is CC BY, so "
         "it can go into hitrec work.",
         picture(dawn_circled, "dawn-circled.jpg"), sources=("dawn", "orbits")),
    Work("negative", "bo", "Dawn Negative", "hitrec",
         "The same dawn, inverted and posterised: a night that never ends.",
         picture(dawn_negative, "dawn-negative.png"), sources=("dawn",)),
    Work("collage", "eli", "Dawn Collage", "hitrec",
         "Both remixes of Dawn Gradient faded into one: the Night Bus cover.",
         picture(dawn_collage, "dawn-collage.jpg"), sources=("circled", "negative")),
    # The Night Bus chain: drone + beat → Drone & Beat → instrumental (+ bell) → vocal take.
    Work("drone-beat", "ana", "Drone & Beat", "hitrec",
         "Bo's drone under Dara's kitchen beat.",
         sound(DRONE_AND_BEAT, "drone-and-beat.mp3"), sources=("drone", "beat")),
    Work("instrumental", "dara", "Night Bus (instrumental)", "hitrec",
         "Drone & Beat with Eli's bell chord on top.",
         sound(INSTRUMENTAL, "night-bus-instrumental.mp3"),
         sources=("drone-beat", "bell")),
    Work("vocal-take", "demo", "Night Bus (vocal take)", "hitrec",
         "The instrumental with a (synthetic) voice singing Eli's lyrics.",
         sound(VOCAL_TAKE, "night-bus-vocal-take.wav"), sources=("instrumental", "lyrics")),
    # NonCommercial work stays NonCommercial when remixed.
    Work("static-hours", "dara", "Static Hours", "cc-by-nc",
         "Fay's garden with a line of her song. Both are CC BY-NC, so this is too.",
         picture(static_hours, "static-hours.jpg"), sources=("garden", "small-hours")),
    Work("last-stop", "fay", "Last Stop", "hitrec",
         "An answer to Eli's lyrics. A remix of hitrec work stays hitrec.",
         words(LAST_STOP, "last-stop.md"), sources=("lyrics",)),
    Work("hum", "bo", "Harbour Hum", "hitrec",
         "A low hum for Paper Boats' cello ask, with a little harbour hiss.",
         sound(HUM, "harbour-hum.mp3"), project="paper-boats"),
]  # fmt: skip


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
