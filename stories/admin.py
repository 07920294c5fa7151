from django.contrib import admin

from .models import Highlight, Opinion, Section, Story, StoryTransition, Tag


class HighlightInline(admin.TabularInline):
    model = Highlight
    extra = 0


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "published_at", "section"]
    inlines = [HighlightInline]
    prepopulated_fields = {"slug": ["title"]}


admin.site.register([Section, Tag, Opinion, StoryTransition])
