"""The triggers that keep works' and projects' search documents, as SQL to create and drop."""

from collections.abc import Iterable

# (name, table, event, then what follows `ON table`, the function's body)
PostgresTrigger = tuple[str, str, str, str, str]
# (name, event and `ON table`, condition or None, the body's statements)
SqliteTrigger = tuple[str, str, str | None, list[str]]

_PREFIX = "hitrec_search_"


def postgres_create(triggers: Iterable[PostgresTrigger]) -> list[str]:
    """PostgreSQL: each trigger's function, then the trigger calling it."""
    statements = []
    for name, table, event, each, body in triggers:
        statements.append(
            f"CREATE OR REPLACE FUNCTION {_PREFIX}{name}() RETURNS trigger AS $$\n"
            f"BEGIN\n    {body}\nEND;\n$$ LANGUAGE plpgsql"
        )
        statements.append(
            f"CREATE TRIGGER {_PREFIX}{name} {event} ON {table} {each}"
            f" EXECUTE FUNCTION {_PREFIX}{name}()"
        )
    return statements


def postgres_drop(triggers: Iterable[PostgresTrigger], *, functions: bool = True) -> list[str]:
    """PostgreSQL: each trigger dropped, and its function after it (unless `functions` is
    False: the triggers alone, to be created again)."""
    statements = []
    for name, table, *_ in triggers:
        statements.append(f"DROP TRIGGER IF EXISTS {_PREFIX}{name} ON {table}")
        if functions:
            statements.append(f"DROP FUNCTION IF EXISTS {_PREFIX}{name}()")
    return statements


def sqlite_create(triggers: Iterable[SqliteTrigger]) -> list[str]:
    """SQLite: each trigger, run for each row."""
    statements = []
    for name, event, condition, body in triggers:
        when = f" WHEN {condition}" if condition else ""
        statements.append(
            f"CREATE TRIGGER {_PREFIX}{name} {event} FOR EACH ROW{when}\n"
            "BEGIN\n    " + ";\n    ".join(body) + ";\nEND"
        )
    return statements


def sqlite_drop(names: Iterable[str]) -> list[str]:
    """SQLite: the triggers of these names dropped."""
    return [f"DROP TRIGGER IF EXISTS {_PREFIX}{name}" for name in names]
