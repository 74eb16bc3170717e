"""Full-text search over public projects (title, brief, asks), kept and read like works'.

The same technique as contributions/search.py and contributions/search_document.py, with a
simpler document: title (weight A), brief (B) and the asks' descriptions and tags (C), kept
by database triggers on projects, asks and their tags; a GIN-indexed tsvector on PostgreSQL,
the FTS5 table `projects_fts` on SQLite. Drafts are indexed too and left out when searched (a project's
status changes without its words). No typo fallback: there are few projects, and the works'
correction is what the search page shows.
"""

# Every statement here is assembled from this module's own constants; values from outside
# (the query's terms, the page, the statuses) are parameters.
# ruff: noqa: S608

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.safestring import SafeString, mark_safe

from accounts.search import ArtistsFound, artists_search
from contributions.search import WorksFound, works_search
from hitrec import search_triggers
from hitrec.search import (
    MARK_START,
    MARK_STOP,
    SearchQuery,
    fts5_match,
    marked_html,
    query_parsed,
    tsquery_sql,
    without_marks_sql,
)
from projects.models import Project
from projects.selectors import PUBLIC_STATUSES

PROJECTS = "projects_project"
ASKS = "projects_ask"
ASK_TAGS = "projects_asktag"
DOCUMENTS = "projects_projectsearchdocument"
FTS = "projects_fts"
WINDOW = 1_000
WEIGHTS = [0.1, 0.2, 0.4, 1.0]  # D (unused), C asks, B brief, A title
FTS_WEIGHTS = "10.0, 4.0, 2.0"  # title, brief, asks
SNIPPET_CHARS = 20_000
_TITLE_OPTIONS = f'StartSel="{MARK_START}", StopSel="{MARK_STOP}", HighlightAll=true'
_SNIPPET_OPTIONS = (
    f'StartSel="{MARK_START}", StopSel="{MARK_STOP}", MaxFragments=2, MaxWords=24, MinWords=10,'
    ' FragmentDelimiter=" … "'
)
_MARKS = MARK_START + MARK_STOP


# --- the document ----------------------------------------------------------------------------
#
# `ask_tags`: whether an ask's words are its description and its tags (now), or its
# description alone (migration 0004, which ran before asks had tags: its table did not exist).


def _ask_text(*, ask_tags: bool = True) -> str:
    """PostgreSQL: the asks of project `p`, each its description then its tags, in order."""
    each = "a.description"
    if ask_tags:
        each += (
            f" || coalesce((SELECT ' ' || string_agg(t.name, ' ' ORDER BY t.id) FROM {ASK_TAGS} t"
            " WHERE t.ask_id = a.id), '')"
        )
    return (
        f"coalesce((SELECT string_agg({each}, ' · ' ORDER BY a.id) FROM {ASKS} a"
        " WHERE a.project_id = p.id), '')"
    )


_ASK_TEXT = _ask_text()


def _postgres_refresh(*, ask_tags: bool) -> str:
    return f"""
CREATE OR REPLACE FUNCTION hitrec_project_search_refresh(ids bigint[]) RETURNS void AS $$
BEGIN
    INSERT INTO {DOCUMENTS} (project_id, document)
    SELECT p.id, setweight(to_tsvector('hitrec', p.title), 'A')
        || setweight(to_tsvector('hitrec', p.brief), 'B')
        || setweight(to_tsvector('hitrec', {_ask_text(ask_tags=ask_tags)}), 'C')
    FROM {PROJECTS} p WHERE p.id = ANY(ids)
    ON CONFLICT (project_id) DO UPDATE SET document = excluded.document;
END;
$$ LANGUAGE plpgsql
"""


# (name, table, event, then what follows `ON table`, body)
_POSTGRES_TRIGGERS: list[search_triggers.PostgresTrigger] = [
    ("project_added", PROJECTS, "AFTER INSERT", "FOR EACH ROW",
     "PERFORM hitrec_project_search_refresh(ARRAY[NEW.id]); RETURN NULL;"),
    ("project_changed", PROJECTS, "AFTER UPDATE OF title, brief",
     "FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title"
     " OR OLD.brief IS DISTINCT FROM NEW.brief)",
     "PERFORM hitrec_project_search_refresh(ARRAY[NEW.id]); RETURN NULL;"),
    ("project_deleted", PROJECTS, "BEFORE DELETE", "FOR EACH ROW",
     f"DELETE FROM {DOCUMENTS} WHERE project_id = OLD.id; RETURN OLD;"),
    ("asks_added", ASKS, "AFTER INSERT", "REFERENCING NEW TABLE AS changed FOR EACH STATEMENT",
     "PERFORM hitrec_project_search_refresh(ARRAY(SELECT DISTINCT project_id FROM changed));"
     " RETURN NULL;"),
    ("asks_removed", ASKS, "AFTER DELETE", "REFERENCING OLD TABLE AS changed FOR EACH STATEMENT",
     "PERFORM hitrec_project_search_refresh(ARRAY(SELECT DISTINCT project_id FROM changed));"
     " RETURN NULL;"),
    ("asks_changed", ASKS, "AFTER UPDATE",
     "REFERENCING OLD TABLE AS before NEW TABLE AS changed FOR EACH STATEMENT",
     "PERFORM hitrec_project_search_refresh(ARRAY(SELECT project_id FROM before"
     " UNION SELECT project_id FROM changed)); RETURN NULL;"),
]  # fmt: skip


