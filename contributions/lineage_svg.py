"""Draws a lineage as an SVG picture with Graphviz `dot` (sources above their remixes)."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hitrec.formats import number_display

if TYPE_CHECKING:
    from contributions.lineage import LineageEdge, LineageNode
    from contributions.lineage_pages import MoreWorks

# dot's layout time grows faster than linearly (here: 1,000 works with 2,000 random links
# take about 1 s, with 4,000 links 22 s); past these sizes the caller should ask for a
# depth-limited lineage instead of making a worker spin (nobody can read such a picture).
MAX_NODES = 1_000
MAX_EDGES = 2_000
MAX_DOT_BYTES = 1_000_000
DOT_TIMEOUT_S = 10.0
# Labels stay readable; the tooltip carries the whole title.
MAX_LABEL_CHARS = 48

ROOT_FILL = "#ffd54f"
NODE_FILL = "#ffffff"
REMOVED_FILL = "#eeeeee"
MORE_FILL = "#f5f5f5"

# XML 1.0 forbids most control characters, and Graphviz parses HTML-like labels as XML:
# one stray byte in a title would make dot fail, so they become spaces.
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_SVG_START = re.compile(rb"<svg\b")


class LineageRenderError(RuntimeError):
    """The picture could not be drawn: dot is missing, failed or took too long."""


class LineageTooLargeError(LineageRenderError):
    """The lineage has more nodes or edges than a picture can show."""


class _Drawable(Protocol):
    """A Lineage or a LineageClosure: nodes (roots have direction "root") and edges."""

    @property
    def nodes(self) -> Sequence[LineageNode]: ...

    @property
    def edges(self) -> Sequence[LineageEdge]: ...


def _clean(text: str) -> str:
    """Text dot shows as it is: one line, no control characters, no backslashes.

    dot expands backslash escapes (\\N is the node's name, \\G the graph's, \\l a line
    break) in labels and tooltips, and how many backslashes undo that differs between a label
    and a tooltip (and between Graphviz versions), so a backslash is drawn as the look-alike
    U+29F5 instead.
    """
    return " ".join(_NOT_XML_CHAR.sub(" ", text).split()).replace("\\", "\u29f5")


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_LABEL_CHARS else text[: MAX_LABEL_CHARS - 1] + "…"


def _html_label(*lines: str) -> str:
    """An HTML-like label: everything XML-escaped, so a title can never add markup or attributes."""
    first, *rest = (html.escape(_clean(line), quote=True) for line in lines)
    parts = [f"<B>{first}</B>"]
    parts += [f'<BR/><FONT POINT-SIZE="9">{line}</FONT>' for line in rest]
    return "<" + "".join(parts) + ">"


def _quoted(text: str) -> str:
    """A DOT quoted string for an attribute dot copies into the SVG (tooltip, URL, style).

    dot leaves anything that looks like an XML entity alone when it writes the SVG, so the
    text is XML-escaped here (no quote is left to escape for DOT): `&amp;` in a title stays
    `&amp;` on screen instead of turning into `&`.
    """
    return '"' + html.escape(_clean(text), quote=True) + '"'


def _more_label(more: MoreWorks) -> tuple[str, str]:
    """What the box says: how many more works, and how far from the work they stand."""
    count = number_display(more.count)
    if more.direction == "down":
        # Translators: in the lineage picture, the remixes of one level not drawn one by one.
        what = ngettext("and %(count)s more remix", "and %(count)s more remixes", more.count)
        where = ngettext("%(depth)s step down", "%(depth)s steps down", more.depth)
    else:
        # Translators: in the lineage picture, the sources of one level not drawn one by one.
        what = ngettext("and %(count)s more source", "and %(count)s more sources", more.count)
        where = ngettext("%(depth)s step up", "%(depth)s steps up", more.depth)
    return what % {"count": count}, where % {"depth": more.depth}


def _more_lines(lineage: _Drawable, more: Sequence[MoreWorks]) -> list[str]:
    """The "and N more" boxes, each below (or above) the level before it: linked from that
    level's drawn works, or from its own box of more works."""
    lines = []
    boxes = {(box.direction, box.depth) for box in more}
    for box in more:
        name = f"more_{box.direction}_{box.depth}"
        label, where = _more_label(box)
        lines.append(
            f"  {name} [label={_html_label(label, where)}, tooltip={_quoted(label)},"
            f' style="rounded,dashed,filled", fillcolor="{MORE_FILL}", class="more"];'
        )
        nearer = [
            f"c{node.id}"
            for node in lineage.nodes
            if node.depth == box.depth - 1 and node.direction in (box.direction, "root")
        ]
        if (box.direction, box.depth - 1) in boxes:
            nearer.append(f"more_{box.direction}_{box.depth - 1}")
        for other in nearer:
            # Sources above remixes: the arrow goes down the page on either side.
            pair = (other, name) if box.direction == "down" else (name, other)
            lines.append(f'  {pair[0]} -> {pair[1]} [style="dashed"];')
    return lines


