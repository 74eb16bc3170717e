"""Text contributions: word count, excerpt, and Markdown rendered to sanitised HTML."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import markdown
import nh3

EXCERPT_CHARS = 280
LINK_REL = "nofollow noopener"
_MARKDOWN_EXTENSIONS = ["fenced_code", "tables", "sane_lists"]
# Images are left out on purpose: a remote <img> tells a third party who read the page.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody",
    "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}
_WORD = re.compile(r"\w+(?:['’-]\w+)*")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class TextResult:
    """What a reader sees of a text: its length in words, a teaser, and safe HTML."""

    word_count: int
    excerpt: str
    html: str


def process_text(body: str) -> TextResult:
    """Render `body` (plain text or Markdown) to sanitised HTML and measure what it says."""
    safe_html = render_markdown(body)
    plain = _plain_text(safe_html)
    return TextResult(
        word_count=len(_WORD.findall(plain)),
        excerpt=excerpt(plain),
        html=safe_html,
    )


def render_markdown(body: str) -> str:
    """Markdown to HTML with no scripts, styles, frames, event handlers or script URLs."""
    rendered = markdown.markdown(body, extensions=_MARKDOWN_EXTENSIONS, output_format="html")
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def excerpt(text: str, *, limit: int = EXCERPT_CHARS) -> str:
    """The first `limit` characters of `text`, cut at a word boundary, with "…" if cut."""
    flat = _SPACE.sub(" ", text).strip()
    if len(flat) <= limit:
        return flat
    cut = flat[: limit + 1].rsplit(" ", 1)[0] if " " in flat[: limit + 1] else flat[:limit]
    return cut.rstrip(" ,;:.-–—") + "…"


def _plain_text(safe_html: str) -> str:
    # Stripping every tag leaves the words a reader sees, without Markdown's punctuation.
    spaced = re.sub(r"<(?:/p|br|/li|/h\d|/tr|/td|/th|/blockquote|/pre)\s*/?>", " ", safe_html)
    return html.unescape(nh3.clean(spaced, tags=set()))