def _tags_projects(rows: str) -> str:
    """The projects of the asks whose tags are in the transition table `rows`. Django deletes
    an ask's tags before the ask, so a removed tag's ask is still there to name its project."""
    return f"SELECT a.project_id FROM {rows} JOIN {ASKS} a ON a.id = {rows}.ask_id"


# An ask's tags replaced are two statements: its project refreshed twice, not once per tag.
_POSTGRES_TAG_TRIGGERS: list[search_triggers.PostgresTrigger] = [
    ("ask_tags_added", ASK_TAGS, "AFTER INSERT",
     "REFERENCING NEW TABLE AS changed FOR EACH STATEMENT",
     f"PERFORM hitrec_project_search_refresh(ARRAY({_tags_projects('changed')}));"
     " RETURN NULL;"),
    ("ask_tags_removed", ASK_TAGS, "AFTER DELETE",
     "REFERENCING OLD TABLE AS changed FOR EACH STATEMENT",
     f"PERFORM hitrec_project_search_refresh(ARRAY({_tags_projects('changed')}));"
     " RETURN NULL;"),
    ("ask_tags_changed", ASK_TAGS, "AFTER UPDATE",
     "REFERENCING OLD TABLE AS before NEW TABLE AS changed FOR EACH STATEMENT",
     f"PERFORM hitrec_project_search_refresh(ARRAY({_tags_projects('before')}"
     f" UNION {_tags_projects('changed')})); RETURN NULL;"),
]  # fmt: skip


def _fts_asks(project: str, *, ask_tags: bool = True) -> str:
    """SQLite: the asks of `project`, each its description then its tags, in order."""
    each = "a.description"
    if ask_tags:
        each += (
            f" || coalesce(' ' || (SELECT group_concat(name, ' ') FROM (SELECT name FROM"
            f" {ASK_TAGS} WHERE ask_id = a.id ORDER BY id)), '')"
        )
    return (
        f"coalesce((SELECT group_concat(words, ' · ') FROM (SELECT {each} AS words FROM {ASKS} a"
        f" WHERE a.project_id = {project} ORDER BY a.id)), '')"
    )


def _asks_of(project: str, *, ask_tags: bool = True) -> str:
    asks = without_marks_sql(_fts_asks(project, ask_tags=ask_tags))
    return f"UPDATE {FTS} SET asks = {asks} WHERE rowid = {project}"


def _fts_insert(row: str, *, ask_tags: bool = True) -> str:
    asks = without_marks_sql(_fts_asks(f"{row}.id", ask_tags=ask_tags))
    return (
        f"INSERT INTO {FTS} (rowid, title, brief, asks) SELECT {row}.id,"
        f" {without_marks_sql(f'{row}.title')}, {without_marks_sql(f'{row}.brief')}, {asks}"
    )


def _sqlite_triggers(*, ask_tags: bool) -> list[search_triggers.SqliteTrigger]:
    """(name, event, condition, body) of each trigger."""

    def asks_of(project: str) -> str:
        return _asks_of(project, ask_tags=ask_tags)

    def tag_project(row: str) -> str:
        return f"(SELECT project_id FROM {ASKS} WHERE id = {row}.ask_id)"

    triggers: list[search_triggers.SqliteTrigger] = [
        ("project_added", f"AFTER INSERT ON {PROJECTS}", None,
         [_fts_insert("NEW", ask_tags=ask_tags)]),
        ("project_changed", f"AFTER UPDATE OF title, brief ON {PROJECTS}",
         "OLD.title IS NOT NEW.title OR OLD.brief IS NOT NEW.brief",
         [f"DELETE FROM {FTS} WHERE rowid = OLD.id", _fts_insert("NEW", ask_tags=ask_tags)]),
        ("project_deleted", f"BEFORE DELETE ON {PROJECTS}", None,
         [f"DELETE FROM {FTS} WHERE rowid = OLD.id"]),
        ("ask_added", f"AFTER INSERT ON {ASKS}", None, [asks_of("NEW.project_id")]),
        ("ask_removed", f"AFTER DELETE ON {ASKS}", None, [asks_of("OLD.project_id")]),
        ("ask_changed", f"AFTER UPDATE ON {ASKS}", None,
         [asks_of("OLD.project_id"), asks_of("NEW.project_id")]),
    ]  # fmt: skip
    if ask_tags:
        triggers += [
            ("ask_tag_added", f"AFTER INSERT ON {ASK_TAGS}", None,
             [asks_of(tag_project("NEW"))]),
            ("ask_tag_removed", f"AFTER DELETE ON {ASK_TAGS}", None,
             [asks_of(tag_project("OLD"))]),
            ("ask_tag_changed", f"AFTER UPDATE ON {ASK_TAGS}", None,
             [asks_of(tag_project("OLD")), asks_of(tag_project("NEW"))]),
        ]  # fmt: skip
    return triggers


