"""A lead image's focal point (kept inside every crop) and its upright size (for srcset, width and height)."""

import django.core.validators
from django.db import migrations, models


def measure_stored_images(apps, schema_editor):
    """The size of each lead image stored before sizes were kept; a file that cannot be read is left unsized
    (its pages show the original without renditions)."""
    from django.core.files.storage import default_storage

    from stories.renditions import upright_size

    Story = apps.get_model("stories", "Story")
    for story in Story.objects.exclude(lead_image="").only("pk", "lead_image").iterator():
        try:
            with default_storage.open(story.lead_image.name, "rb") as file:
                width, height = upright_size(file)
        except Exception:  # noqa: S112 - missing or unreadable: nothing to measure
            continue
        Story.objects.filter(pk=story.pk).update(lead_image_width=width, lead_image_height=height)


class Migration(migrations.Migration):
    dependencies = [
        ("stories", "0014_story_source_date"),
    ]

    operations = [
        migrations.AddField(
            model_name="story",
            name="lead_image_focus_x",
            field=models.PositiveSmallIntegerField(
                default=50,
                help_text="Where the subject is, from the left edge (0) to the right edge (100). Crops keep it in.",
                validators=[django.core.validators.MaxValueValidator(100)],
                verbose_name="focal point across (%)",
            ),
        ),
        migrations.AddField(
            model_name="story",
            name="lead_image_focus_y",
            field=models.PositiveSmallIntegerField(
                default=50,
                help_text="From the top edge (0) to the bottom edge (100).",
                validators=[django.core.validators.MaxValueValidator(100)],
                verbose_name="focal point down (%)",
            ),
        ),
        migrations.AddField(
            model_name="story",
            name="lead_image_width",
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="story",
            name="lead_image_height",
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(measure_stored_images, migrations.RunPython.noop, elidable=True),
    ]
