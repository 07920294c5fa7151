from django.apps import AppConfig
from django_tasks_db.apps import TasksAppConfig


class NewsroomConfig(AppConfig):
    """The project package as an app: it holds no model; the project's system checks, and the purge hooks of
    the shared caches in front and of the replica."""

    name = "newsroom"
    verbose_name = "Newsroom site"

    def ready(self):
        from django.conf import settings

        import pagecache

        from . import checks  # noqa: F401  registers the checks
        from .edge import edges

        for sender in edges():
            pagecache.after_purge(sender)  # the shared caches in front drop what the app's cache dropped

        if "replica" in settings.DATABASES:
            from .replicas import before_purge

            pagecache.before_purge(before_purge)  # every purge, from any process: the desk, a command, the clock


class BackgroundTasksConfig(TasksAppConfig):
    """django-tasks-db's queue of background tasks, named in the desk for what it holds to an editor."""

    verbose_name = "Background tasks"
