"""Search finds a word's newest matches in an index that keeps them in time order (PostgreSQL with RUM).

A results page ranks the newest MAX_RANKED matches of the reader's words (stories.search). With the GIN index of
0005, PostgreSQL found every match of a word in 2 % of the stories, read each one's row for its time (2,000 rows at
100,000 stories, each on a page of its own) and sorted them to keep 200. A RUM index holds each story's publication
time beside its words (`rum_tsvector_addon_ops`), so the matches come out of the index newest first: 200 rows are
read, not 2,000.

RUM is an extension (Debian's `postgresql-NN-rum`, which scripts/ensure-postgres installs). Without it, or without
the right to create it, this migration builds nothing and says so, and search walks as before (stories.search.by_index
tells which way each search goes). To build the index later: `CREATE EXTENSION rum` as a superuser, then
`manage.py migrate stories 0018 && manage.py migrate stories`.
"""

import logging

from django.db import DatabaseError, migrations

logger = logging.getLogger(__name__)

INDEX = "story_search_newest_idx"
CREATE = f"""
CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON stories_story
USING rum (search_vector rum_tsvector_addon_ops, published_at) WITH (attach = 'published_at', to = 'search_vector')
WHERE status = 'published'
"""


def create_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")
        if cursor.fetchone() is None:
            logger.warning("PostgreSQL's RUM extension is not installed: search walks the newest stories instead.")
            return
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS rum")
        except DatabaseError as exc:  # not a superuser (see the module)
            logger.warning("Could not create PostgreSQL's RUM extension (%s): search walks instead.", exc)
            return
        cursor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [("stories", "0018_story_authors_published_at")]

    operations = [migrations.RunPython(create_index, drop_index)]
