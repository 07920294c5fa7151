from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from . import opinions
from .models import Section, Story, Tag


def _feed_page(request, queryset):
    paginator = Paginator(queryset.with_reader_relations(), settings.STORIES_PER_PAGE)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except InvalidPage as exc:  # a page past the end, zero or not a number
        raise Http404("No such page.") from exc


def home(request):
    page = _feed_page(request, Story.objects.published())
    return render(request, "stories/home.html", {"page": page})


def section(request, slug):
    section = get_object_or_404(Section, slug=slug)
    page = _feed_page(request, Story.objects.published().filter(section=section))
    return render(request, "stories/home.html", {"page": page, "heading": section.name})


def tag(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    page = _feed_page(request, Story.objects.published().filter(tags=tag))
    return render(request, "stories/home.html", {"page": page, "heading": f"Tagged “{tag.name}”"})


def story_page_context(request, story, *, opinion_form=None) -> dict:
    """Everything the story template needs (shared by the public page, previews and the opinion form)."""
    return {"story": story, **opinions.section_context(request, story, form=opinion_form)}


def story_detail(request, slug):
    story = get_object_or_404(Story.objects.published().with_reader_relations(), slug=slug)
    return render(request, "stories/story_detail.html", story_page_context(request, story))
