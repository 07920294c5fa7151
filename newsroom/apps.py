from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    """The project package as an app: it holds no model, only the project's system checks."""

    name = "newsroom"
    verbose_name = "Newsroom site"

    def ready(self):
        from . import checks  # noqa: F401  registers the checks
