from django.apps import AppConfig


class StoriesConfig(AppConfig):
    name = "stories"
    verbose_name = "Newsroom"

    def ready(self):
        import pagecache

        from . import purging, revisions

        revisions.register()
        purging.connect()
        # A scheduled story goes live at its time with nobody touching the database: the page cache asks.
        pagecache.register_go_live(purging.next_story_going_live, purging.stories_gone_live)
