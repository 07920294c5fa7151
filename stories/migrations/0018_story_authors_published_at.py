"""The bylines' table carries each story's publication time, kept by the database: an author's page walks an index.

An author's page walked the newest stories of the whole archive, probing the bylines' table for each, until it had
a page of the person's: for one of 200 writers, about 2,200 stories and 2.5 ms of PostgreSQL a page, and more the
rarer the byline (the generic plan of a prepared statement could not tell a prolific writer from an occasional
one, so the list was planned again for every page). With the story's `published_at` on each row of
`stories_story_authors` and an index on (person, published_at, story), newest first, the page reads as many index
entries as it shows, whoever the person. The database keeps the copy (stories/migrations/_story_time.py);
`stories.models.BylinedStory` reads the table.
"""

from django.db import migrations, models

from ._story_time import add_column_and_triggers, backfill, drop_triggers_and_column

INDEX = "CREATE INDEX story_author_feed_idx ON stories_story_authors (user_id, published_at DESC, story_id DESC)"


class Migration(migrations.Migration):
    dependencies = [("stories", "0017_story_tags_published_at")]

    operations = [
        migrations.RunPython(add_column_and_triggers("authors"), drop_triggers_and_column("authors")),
        migrations.RunSQL(backfill("authors"), migrations.RunSQL.noop),
        migrations.RunSQL(INDEX, "DROP INDEX story_author_feed_idx"),
        migrations.CreateModel(
            name="BylinedStory",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("published_at", models.DateTimeField(editable=False, null=True)),
            ],
            options={"db_table": "stories_story_authors", "managed": False},
        ),
    ]
