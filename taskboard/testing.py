"""Helpers the test settings name by dotted path."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """Real hashing with few rounds: tests check behaviour, not hash strength."""

    algorithm = "pbkdf2_sha256_fast"
    iterations = 1000