_SQLITE_TRIGGER_NAMES = [name for name, *_ in _sqlite_triggers(ask_tags=True)]


def project_search_install(schema_editor, *, ask_tags: bool = True) -> None:
    """Create the document's index, functions and triggers (a migration's forwards step)."""
    statements: list[str]
    if schema_editor.connection.vendor == "postgresql":
        statements = [
            _postgres_refresh(ask_tags=ask_tags),
            f"CREATE INDEX IF NOT EXISTS projectsearch_words ON {DOCUMENTS} USING gin (document)",
        ]
        triggers = _POSTGRES_TRIGGERS + (_POSTGRES_TAG_TRIGGERS if ask_tags else [])
        statements += search_triggers.postgres_create(triggers)
    else:
        statements = [
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(title, brief, asks,"
            " tokenize = 'unicode61 remove_diacritics 2')",
            *search_triggers.sqlite_create(_sqlite_triggers(ask_tags=ask_tags)),
        ]
    for statement in statements:
        schema_editor.execute(statement, params=None)


def _triggers_remove(schema_editor) -> None:
    """Drop the triggers and their functions (every one, whichever were installed)."""
    if schema_editor.connection.vendor == "postgresql":
        for statement in search_triggers.postgres_drop(_POSTGRES_TRIGGERS + _POSTGRES_TAG_TRIGGERS):
            schema_editor.execute(statement, params=None)
        schema_editor.execute("DROP FUNCTION IF EXISTS hitrec_project_search_refresh(bigint[])")
    else:
        for statement in search_triggers.sqlite_drop(_SQLITE_TRIGGER_NAMES):
            schema_editor.execute(statement, params=None)


def project_search_remove(schema_editor) -> None:
    _triggers_remove(schema_editor)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS projectsearch_words")
    else:
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS}", params=None)


def project_search_reinstall(schema_editor, *, ask_tags: bool = True) -> None:
    """The triggers again, as defined now (or as before asks had tags), and every document
    derived again with them; the tables and their index stay."""
    _triggers_remove(schema_editor)
    project_search_install(schema_editor, ask_tags=ask_tags)
    project_documents_rebuild(using=schema_editor.connection, ask_tags=ask_tags)


def project_documents_rebuild(
    *,
    progress: Callable[[int, int], None] | None = None,
    using: BaseDatabaseWrapper | None = None,
    ask_tags: bool = True,
) -> None:
    """Derive every project's document again (after a load with the triggers off)."""
    db = using or connection
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            cursor.execute(f"DELETE FROM {DOCUMENTS}")
            cursor.execute(
                f"SELECT hitrec_project_search_refresh(ARRAY(SELECT id FROM {PROJECTS}))"
            )
        else:
            cursor.execute(f"DELETE FROM {FTS}")
            cursor.execute(_fts_insert("p", ask_tags=ask_tags) + f" FROM {PROJECTS} p")
    if progress:
        progress(1, 1)


# --- the search ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectFound:
    """A project found, its title and a passage of its brief or asks as safe HTML."""

    project: Project
    title: SafeString
    snippet: SafeString


@dataclass(frozen=True)
class ProjectsFound:
    found: list[ProjectFound]
    count: int  # at most WINDOW
    capped: bool


_POSTGRES_PAGE = """
WITH hits AS MATERIALIZED (
    SELECT d.project_id AS id, d.document
    FROM projects_projectsearchdocument d JOIN projects_project p ON p.id = d.project_id
    WHERE d.document @@ {q} AND p.status = ANY(%s)
    ORDER BY d.project_id DESC
    LIMIT {window_and_one}
), page AS (
    SELECT id, ts_rank_cd(%s::float4[], document, {q}) AS rank
    FROM (SELECT id, document FROM hits ORDER BY id DESC LIMIT {window}) pool
    ORDER BY rank DESC, id DESC
    LIMIT %s OFFSET %s
)
SELECT page.id,
    ts_headline('hitrec', translate(p.title, %s, ''), {q}, %s),
    CASE WHEN p.brief <> '' THEN
        ts_headline('hitrec', translate(left(p.brief, {snippet_chars}), %s, ''), {q}, %s)
    END,
    ts_headline('hitrec', translate({asks}, %s, ''), {q}, %s),
    (SELECT count(*) FROM hits)
FROM page JOIN projects_project p ON p.id = page.id
ORDER BY page.rank DESC, page.id DESC
"""

