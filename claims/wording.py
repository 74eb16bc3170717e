"""How the pages say a credit guard match: how sure, in words and as a percent, and what
matched in a sentence. Here, in claims, the lowest of the apps whose pages show matches (a
claim's page, a proposal's, a work's page and the producer's desk), so all of them say a
match the same way; its template is `claims/_match.html`."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims.selectors import WorkMatch
from hitrec.formats import percent_display


@dataclass(frozen=True)
class MatchShown:
    """One match as a page says it: how sure, in words and as a percent, and what matched in
    a sentence, with a text's quoted passage apart (the template escapes it)."""

    found: WorkMatch
    percent: str
    certainty: str
    matched: str
    quoted: str


# Scores in [0, 1]; every kept match passed its kind's verification, so even the lowest is
# more than chance (a picture's starts at 0.5, a sound's at 0.64).
_CERTAINTY = (
    (0.9, gettext_lazy("almost certainly")),
    (0.75, gettext_lazy("very likely")),
    (0.0, gettext_lazy("likely")),
)
# A picture's match region covers the earlier work's central 80% (media.fingerprints.images:
# MARGIN 0.1 on each side): the whole earlier picture spans 1/8 more of it on each side.
_CENTRE_TO_EDGE = 0.1 / 0.8
# Seen this much of each dimension, a picture counts as shown whole.
_WHOLE = 0.97


def match_shown(found: WorkMatch, *, yours: bool = False) -> MatchShown:
    """How the pages (a work's page, the producer's desk, a proposal, a claim) say one match;
    `yours`: the reader is the work's author ("of yours" rather than "of this work")."""
    score = found.match.score
    detail = found.match.detail or {}
    quoted = ""
    if found.match.kind == "audio":
        theirs = detail.get("earlier_seconds") or [0, 0]
        ours = detail.get("work_seconds") or [0, 0]
        spans = {
            "their_from": _clock(theirs[0]),
            "their_to": _clock(theirs[1]),
            "from": _clock(ours[0]),
            "to": _clock(ours[1]),
        }
        if yours:
            # Translators: where two recordings match, e.g. “0:12–0:32 of theirs at 1:05–1:25
            # of yours”: the earlier work's minutes and seconds, then the reader's work's.
            matched = _("%(their_from)s–%(their_to)s of theirs at %(from)s–%(to)s of yours") % spans
        else:
            matched = (
                _("%(their_from)s–%(their_to)s of theirs at %(from)s–%(to)s of this work") % spans
            )
    elif found.match.kind == "image":
        matched = _picture_words(detail)
    else:
        quoted = detail.get("quoted_text") or ""
        matched = (
            _("Their words, quoted in yours:") if yours else _("Their words, quoted in this work:")
        )
    return MatchShown(
        found=found,
        percent=_percent(score),
        certainty=str(next(words for floor, words in _CERTAINTY if score >= floor)),
        matched=matched,
        quoted=quoted,
    )


def _clock(seconds: float) -> str:
    """12.4 → "0:12"; 3725 → "1:02:05"."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _picture_words(detail: dict) -> str:
    """How much of the earlier picture the work shows (its `region`: where the earlier
    picture's centre lies in the work, as fractions), and whether it is mirrored."""
    left, top, right, bottom = detail.get("region") or (0.1, 0.1, 0.9, 0.9)
    across, down = _seen(left, right), _seen(top, bottom)
    mirrored = bool(detail.get("mirrored"))
    if min(across, down) >= _WHOLE:
        return _("Their picture, whole and mirrored.") if mirrored else _("Their picture, whole.")
    shown = {"width": _percent(across), "height": _percent(down)}
    if mirrored:
        return (
            _(
                "Their picture, mirrored and cut to about %(width)s of its width and "
                "%(height)s of its height."
            )
            % shown
        )
    return (
        _("Their picture, cut to about %(width)s of its width and %(height)s of its height.")
        % shown
    )


def _percent(share: float) -> str:
    """0.934 → "93%", in the reader's way of writing it."""
    return percent_display(Decimal(str(round(share, 2))), decimals=0)


def _seen(start: float, end: float) -> float:
    """The share of the earlier picture's extent, in one dimension, that lies within the work."""
    margin = (end - start) * _CENTRE_TO_EDGE
    left, right = start - margin, end + margin
    if right <= left:
        return 1.0
    return max(0.0, min(1.0, right) - max(0.0, left)) / (right - left)
