"""Demo staff accounts (one per role) and a small living newsroom. Safe to run twice."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.text import slugify

from stories import workflow
from stories.models import Highlight, Section, Story

DEMO_PASSWORD = "newsroom-demo"  # noqa: S105 - demo accounts for a local machine, printed on purpose

ACCOUNTS = [
    ("admin", "Ada", "Admin", None, True),
    ("editor", "Elena", "Editor", "Editors", False),
    ("writer", "Walter", "Writer", "Writers", False),
    ("moderator", "Mona", "Moderator", "Moderators", False),
]

SECTIONS = [("News", "news"), ("City", "city"), ("Business", "business"), ("Culture", "culture")]

STORIES = [
    (
        "City council approves new tram line after two-year debate",
        "city",
        [
            "The council voted 31 to 12 in favour of the eastern extension.",
            "Construction is expected to begin next spring.",
            "Opponents say the budget ignores rising steel prices.",
        ],
        [
            "The city council on Tuesday approved the eastern tram extension, ending two years of "
            "argument over its route and its price.",
            "Work on the first section is expected to begin next spring, the transport department said.",
        ],
    ),
    (
        "Harbour bakery reopens a year after the flood",
        "business",
        [
            "The bakery closed after water reached its ovens last November.",
            "Neighbours raised the money for new equipment.",
        ],
        [
            "A queue formed before dawn on Saturday as the harbour bakery opened its doors again.",
            "The owners thanked the neighbours who raised the money for two new ovens.",
        ],
    ),
]


class Command(BaseCommand):
    help = "Create demo staff accounts and demo stories (idempotent)."

    # Demo content must not email anyone, whatever the mail settings say.
    @override_settings(MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}})
    @transaction.atomic
    def handle(self, *args, **options):
        users = self.create_accounts()
        sections = {
            slug: Section.objects.get_or_create(slug=slug, defaults={"name": name})[0] for name, slug in SECTIONS
        }
        now = timezone.now()
        for age, (title, section, highlights, paragraphs) in enumerate(STORIES):
            self.create_story(title, sections[section], highlights, paragraphs, users, now - timedelta(hours=age + 1))
        self.stdout.write(self.style.SUCCESS("Demo newsroom ready."))
        self.stdout.write(f"Log in at /admin/ with any of these accounts (password: {DEMO_PASSWORD}):")
        for username, *_rest, group, is_super in ACCOUNTS:
            self.stdout.write(f"  {username:<10} {'administrator' if is_super else group}")

    def create_accounts(self):
        User = get_user_model()
        users = {}
        for username, first, last, group, is_super in ACCOUNTS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@newsroom.invalid",
                    "is_staff": True,
                    "is_superuser": is_super,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            if group:
                user.groups.add(Group.objects.get(name=group))
            users[username] = user
        return users

    def create_story(self, title, section, highlights, paragraphs, users, published_at):
        if Story.objects.filter(slug=slugify(title)).exists():
            return
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        story = Story.objects.create(
            title=title, slug=slugify(title), body=body, section=section, created_by=users["writer"]
        )
        story.authors.set([users["writer"]])
        Highlight.objects.bulk_create(Highlight(story=story, text=t, position=i) for i, t in enumerate(highlights))
        workflow.submit_for_review(story, users["writer"])
        workflow.publish(story, users["editor"], at=published_at)
