"""Publish the scheduled revisions of live stories whose time has come, for operators who prefer cron.

The site does this on its own (the page cache calls workflow.publish_due_revisions once the next scheduled time
passes, on the next reader's request); running this every minute makes the time exact on a quiet site.
"""

from django.core.management.base import BaseCommand

from stories import workflow


class Command(BaseCommand):
    help = "Publish every scheduled revision of a live story whose time has come."

    def handle(self, *args, **options):
        published = workflow.publish_due_revisions()
        self.stdout.write(f"Published {published} scheduled revision(s).")
