"""Make the lead-image renditions that are missing: after restoring media, moving storage or changing sizes."""

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand

from stories import renditions
from stories.models import Story


class Command(BaseCommand):
    help = (
        "Make every missing rendition of every story's lead image (renditions already stored are kept). "
        "--queue hands each image to the background worker instead of making it here."
    )

    def add_arguments(self, parser):
        parser.add_argument("--queue", action="store_true", help="queue one task per image for the worker")

    def handle(self, *args, queue, **options):
        stories = (
            Story.objects.exclude(lead_image="")
            .order_by("pk")
            .values_list("lead_image", "lead_image_focus_x", "lead_image_focus_y")
        )
        images = made = failed = 0
        for name, x, y in stories.iterator():
            images += 1
            if queue:
                renditions.make_renditions.enqueue(name=name, focus=[x, y])
            elif not default_storage.exists(name):
                failed += 1
                self.stderr.write(f"{name}: the original is missing from the storage; nothing made.")
            else:
                try:
                    made += len(renditions.make(name, default_storage, (x, y)))
                except Exception as error:  # one unreadable image does not stop the others
                    failed += 1
                    self.stderr.write(f"{name}: {error}")
        if queue:
            self.stdout.write(f"Queued the renditions of {images} lead image(s) for the worker.")
        else:
            self.stdout.write(f"Made {made} rendition(s) for {images} lead image(s); {failed} could not be read.")
