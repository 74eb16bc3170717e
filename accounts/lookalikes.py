"""Usernames that look alike: Unicode TR39 skeletons and mixed scripts (no Django).

`аna` (a Cyrillic а) looks like `ana`; with a copied display name it impersonates her. Two
names are confusable when their skeletons are equal (Unicode Technical Standard #39, section
4: NFD, each character replaced by its prototype from confusables.txt, NFD again), compared
without case as usernames are. A name that mixes scripts (Latin with Cyrillic, say) is
refused outright, except the mixes whole writing systems use (TR39's "highly restrictive"
level: Han with Hiragana and Katakana, with Bopomofo, or with Hangul, each also with Latin).
"""

import functools
import unicodedata
from importlib import resources

# Letters of these scripts may share a name (TR39 5.2, "highly restrictive").
ALLOWED_MIXES = [
    {"LATIN", "HAN", "HIRAGANA", "KATAKANA"},
    {"LATIN", "HAN", "BOPOMOFO"},
    {"LATIN", "HAN", "HANGUL"},
]
# A character name's first word is the script for almost every letter; these say otherwise.
_SCRIPT_OF_WORD = {"CJK": "HAN", "FULLWIDTH": "LATIN", "HALFWIDTH": "KATAKANA"}


@functools.cache
def _prototypes() -> dict[str, str]:
    """confusables.txt: `source ; prototype ; type # comment`, code points in hex."""
    text = (resources.files("confusables") / "assets" / "confusables.txt").read_text("utf-8-sig")
    mapping = {}
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split(";")
        if len(fields) < 2 or not fields[0].strip():
            continue
        source = "".join(chr(int(code, 16)) for code in fields[0].split())
        mapping[source] = "".join(chr(int(code, 16)) for code in fields[1].split())
    return mapping


def skeleton(name: str) -> str:
    """The form two look-alike names share: `аna` and `ana` → `ana`; `Ian` and `lan` → `lan`."""
    prototypes = _prototypes()
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", name))
    mapped = "".join(prototypes.get(character, character) for character in decomposed)
    return unicodedata.normalize("NFD", mapped).casefold()


def scripts_of(name: str) -> set[str]:
    """The scripts of the name's letters (digits and punctuation belong to none)."""
    found = set()
    for character in unicodedata.normalize("NFKC", name):
        if not character.isalpha():
            continue
        word = unicodedata.name(character, "UNKNOWN").split()[0]
        found.add(_SCRIPT_OF_WORD.get(word, word))
    return found


def mixes_scripts(name: str) -> bool:
    scripts = scripts_of(name)
    return len(scripts) > 1 and not any(scripts <= allowed for allowed in ALLOWED_MIXES)
