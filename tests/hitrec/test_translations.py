"""The catalogs stay whole: no template text is left unmarked, the Spanish catalog is current
(the messages command would change nothing), complete, and compiled (docs/i18n.md)."""

import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.template.base import Lexer, TokenType

ROOT = Path(settings.BASE_DIR)
CATALOG = ROOT / "locale" / "es" / "LC_MESSAGES"
TEMPLATES = sorted(
    path
    for path in ROOT.glob("*/templates/**/*")
    if path.suffix in (".html", ".txt") and ".venv" not in path.parts
)
# Attributes whose words a person reads or hears (a screen reader says aria-label and alt).
READ_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder"}
# Words that are the same in every language: the name, file formats.
UNTRANSLATED = {"hitrec", "CSV", "PDF", "MB"}
TRANSLATED_BLOCKS = {"blocktranslate", "blocktrans"}
ENDS = {"endblocktranslate", "endblocktrans"}


def template_skeleton(source: str) -> str:
    """The template's own text, with every tag, variable and translated block replaced by a
    NUL (keeping its line breaks), so that what remains is only the literal text."""
    parts, inside = [], None
    for token in Lexer(source).tokenize():
        lines = "\n" * token.contents.count("\n")
        word = token.contents.split()[0] if token.contents.split() else ""
        if inside:
            if token.token_type == TokenType.BLOCK and word == inside:
                inside = None
            parts.append("\0" + lines)
        elif token.token_type == TokenType.TEXT:
            parts.append(token.contents)
        else:
            if token.token_type == TokenType.BLOCK and word in TRANSLATED_BLOCKS:
                inside = "endblocktranslate" if word == "blocktranslate" else "endblocktrans"
            elif token.token_type == TokenType.BLOCK and word == "comment":
                inside = "endcomment"
            parts.append("\0" + lines)
    return "".join(parts)


class UnmarkedText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self.skipping = 0

    def _check(self, text: str) -> None:
        words = [
            w for w in re.findall(r"[^\W\d_]{2,}", text.replace("\0", " ")) if w not in UNTRANSLATED
        ]
        if words:
            self.found.append((self.getpos()[0], " ".join(text.replace("\0", "…").split())))

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skipping += 1
        for name, value in attrs:
            if value and (
                name in READ_ATTRIBUTES
                or (tag == "input" and name == "value" and ("type", "submit") in attrs)
            ):
                self._check(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self._check(data)


def unmarked(source: str) -> list[tuple[int, str]]:
    parser = UnmarkedText()
    parser.feed(template_skeleton(source))
    parser.close()
    return parser.found


def test_every_word_of_every_template_is_marked_for_translation():
    found = {
        f"{path.relative_to(ROOT)}:{line}": text
        for path in TEMPLATES
        for line, text in unmarked(path.read_text())
    }

    assert TEMPLATES
    assert found == {}


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("<p>Hello there</p>", [(1, "Hello there")]),
        ('<img alt="A cat" src="{{ url }}">', [(1, "A cat")]),
        ('{% load i18n %}\n<input placeholder="{{ x }} titles">', [(2, "… titles")]),
        ('<button type="submit" value="Go on">', []),
        ('<input type="submit" value="Go on">', [(1, "Go on")]),
        ("{% load i18n %}<p>{% translate 'Hello' %} · {{ name }}</p>", []),
        ("<p>{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}</p>", []),
        ("<p>{% comment %}Not shown{% endcomment %}hitrec · CSV</p>", []),
        ("<script>let words = 'not read';</script>", []),
    ],
)
def test_the_unmarked_text_check_finds_words_outside_translation_tags(template, words):
    assert unmarked(template) == words


def _sources_copy(into: Path) -> None:
    """What makemessages reads: the apps' code and templates, and the catalogs as they are."""
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in (".venv", ".git", "var", "tests", "bench", "docs", "node_modules"):
            continue
        if path.is_file() and (
            path.suffix in (".py", ".html", ".txt", ".po", ".js") or path.name == "manage.py"
        ):
            target = into / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def _without_creation_date(text: str) -> str:
    return re.sub(r'^"POT-Creation-Date: .*\\n"\n', "", text, flags=re.M)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext is not installed")
def test_the_catalog_is_current_makemessages_changes_nothing(tmp_path):
    """A string marked in the code but missing from the catalog (or one left there after its
    code went) fails here: run `manage.py messages` and translate what it added."""
    _sources_copy(tmp_path)
    subprocess.run(
        [sys.executable, "manage.py", "messages", "-v", "0"],
        cwd=tmp_path, check=True, capture_output=True, timeout=300,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "hitrec.settings_test",
             "HITREC_VAR_DIR": str(tmp_path / "var")},
    )  # fmt: skip
    fresh = (tmp_path / "locale/es/LC_MESSAGES/django.po").read_text()
    committed = (CATALOG / "django.po").read_text()

    assert _without_creation_date(fresh) == _without_creation_date(committed)


def _catalog():
    with (CATALOG / "django.po").open("rb") as po:
        return read_po(po, locale="es")


def test_the_spanish_catalog_is_complete_and_not_fuzzy():
    catalog = _catalog()
    missing = [
        message.id
        for message in catalog
        if message.id
        and (
            "fuzzy" in message.flags
            or not (all(message.string) if isinstance(message.string, tuple) else message.string)
        )
    ]

    assert len(catalog) > 400
    assert missing == []


def test_the_compiled_catalog_is_the_catalog():
    """The .mo files are committed, so that `make run` needs no gettext; they must say what
    the .po files say."""

    def exact(value):  # a plural's forms come as a list from one reader, a tuple from the other
        return tuple(value) if isinstance(value, list | tuple) else value

    with (CATALOG / "django.mo").open("rb") as mo:
        compiled = {exact(m.id): exact(m.string) for m in read_mo(mo) if m.id}
    written = {exact(m.id): exact(m.string) for m in _catalog() if m.id}

    assert compiled == written
