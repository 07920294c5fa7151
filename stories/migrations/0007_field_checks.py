# Every text field a person fills refuses control characters (the one-line ones line breaks too), and a lead
# image is checked by its content and size.

import django.core.validators
from django.db import migrations, models

import stories.images
import stories.models

TEXT = [django.core.validators.ProhibitNullCharactersValidator(), stories.models.reject_control_characters]
ONE_LINE = [*TEXT, stories.models.reject_line_breaks]

# (model, field, field class, validators, the field's other options)
FIELDS = [
    ("bannedword", "word", models.CharField, ONE_LINE, {"max_length": 60, "unique": True}),
    ("correction", "text", models.TextField, TEXT, {"max_length": 1000}),
    ("highlight", "text", models.CharField, ONE_LINE, {"max_length": 200, "help_text": "One short sentence."}),
    ("opinion", "author_name", models.CharField, ONE_LINE, {"verbose_name": "name", "max_length": 80}),
    (
        "opinion",
        "body",
        models.TextField,
        [django.core.validators.MaxLengthValidator(2000), *TEXT],
        {"verbose_name": "opinion"},
    ),
    ("section", "description", models.CharField, TEXT, {"max_length": 300, "blank": True}),
    ("section", "name", models.CharField, ONE_LINE, {"max_length": 80, "unique": True}),
    (
        "story",
        "dateline",
        models.CharField,
        ONE_LINE,
        {"max_length": 100, "blank": True, "help_text": "Where the story was reported from."},
    ),
    (
        "story",
        "lead_image_alt",
        models.CharField,
        ONE_LINE,
        {
            "verbose_name": "alt text",
            "max_length": 250,
            "blank": True,
            "help_text": "Describes the image for readers who cannot see it.",
        },
    ),
    (
        "story",
        "lead_image_caption",
        models.CharField,
        ONE_LINE,
        {"verbose_name": "caption and credit", "max_length": 300, "blank": True},
    ),
    (
        "story",
        "standfirst",
        models.TextField,
        TEXT,
        {
            "max_length": 400,
            "blank": True,
            "help_text": "One or two sentences under the headline that sell the story.",
        },
    ),
    ("story", "title", models.CharField, ONE_LINE, {"verbose_name": "headline", "max_length": 200}),
    ("tag", "name", models.CharField, ONE_LINE, {"max_length": 60, "unique": True}),
]


class Migration(migrations.Migration):
    # A database that ran the two migrations this one joins carries on from where it is.
    replaces = [
        ("stories", "0007_text_fields_refuse_control_characters"),
        ("stories", "0009_lead_image_checks"),
    ]

    dependencies = [
        ("stories", "0006_opinion_created_index"),
    ]

    operations = [
        *(
            migrations.AlterField(model_name=model, name=name, field=field(validators=validators, **options))
            for model, name, field, validators, options in FIELDS
        ),
        migrations.AlterField(
            model_name="story",
            name="lead_image",
            field=models.ImageField(
                blank=True, upload_to="lead-images/%Y/%m/", validators=[stories.images.validate_lead_image]
            ),
        ),
    ]
