"""Finding `@username` mentions in text (pure: no Django)."""

import re

# Usernames are letters, digits and @ . + - _ (Django's rule); a mention may not follow a
# word character or another @, so "ana@example.org" mentions nobody.
_MENTION = re.compile(r"(?<![\w@.+-])@([\w.+-]{1,150})")
# Punctuation that ends a sentence more often than a username: "thanks @ana."
_TRAILING = ".-+"


def mention_candidates(text: str) -> list[list[str]]:
    """For each mention, in order of appearance, the usernames it may mean, longest first.

    "@ana." may be the user "ana." or "ana"; the caller keeps the first that exists.
    """
    found: list[list[str]] = []
    for match in _MENTION.finditer(text):
        raw = match.group(1)
        stripped = raw.rstrip(_TRAILING)
        found.append([raw, stripped] if stripped and stripped != raw else [raw])
    return found