def lineage_dot(lineage: _Drawable, more: Sequence[MoreWorks] = ()) -> str:
    """The DOT text of the picture: roots highlighted, removed works dashed and labelled,
    and the works of a level not drawn one by one (`more`) as one box per level."""
    lines = [
        "digraph lineage {",
        '  graph [rankdir=TB, bgcolor="transparent", nodesep=0.3, ranksep=0.45];',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11,'
        f' fillcolor="{NODE_FILL}", color="#555555", target="_top"];',
        '  edge [color="#888888", arrowsize=0.7];',
    ]
    # Translators: in the lineage picture, under a work its author deleted.
    removed = _("(removed)")
    for node in lineage.nodes:
        byline = _("by %(username)s") % {"username": node.author_username}
        label_lines = [_shorten(node.title), _shorten(byline)]
        attrs = {
            "URL": _quoted(f"/contributions/{node.id}/"),
            "tooltip": _quoted(f"{node.title} {byline}" + (f" {removed}" if node.removed else "")),
        }
        styles = ["rounded", "filled"]
        fill = NODE_FILL
        if node.removed:
            label_lines.append(removed)
            styles.append("dashed")
            fill = REMOVED_FILL
            attrs["fontcolor"] = '"#666666"'
        if node.direction == "root":
            fill = ROOT_FILL
            attrs["penwidth"] = "2"
        attrs["label"] = _html_label(*label_lines)
        attrs["style"] = _quoted(",".join(styles))
        attrs["fillcolor"] = _quoted(fill)
        attrs["class"] = _quoted("root" if node.direction == "root" else node.direction)
        rendered = ", ".join(f"{key}={value}" for key, value in attrs.items())
        lines.append(f"  c{node.id} [{rendered}];")
    # Edges point from the source to its remix, so sources are ranked above remixes.
    lines += [f"  c{edge.source} -> c{edge.remix};" for edge in lineage.edges]
    lines += _more_lines(lineage, more)
    lines.append("}")
    return "\n".join(lines) + "\n"


def lineage_svg(
    lineage: _Drawable,
    *,
    more: Sequence[MoreWorks] = (),
    dot_binary: str | None = None,
    timeout_s: float = DOT_TIMEOUT_S,
) -> bytes:
    """The lineage as an SVG document (UTF-8, starting at `<svg`, no XML prolog or DOCTYPE).

    Raises LineageTooLargeError past MAX_NODES / MAX_EDGES, LineageRenderError when dot is
    missing, fails or runs longer than `timeout_s`.
    """
    if len(lineage.nodes) > MAX_NODES or len(lineage.edges) > MAX_EDGES:
        raise LineageTooLargeError(
            f"A lineage picture shows at most {MAX_NODES} works and {MAX_EDGES} links; this one"
            f" has {len(lineage.nodes)} and {len(lineage.edges)}. Ask for fewer levels."
        )
    dot_text = lineage_dot(lineage, more).encode()
    if len(dot_text) > MAX_DOT_BYTES:
        raise LineageTooLargeError(
            f"The lineage picture's description exceeds {MAX_DOT_BYTES} bytes."
        )
    binary = dot_binary or shutil.which("dot")
    if not binary or not shutil.which(binary):
        raise LineageRenderError(
            "Graphviz 'dot' was not found; install the graphviz package to draw lineages."
        )
    try:
        # A fixed argument list (no shell) and our own escaped DOT text on stdin.
        done = subprocess.run(  # noqa: S603
            [binary, "-Tsvg"], input=dot_text, capture_output=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise LineageRenderError(f"Graphviz dot took longer than {timeout_s:g} s.") from exc
    except OSError as exc:
        raise LineageRenderError(f"Graphviz dot could not be started: {exc}") from exc
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip()[:500]
        raise LineageRenderError(f"Graphviz dot failed (exit {done.returncode}): {reason}")
    start = _SVG_START.search(done.stdout)
    if start is None:
        raise LineageRenderError("Graphviz dot produced no SVG.")
    # Without the prolog and DOCTYPE the SVG can be inlined into a page as it is.
    return done.stdout[start.start() :]
