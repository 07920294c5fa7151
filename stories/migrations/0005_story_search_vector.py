"""Reader search reads one stored vector per story (PostgreSQL only; SQLite searches without it).

The expression indexes of 0003 made every ranking and every index recheck parse
the headline and body again. Story.search_vector holds the parsed words once:
headline (A), body (C) and the story's highlights (B), in the order and with the
weights the ranking always used.

The database keeps it current, so that no path can forget it: the admin and
its inlines, imports (bulk inserts and updates), restored revisions, queryset
updates, the shell.
- A story's own trigger recomputes it when a story is inserted or its headline
  or body is written.
- A statement trigger on highlights recomputes it for every story whose
  highlights a statement inserted, changed or deleted, in one set-based UPDATE
  (a bulk load of highlights is one join, not one query per story).

Then the vector is filled in for existing stories, a GIN index is built on it
(CONCURRENTLY, so a large table stays writable) and the expression indexes of
0003, now unused, are dropped.
"""

from importlib import import_module

import django.contrib.postgres.search
from django.db import migrations

# 0003's expression indexes, dropped here and built again if this migration is reversed,
# and its RunSQL that does nothing on other databases.
_search_index = import_module("stories.migrations.0003_reader_search_index")
PostgreSQLOnly = _search_index.PostgreSQLOnly

# The one definition of the vector, which both triggers call.
VECTOR_FUNCTION = """
CREATE OR REPLACE FUNCTION stories_search_vector(title text, body text, highlights text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, COALESCE(body, '')), 'C')
        || setweight(to_tsvector('english'::regconfig, COALESCE(highlights, '')), 'B')
$$;
"""

STORY_TRIGGER = """
CREATE OR REPLACE FUNCTION stories_story_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := stories_search_vector(NEW.title, NEW.body, (
        SELECT string_agg(h.text, ' ' ORDER BY h.position, h.id) FROM stories_highlight h WHERE h.story_id = NEW.id
    ));
    RETURN NEW;
END;
$$;
CREATE OR REPLACE TRIGGER stories_story_search_vector
    BEFORE INSERT OR UPDATE OF title, body ON stories_story
    FOR EACH ROW EXECUTE FUNCTION stories_story_search_vector();
"""

# The INSERT and DELETE triggers both call the rows they saw `changed_highlights`; the UPDATE trigger
# also sees the rows as they were, for a highlight moved to another story. Each story is refreshed
# with all its highlights as they now are, in one join rather than a query per story, so the planner
# can read the highlights once for a bulk load. (PL/pgSQL plans a statement when it first runs it, so
# the UPDATE branch never asks for old_highlights in the other triggers.)
HIGHLIGHT_TRIGGERS = """
CREATE OR REPLACE FUNCTION stories_highlight_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE stories_story s
    SET search_vector = stories_search_vector(s.title, s.body, c.highlights)
    FROM (
        SELECT changed.story_id, string_agg(h.text, ' ' ORDER BY h.position, h.id) AS highlights
        FROM (SELECT story_id FROM changed_highlights GROUP BY story_id) changed
        LEFT JOIN stories_highlight h ON h.story_id = changed.story_id
        GROUP BY changed.story_id
    ) c
    WHERE s.id = c.story_id;
    IF TG_OP = 'UPDATE' THEN
        UPDATE stories_story s
        SET search_vector = stories_search_vector(s.title, s.body, c.highlights)
        FROM (
            SELECT moved.story_id, string_agg(h.text, ' ' ORDER BY h.position, h.id) AS highlights
            FROM (
                SELECT story_id FROM old_highlights EXCEPT SELECT story_id FROM changed_highlights
            ) moved
            LEFT JOIN stories_highlight h ON h.story_id = moved.story_id
            GROUP BY moved.story_id
        ) c
        WHERE s.id = c.story_id;
    END IF;
    RETURN NULL;
END;
$$;
CREATE OR REPLACE TRIGGER stories_highlight_search_vector_insert
    AFTER INSERT ON stories_highlight REFERENCING NEW TABLE AS changed_highlights
    FOR EACH STATEMENT EXECUTE FUNCTION stories_highlight_search_vector();
CREATE OR REPLACE TRIGGER stories_highlight_search_vector_update
    AFTER UPDATE ON stories_highlight REFERENCING OLD TABLE AS old_highlights NEW TABLE AS changed_highlights
    FOR EACH STATEMENT EXECUTE FUNCTION stories_highlight_search_vector();
CREATE OR REPLACE TRIGGER stories_highlight_search_vector_delete
    AFTER DELETE ON stories_highlight REFERENCING OLD TABLE AS changed_highlights
    FOR EACH STATEMENT EXECUTE FUNCTION stories_highlight_search_vector();
"""

DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS stories_highlight_search_vector_insert ON stories_highlight;
DROP TRIGGER IF EXISTS stories_highlight_search_vector_update ON stories_highlight;
DROP TRIGGER IF EXISTS stories_highlight_search_vector_delete ON stories_highlight;
DROP FUNCTION IF EXISTS stories_highlight_search_vector();
DROP TRIGGER IF EXISTS stories_story_search_vector ON stories_story;
DROP FUNCTION IF EXISTS stories_story_search_vector();
DROP FUNCTION IF EXISTS stories_search_vector(text, text, text);
"""

# Keep the vector in the row (compressed) rather than in the TOAST table: a search for a common
# word checks the newest stories one by one, and an out-of-line vector costs several page reads
# each (measured: twice as slow). A long body moves out of line instead; only a page's rows read it.
# Then every existing story goes through its own trigger (writing the headline fires it).
BACKFILL = """
ALTER TABLE stories_story ALTER COLUMN search_vector SET STORAGE MAIN;
UPDATE stories_story SET title = title;
ANALYZE stories_story;
"""

SEARCH_INDEX = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS story_search_vector_idx ON stories_story USING gin (search_vector)"
)


class Migration(migrations.Migration):
    atomic = False  # CREATE/DROP INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [("stories", "0004_performance_indexes")]

    operations = [
        migrations.AddField(
            model_name="story",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True, serialize=False),
        ),
        # Triggers first, so a story written while the backfill runs is not missed.
        PostgreSQLOnly(VECTOR_FUNCTION + STORY_TRIGGER + HIGHLIGHT_TRIGGERS, DROP_TRIGGERS),
        PostgreSQLOnly(BACKFILL, migrations.RunSQL.noop),
        PostgreSQLOnly(SEARCH_INDEX, "DROP INDEX CONCURRENTLY IF EXISTS story_search_vector_idx"),
        PostgreSQLOnly("DROP INDEX CONCURRENTLY IF EXISTS stories_story_search_idx", _search_index.STORY_INDEX),
        PostgreSQLOnly("DROP INDEX CONCURRENTLY IF EXISTS stories_highlight_search_idx", _search_index.HIGHLIGHT_INDEX),
    ]
