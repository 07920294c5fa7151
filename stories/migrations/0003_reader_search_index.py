"""Full-text search indexes (PostgreSQL only; SQLite searches without them).

Expression indexes over each table's own columns: nothing to keep in sync
when a story or a highlight is saved. Built CONCURRENTLY so a large table
stays writable. Replaced by a stored vector in 0005, which drops them (and
builds them again from the definitions here when reversed).
"""

from django.db import migrations

STORY_INDEX = """
CREATE INDEX CONCURRENTLY IF NOT EXISTS stories_story_search_idx ON stories_story USING gin (
    (setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A')
     || setweight(to_tsvector('english'::regconfig, COALESCE(body, '')), 'C'))
)
"""
HIGHLIGHT_INDEX = """
CREATE INDEX CONCURRENTLY IF NOT EXISTS stories_highlight_search_idx ON stories_highlight USING gin (
    to_tsvector('english'::regconfig, COALESCE(text, ''))
)
"""


class PostgreSQLOnly(migrations.RunSQL):
    """RunSQL that does nothing on other databases."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [("stories", "0002_roles")]

    operations = [
        PostgreSQLOnly(STORY_INDEX, "DROP INDEX CONCURRENTLY IF EXISTS stories_story_search_idx"),
        PostgreSQLOnly(HIGHLIGHT_INDEX, "DROP INDEX CONCURRENTLY IF EXISTS stories_highlight_search_idx"),
    ]
