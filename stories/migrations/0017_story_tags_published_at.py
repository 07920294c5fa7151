"""The tags' table carries each story's publication time, kept by the database: a tag's page walks an index.

A tag's page fetched every story of the tag (about 400 of 100,000 in the benchmark) through the tags' table to
sort them and keep the newest page: 1.2 ms of PostgreSQL for each page. With the story's `published_at` on each
row of `stories_story_tags` and an index on (tag, published_at, story), newest first, the page reads as many
index entries as it shows. The database keeps the copy (stories/migrations/_story_time.py);
`stories.models.TaggedStory` reads the table.
"""

from django.db import migrations, models

from ._story_time import add_column_and_triggers, backfill, drop_triggers_and_column

INDEX = "CREATE INDEX story_tag_feed_idx ON stories_story_tags (tag_id, published_at DESC, story_id DESC)"


class Migration(migrations.Migration):
    dependencies = [("stories", "0016_story_autosave")]

    operations = [
        migrations.RunPython(add_column_and_triggers("tags"), drop_triggers_and_column("tags")),
        migrations.RunSQL(backfill("tags"), migrations.RunSQL.noop),
        migrations.RunSQL(INDEX, "DROP INDEX story_tag_feed_idx"),
        migrations.CreateModel(
            name="TaggedStory",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("published_at", models.DateTimeField(editable=False, null=True)),
            ],
            options={"db_table": "stories_story_tags", "managed": False},
        ),
    ]
