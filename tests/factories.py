from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.text import slugify

from stories.models import (
    Assignment,
    AssignmentState,
    Highlight,
    Opinion,
    OpinionStatus,
    Profile,
    Section,
    Status,
    Story,
    Tag,
)

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A person; `role="Editors"` makes them staff in that role group (the data migration's groups)."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@newsroom.test")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.is_staff = True
            self.save(update_fields=["is_staff"])
            self.groups.add(Group.objects.get(name=extracted))

    @factory.post_generation
    def public_slug(self, create, extracted, **kwargs):
        """A named person has a public slug made from their name, as the user admin gives them one;
        `public_slug="…"` chooses it, `public_slug=False` leaves them without (no author page)."""
        if not create or extracted is False:
            return
        if extracted:
            Profile.objects.assign(self, extracted)
        else:
            Profile.objects.for_person(self)


class _TermFactory(factory.django.DjangoModelFactory):
    """A section or tag; the slug follows the name, and asking for an existing slug returns that term."""

    class Meta:
        abstract = True
        django_get_or_create = ["slug"]

    slug = factory.LazyAttribute(lambda term: slugify(term.name))


class SectionFactory(_TermFactory):
    class Meta:
        model = Section

    name = factory.Sequence(lambda n: f"Section {n}")


class TagFactory(_TermFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"tag {n}")


class StoryFactory(factory.django.DjangoModelFactory):
    """A draft with three highlights; `published=True` makes it live an hour ago."""

    class Meta:
        model = Story
        skip_postgeneration_save = True

    class Params:
        published = factory.Trait(
            status=Status.PUBLISHED,
            published_at=factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1)),
        )
        scheduled = factory.Trait(
            status=Status.PUBLISHED,
            published_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=1)),
        )
        in_review = factory.Trait(status=Status.REVIEW)

    title = factory.Sequence(lambda n: f"Council approves tram line number {n}")
    slug = factory.Sequence(lambda n: f"council-approves-tram-line-{n}")
    body = "<p>The city council on Tuesday approved the eastern tram extension.</p><p>A second paragraph.</p>"
    status = Status.DRAFT
    highlights = factory.RelatedFactoryList("tests.factories.HighlightFactory", factory_related_name="story", size=3)

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        if create and extracted:
            self.authors.set(extracted)


class HighlightFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Highlight

    text = factory.Sequence(lambda n: f"Highlight sentence number {n}.")
    position = factory.Sequence(lambda n: n)


class OpinionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opinion

    story = factory.SubFactory(StoryFactory, published=True)
    author_name = factory.Faker("name")
    body = "I think this is a sensible decision for the city."
    status = OpinionStatus.APPROVED


class AssignmentFactory(factory.django.DjangoModelFactory):
    """A pitch due tomorrow; `assigned=True` (with an `assignee`) makes it assigned."""

    class Meta:
        model = Assignment

    class Params:
        assigned = factory.Trait(state=AssignmentState.ASSIGNED)

    title = factory.Sequence(lambda n: f"Tram line budget vote number {n}")
    desk = factory.SubFactory(SectionFactory)
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    planned_words = 800
    state = AssignmentState.PITCHED
