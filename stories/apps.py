from django.apps import AppConfig


def _went_live(since, until):
    """What the clock changed for readers after `since`, up to `until`: a revision scheduled by then is published
    first (its edit purges its story's pages after the commit), then the scopes of the stories that went live or
    expired."""
    from . import purging, workflow

    workflow.publish_due_revisions(until)
    return purging.stories_gone_live(since, until)


class StoriesConfig(AppConfig):
    name = "stories"
    verbose_name = "Newsroom"

    def ready(self):
        import pagecache

        from . import purging, revisions

        revisions.register()
        purging.connect()
        # A scheduled story goes live, and a scheduled revision replaces a live text, at its time with nobody
        # touching the database: the page cache asks when the next such time is (next_story_going_live counts
        # both) and calls _went_live once it has passed.
        pagecache.register_go_live(purging.next_story_going_live, _went_live)
