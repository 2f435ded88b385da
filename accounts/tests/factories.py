"""Users for tests of every app. Log them in with KNOWN_PASSWORD.

Call `UserFactory.create(...)` / `.create_batch(n)`: mypy types those as User, while a bare
`UserFactory(...)` is typed as the factory class itself.
"""

import factory

from accounts.models import User

KNOWN_PASSWORD = "correct horse 123!"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Sequence(lambda n: f"User {n}")
    password = factory.django.Password(KNOWN_PASSWORD)
    # Most tests stand for people who confirmed their address; the verification tests
    # ask for `email_verified=False`.
    email_verified = True
