"""Filters of the front page: section, tag, date range and a text query, combined in a shareable URL."""

from datetime import date, datetime, time, timedelta

import django_filters
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator, validate_slug
from django.utils import timezone

from . import search
from .models import Tag

EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)


class StoryFilter(django_filters.FilterSet):
    """The front page's filters. A value that does not validate is reported and ignored, never a 500."""

    q = django_filters.CharFilter(
        label="Words",
        method="filter_text",
        max_length=search.MAX_QUERY_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "e.g. tram line"}),
    )
    section = django_filters.ChoiceFilter(label="Section", field_name="section__slug", empty_label="All sections")
    tag = django_filters.CharFilter(label="Tag", field_name="tags__slug", max_length=60)
    since = django_filters.DateFilter(
        label="From", method="filter_since", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = django_filters.DateFilter(label="To", method="filter_until", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data=None, *args, sections=(), **kwargs):
        super().__init__(data, *args, **kwargs)
        # Choices from the sections the page already loaded for its navigation: no extra query.
        self.filters["section"].extra["choices"] = [(s["slug"], s["name"]) for s in sections]
        self.form.fields["tag"].validators.append(validate_slug)
        for name in ("since", "until"):
            # Days far outside the archive would overflow date arithmetic in the database.
            self.form.fields[name].validators += [MinValueValidator(EARLIEST), MaxValueValidator(LATEST)]

    @property
    def is_filtering(self) -> bool:
        """True when at least one valid filter narrows the front page's list."""
        if not self.is_bound:
            return False
        self.form.is_valid()  # cleans the form; a field that fails is left out of cleaned_data
        return any(self.form.cleaned_data.values())

    @property
    def heading(self) -> str:
        """What the filtered list holds, in words for its heading: "Stories in City matching “tram” from Mar 3,
        2026". Only the filters that apply (valid and given) are named."""
        if not self.is_filtering:
            return "Latest stories"
        cleaned = self.form.cleaned_data
        parts = ["Stories"]
        if section := cleaned.get("section"):
            parts.append(f"in {dict(self.filters['section'].extra['choices']).get(section, section)}")
        if tag := cleaned.get("tag"):
            parts.append(f"tagged “{self._tag_name(tag)}”")
        if words := (cleaned.get("q") or "").strip():
            parts.append(f"matching “{words}”")
        if since := cleaned.get("since"):
            parts.append(f"from {_day(since)}")
        if until := cleaned.get("until"):
            parts.append(f"until {_day(until)}")
        return " ".join(parts)

    @staticmethod
    def _tag_name(slug: str) -> str:
        """The tag's name as the newsroom wrote it ("Night buses", not "night-buses"); the slug if none has it."""
        return Tag.objects.filter(slug=slug).values_list("name", flat=True).first() or slug

    def filter_text(self, queryset, name, value):
        return search.matching(queryset, value) if value.strip() else queryset

    # Dates are days in the newsroom's time zone; comparing whole datetimes keeps the index usable.
    def filter_since(self, queryset, name, value):
        return queryset.filter(published_at__gte=_start_of(value))

    def filter_until(self, queryset, name, value):
        return queryset.filter(published_at__lt=_start_of(value + timedelta(days=1)))


def _day(day) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min))
