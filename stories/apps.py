from django.apps import AppConfig


class StoriesConfig(AppConfig):
    name = "stories"
    verbose_name = "Newsroom"

    def ready(self):
        import pagecache

        from . import revisions
        from .models import Story

        revisions.register()

        def next_story_going_live():
            # A scheduled story goes live at its time with nobody touching the database: the page cache asks.
            return Story.objects.scheduled().order_by("published_at").values_list("published_at", flat=True).first()

        pagecache.register_go_live(next_story_going_live)
