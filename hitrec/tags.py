"""Tags as people type them, made one spelling: "Lo Fi", "LO_FI" and "lo-fi" are `lo-fi`."""

import unicodedata
from collections.abc import Iterable

from hitrec.messages import ExplainedError, gettext_noop

MAX_TAGS = 20
MAX_TAG_CHARS = 50


def tag_normalised(text: str) -> str:
    """One spelling of a tag: accents dropped, case folded, every run of spaces, underscores or
    punctuation one hyphen, none at either end. Letters of any script and digits stay.
    Returns "" for text with no letter or digit."""
    decomposed = unicodedata.normalize("NFKD", text)
    # Accents are combining marks after NFKD: dropping them makes "Café" "cafe".
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    words, word = [], []
    for ch in plain:
        if ch.isalnum():
            word.append(ch)
        elif word:
            words.append("".join(word))
            word = []
    if word:
        words.append("".join(word))
    return unicodedata.normalize("NFC", "-".join(words))[:MAX_TAG_CHARS].strip("-")


def tags_normalised(texts: Iterable[str]) -> list[str]:
    """The tags as stored, in the order first given, each once.

    Raises ExplainedError for a tag with no letter or digit, or more than MAX_TAGS tags.
    """
    tags: list[str] = []
    for text in texts:
        tag = tag_normalised(text)
        if not tag:
            raise ExplainedError(
                gettext_noop("“%(tag)s” is not a tag: a tag needs a letter or a digit."),
                tag=text[:MAX_TAG_CHARS],
            )
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ExplainedError(
            gettext_noop("At most %(most)s tags, please; these are %(count)s."),
            most=MAX_TAGS,
            count=len(tags),
        )
    return tags
