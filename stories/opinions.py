"""Reader opinions on the story page: what the Opinions section shows and accepts."""

from django.conf import settings


def section_context(request, story, form=None) -> dict:
    """Context for `stories/_opinions.html`: approved opinions, their count, and the form."""
    opinions = list(story.opinions.approved().order_by("-created_at")[: settings.OPINIONS_PER_PAGE])
    return {"opinions": opinions, "opinion_count": len(opinions), "opinion_form": form, "opinions_open": False}