_SQLITE_PAGE = f"""
WITH hits AS (
    SELECT {FTS}.rowid AS id FROM {FTS} JOIN {PROJECTS} p ON p.id = {FTS}.rowid
    WHERE {FTS} MATCH %s AND p.status IN ({{statuses}})
    ORDER BY {FTS}.rowid DESC LIMIT {{window_and_one}}
), page AS (
    SELECT rowid AS id, -bm25({FTS}, {FTS_WEIGHTS}) AS rank FROM {FTS}
    WHERE {FTS} MATCH %s AND rowid IN (SELECT id FROM hits ORDER BY id DESC LIMIT {{window}})
    ORDER BY rank DESC, id DESC
    LIMIT %s OFFSET %s
)
SELECT {FTS}.rowid,
    highlight({FTS}, 0, %s, %s),
    snippet({FTS}, 1, %s, %s, ' … ', 24),
    snippet({FTS}, 2, %s, %s, ' … ', 24),
    (SELECT count(*) FROM hits)
FROM {FTS} JOIN page ON page.id = {FTS}.rowid
WHERE {FTS} MATCH %s
ORDER BY page.rank DESC, page.id DESC
"""


def projects_search(*, query: SearchQuery, offset: int = 0, limit: int = 20) -> ProjectsFound:
    """The page of public projects (never drafts) matching `query`, most relevant first,
    then newest."""
    statuses = [str(status) for status in PUBLIC_STATUSES]
    window = {"window": WINDOW, "window_and_one": WINDOW + 1}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            expression, q = tsquery_sql(query)
            sql = _POSTGRES_PAGE.format(
                q=expression, asks=_ASK_TEXT, snippet_chars=SNIPPET_CHARS, **window
            )
            params: list = [
                *q, statuses,  # hits
                WEIGHTS, *q, limit, offset,  # page
                _MARKS, *q, _TITLE_OPTIONS,
                _MARKS, *q, _SNIPPET_OPTIONS,
                _MARKS, *q, _SNIPPET_OPTIONS,
            ]  # fmt: skip
        else:
            match = fts5_match(query)
            marks = [MARK_START, MARK_STOP]
            sql = _SQLITE_PAGE.format(statuses=", ".join(["%s"] * len(statuses)), **window)
            params = [match, *statuses, match, limit, offset, *marks, *marks, *marks, match]
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows and offset:
        # Past the last page: the count, from the first.
        return ProjectsFound(
            found=[], count=projects_search(query=query, limit=1).count, capped=False
        )
    projects = Project.objects.select_related("owner").in_bulk([row[0] for row in rows])
    found = []
    for row in rows:
        project = projects.get(row[0])
        if project is None or project.status not in PUBLIC_STATUSES:
            continue
        snippets = [s for s in row[2:4] if s]
        marked = [s for s in snippets if MARK_START in s] or [*snippets, ""]
        found.append(
            ProjectFound(
                project=project,
                title=mark_safe(marked_html(row[1])),  # noqa: S308 (escaped by marked_html)
                snippet=mark_safe(marked_html(marked[0])),  # noqa: S308
            )
        )
    total = rows[0][4] if rows else 0
    return ProjectsFound(found=found, count=min(total, WINDOW), capped=total > WINDOW)


# --- everything at once: the search page and GET /api/search/ --------------------------------

SECTIONS = ("contributions", "projects", "artists")


@dataclass(frozen=True)
class SiteSearch:
    """What one search found in each section asked for (None: a section not asked for)."""

    query: SearchQuery
    offset: int
    limit: int
    contributions: WorksFound | None = None
    projects: ProjectsFound | None = None
    artists: ArtistsFound | None = None


def site_search(
    *, text: str, section: str | None = None, page: int = 1, page_size: int = 20
) -> SiteSearch:
    """Works, projects and artists matching `text`: the first page of each, or page `page`
    of one `section` (each section pages on its own). ExplainedError says what is wrong with
    a query that cannot be searched (hitrec/search.py)."""
    query = query_parsed(text)
    offset, wanted = (page - 1) * page_size, [section] if section else SECTIONS
    search = {
        "contributions": works_search,
        "projects": projects_search,
        "artists": artists_search,
    }
    found = {name: search[name](query=query, offset=offset, limit=page_size) for name in wanted}
    return SiteSearch(query=query, offset=offset, limit=page_size, **found)  # type: ignore[arg-type]
