"""Factories for people: artists, producers and staff are all users."""

import factory
from django.utils import timezone

from accounts.lookalikes import skeleton
from accounts.models import User

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"artist{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    # As the sign-up service sets it, so that look-alikes of factory people are refused too.
    username_skeleton = factory.LazyAttribute(lambda user: skeleton(user.username))
    # Verified, as most people soon are; tests of the unverified pass email_verified_at=None.
    email_verified_at = factory.LazyFunction(timezone.now)
    display_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffFactory(UserFactory):
    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True
