"""Small bar charts drawn as SVG on the server: no chart library, no script, nothing external."""

from collections.abc import Callable, Sequence
from fractions import Fraction

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _


def bar_chart(
    bars: Sequence[tuple[str, Fraction]],
    *,
    title: str,
    label: Callable[[Fraction], str],
    width: int = 640,
    bar_height: int = 26,
) -> SafeString:
    """Horizontal bars, one per (name, value), scaled to the largest; labels escaped.

    The picture's text alternative says what it shows, every bar in words ("Your earnings by
    month: 2026-11 12.00, 2026-12 303.84"), for those who cannot see it.
    """
    if not bars:
        return mark_safe("")  # noqa: S308 - a constant empty string
    top = max(value for _, value in bars) or Fraction(1)
    name_width, value_width = 150, 90
    usable = width - name_width - value_width
    height = bar_height * len(bars) + 8
    rows = []
    for i, (name, value) in enumerate(bars):
        y = 4 + i * bar_height
        length = max(1, round(usable * value / top)) if value else 0
        rows.append(
            f'<text x="{name_width - 8}" y="{y + bar_height * 0.65:.1f}" text-anchor="end">'
            f"{escape(name)}</text>"
            f'<rect x="{name_width}" y="{y + 4}" width="{length}" height="{bar_height - 8}" rx="3"/>'
            f'<text x="{name_width + length + 6}" y="{y + bar_height * 0.65:.1f}">'
            f"{escape(label(value))}</text>"
        )
    # Translators: one bar of a chart in words, e.g. "2026-11 12.00" or "ana 50.00%".
    said = ", ".join(_("%(name)s %(value)s") % {"name": name, "value": label(value)}
                     for name, value in bars)  # fmt: skip
    # Translators: a chart's text alternative: its title, then every bar in words.
    alternative = _("%(title)s: %(bars)s") % {"title": title, "bars": said}
    svg = (
        f'<svg class="chart" role="img" aria-label="{escape(alternative)}" '
        f'viewBox="0 0 {width} {height}" width="100%" '
        f'xmlns="http://www.w3.org/2000/svg">{"".join(rows)}</svg>'
    )
    return mark_safe(svg)  # noqa: S308 - every interpolated text is escaped above
