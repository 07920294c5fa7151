"""The SQL that gives each row of a story's many-to-many table (`stories_story_<name>`: its tags, its bylines) the
story's publication time, kept equal by the database: migrations 0017 (tags) and 0018 (authors).

A row added to the table takes its story's time, and a story whose time changes passes it to its rows, whatever
writes them (the admin, the workflow, imports, bulk updates, the shell), on PostgreSQL and SQLite alike, each in its
own dialect. The migrations fill in the rows already there after the triggers exist, so that a story written
meanwhile is not missed. (A module whose name starts with "_" is not a migration to Django's loader.)
"""

# The story's many-to-many tables that carry its time: SQL is only ever written for these names.
NAMES = {"tags", "authors"}


def _table(name: str) -> str:
    if name not in NAMES:
        raise ValueError(f"No story time is kept for {name!r}.")
    return f"stories_story_{name}"


def postgresql_triggers(name: str) -> str:
    table = _table(name)
    return f"""
CREATE OR REPLACE FUNCTION {table}_published_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.published_at := (SELECT s.published_at FROM stories_story s WHERE s.id = NEW.story_id);
    RETURN NEW;
END;
$$;
CREATE OR REPLACE TRIGGER {table}_published_at
    BEFORE INSERT OR UPDATE OF story_id ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_published_at();

CREATE OR REPLACE FUNCTION stories_story_published_at_to_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {table} SET published_at = NEW.published_at WHERE story_id = NEW.id;
    RETURN NULL;
END;
$$;
CREATE OR REPLACE TRIGGER stories_story_published_at_to_{name}
    AFTER UPDATE OF published_at ON stories_story
    FOR EACH ROW WHEN (OLD.published_at IS DISTINCT FROM NEW.published_at)
    EXECUTE FUNCTION stories_story_published_at_to_{name}();
"""


def postgresql_drop(name: str) -> str:
    table = _table(name)
    return f"""
DROP TRIGGER IF EXISTS stories_story_published_at_to_{name} ON stories_story;
DROP FUNCTION IF EXISTS stories_story_published_at_to_{name}();
DROP TRIGGER IF EXISTS {table}_published_at ON {table};
DROP FUNCTION IF EXISTS {table}_published_at();
"""


def sqlite_triggers(name: str) -> list[str]:
    table = _table(name)
    story_time = "(SELECT s.published_at FROM stories_story s WHERE s.id = NEW.story_id)"
    return [
        f"""
    CREATE TRIGGER {table}_published_at AFTER INSERT ON {table}
    BEGIN
        UPDATE {table} SET published_at = {story_time}
        WHERE id = NEW.id;
    END
    """,
        f"""
    CREATE TRIGGER {table}_story_changed AFTER UPDATE OF story_id ON {table}
    BEGIN
        UPDATE {table} SET published_at = {story_time}
        WHERE id = NEW.id;
    END
    """,
        f"""
    CREATE TRIGGER stories_story_published_at_to_{name} AFTER UPDATE OF published_at ON stories_story
    WHEN OLD.published_at IS NOT NEW.published_at
    BEGIN
        UPDATE {table} SET published_at = NEW.published_at WHERE story_id = NEW.id;
    END
    """,
    ]


def sqlite_drop(name: str) -> list[str]:
    table = _table(name)
    return [
        f"DROP TRIGGER IF EXISTS stories_story_published_at_to_{name}",
        f"DROP TRIGGER IF EXISTS {table}_story_changed",
        f"DROP TRIGGER IF EXISTS {table}_published_at",
    ]


def backfill(name: str) -> str:
    table = _table(name)
    return f"""
UPDATE {table} SET published_at = (
    SELECT s.published_at FROM stories_story s WHERE s.id = {table}.story_id
)
"""


def _run(statements):
    def run(apps, schema_editor):
        for statement in statements.get(schema_editor.connection.vendor, ()):
            schema_editor.execute(statement)

    return run


def add_column_and_triggers(name: str):
    """`published_at` on the table and its triggers (a RunPython's code), per database."""
    table = _table(name)
    return _run(
        {
            "postgresql": [
                f"ALTER TABLE {table} ADD COLUMN published_at timestamp with time zone NULL",
                postgresql_triggers(name),
            ],
            "sqlite": [f"ALTER TABLE {table} ADD COLUMN published_at datetime NULL", *sqlite_triggers(name)],
        }
    )


def drop_triggers_and_column(name: str):
    """The reverse of `add_column_and_triggers`."""
    table = _table(name)
    return _run(
        {
            "postgresql": [postgresql_drop(name), f"ALTER TABLE {table} DROP COLUMN published_at"],
            "sqlite": [*sqlite_drop(name), f"ALTER TABLE {table} DROP COLUMN published_at"],
        }
    )
