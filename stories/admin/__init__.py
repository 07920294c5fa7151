"""The editorial back office: one module per admin, the list plumbing and filters beside them.

stories.py      stories: the form, the list, workflow buttons, revisions, previews, the import page
forms.py        the story form, its highlights, the workflow buttons' form
importing.py    the Import page (wired by StoryAdmin.get_urls)
opinions.py     the moderation queue, the policy, banned words
taxonomy.py     sections and tags
transitions.py  the audit trail
planning.py     assignments, the story budget, the moves' pages, each person's calendar feed
people.py       people: names and their public address
lists.py        long lists: cheap counts, indexed sorts, what a person may see
filters.py      the lists' filters
tasks.py        background tasks: what ran and what failed (editors read them)
"""

from . import opinions, people, planning, stories, tasks, taxonomy, transitions

__all__ = ["opinions", "people", "planning", "stories", "tasks", "taxonomy", "transitions"]
