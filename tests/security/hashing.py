"""A password hasher for the login tests: fast, and counts how often a password is hashed (what a login costs)."""

from django.contrib.auth.hashers import MD5PasswordHasher


class CountingHasher(MD5PasswordHasher):
    algorithm = "counting_md5"
    calls = 0

    def encode(self, password, salt):
        CountingHasher.calls += 1
        return super().encode(password, salt)


def count_hashes(settings):
    """Makes CountingHasher the only hasher and starts its count at zero."""
    settings.PASSWORD_HASHERS = ["tests.security.hashing.CountingHasher"]
    CountingHasher.calls = 0
