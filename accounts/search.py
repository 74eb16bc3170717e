"""Artists found by name: their username or display name, case and accents aside.

Only what the public profile shows is searched and returned (username, display name), never
an address; closed accounts (inactive) are left out. Each word typed must occur in the name
(`-word` must not, `or` between groups as for works); on PostgreSQL a name alike enough to
the words as a whole is found too (pg_trgm's word similarity, for a typo), and both read the
trigram index on the folded name (migration accounts/0008). On SQLite the names are folded
by a Python function registered on the connection and scanned: the embedded default has few
people, and no typo tolerance.

Order: the username typed exactly first, then how alike (PostgreSQL), then the oldest
account: never by followers.
"""

# Every statement here is assembled from this module's own constants; values from outside
# are parameters.
# ruff: noqa: S608

from dataclasses import dataclass

from django.db import connection
from django.utils.safestring import SafeString, mark_safe

from accounts.models import User
from hitrec.search import SearchQuery, folded, marked_html, marked_words

# The folded name, exactly as the trigram index of migration accounts/0008 spells it.
POSTGRES_NAME = "hitrec_unaccent(lower(u.username || ' ' || u.display_name))"
_SQLITE_NAME = "hitrec_fold(u.username || ' ' || u.display_name)"


@dataclass(frozen=True)
class ArtistFound:
    """An artist found, with their username and display name as safe HTML (matches marked)."""

    artist: User
    username: SafeString
    display_name: SafeString


@dataclass(frozen=True)
class ArtistsFound:
    found: list[ArtistFound]
    count: int
    capped: bool = False


def _escaped(term: str) -> str:
    """The term as a LIKE pattern matches it literally (`_` is common in usernames)."""
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _conditions(query: SearchQuery, name: str, pattern: str) -> tuple[str, list[str | int]]:
    """Each group: its words in the name (its negated ones not); any group will do.
    `pattern` is the SQL of a LIKE pattern with one parameter, the escaped term."""
    groups: list[str] = []
    params: list[str | int] = []
    for group in query.groups:
        parts = []
        for term in group:
            negated = "NOT " if term.negated else ""
            parts.append(f"{name} {negated}LIKE {pattern} ESCAPE '\\'")
            params.append(_escaped(term.text))
        groups.append("(" + " AND ".join(parts) + ")")
    return "(" + " OR ".join(groups) + ")", params


def artists_search(*, query: SearchQuery, offset: int = 0, limit: int = 20) -> ArtistsFound:
    """The page of artists whose name matches `query`."""
    wanted = [term.text for term in query.terms if not term.negated]
    needle = " ".join(wanted)
    if connection.vendor == "postgresql":
        # The pattern is folded by the database, as the indexed name is (constant, so the
        # planner folds it and reads the trigram index with it).
        pattern = "('%%' || hitrec_unaccent(lower(%s)) || '%%')"
        where, params = _conditions(query, POSTGRES_NAME, pattern)
        sql = (
            "SELECT u.id, count(*) OVER () FROM accounts_user u"
            f" WHERE u.is_active AND ({where} OR hitrec_unaccent(lower(%s)) <%% {POSTGRES_NAME})"
            " ORDER BY lower(u.username) = lower(%s) DESC,"
            f" word_similarity(hitrec_unaccent(lower(%s)), {POSTGRES_NAME}) DESC, u.id"
            " LIMIT %s OFFSET %s"
        )
        params += [needle, needle, needle, limit, offset]
    else:
        connection.ensure_connection()
        connection.connection.create_function("hitrec_fold", 1, folded, deterministic=True)
        where, params = _conditions(query, _SQLITE_NAME, "('%%' || hitrec_fold(%s) || '%%')")
        sql = (
            f"SELECT u.id, count(*) OVER () FROM accounts_user u WHERE u.is_active AND {where}"
            " ORDER BY lower(u.username) = lower(%s) DESC, u.id LIMIT %s OFFSET %s"
        )
        params += [needle, limit, offset]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows and offset:
        return ArtistsFound(found=[], count=artists_search(query=query, limit=1).count)
    people = User.objects.only("id", "username", "display_name").in_bulk([r[0] for r in rows])
    found = [
        ArtistFound(
            artist=people[row[0]],
            username=mark_safe(marked_html(marked_words(people[row[0]].username, wanted))),  # noqa: S308
            display_name=mark_safe(  # noqa: S308 (escaped by marked_html)
                marked_html(marked_words(people[row[0]].display_name, wanted))
            ),
        )
        for row in rows
        if row[0] in people
    ]
    return ArtistsFound(found=found, count=rows[0][1] if rows else 0)
