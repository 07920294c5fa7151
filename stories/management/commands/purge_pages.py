"""Purge cached public pages after writes no receiver sees: a restore, raw SQL, a bulk update in a shell."""

from django.core.management.base import BaseCommand, CommandError

import pagecache
from stories import scopes


class Command(BaseCommand):
    help = (
        "Make cached public pages stale. With no option, every page (after a restore or raw SQL); "
        "--story purges the pages that show those stories; --scope purges pages by scope name."
    )

    def add_arguments(self, parser):
        parser.add_argument("--story", type=int, action="append", default=[], metavar="ID", help="a story's id")
        parser.add_argument("--scope", action="append", default=[], metavar="NAME", help="a scope (stories.scopes)")

    def handle(self, *args, story, scope, **options):
        if not story and not scope:
            self._done(pagecache.purge_everything(), "Purged every cached public page.")
            return
        found = set(scope)
        states = scopes.story_states(story)
        unknown = sorted(set(story) - states.keys())
        if unknown:
            raise CommandError(f"No story with id {', '.join(map(str, unknown))}.")
        # As if each story had just gone live: its pages, its lists, and where it may newly appear.
        for state in states.values():
            found |= scopes.shown_by(state)
        found |= scopes.joined_by([state for state in states.values() if state.published_at])
        self._done(pagecache.purge(*sorted(found)), f"Purged {len(found)} scope(s): {', '.join(sorted(found))}.")

    def _done(self, purged: bool, message: str) -> None:
        if not purged:
            raise CommandError("The cache could not be reached: nothing was purged. Run this again once it answers.")
        self.stdout.write(message)
