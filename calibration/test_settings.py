"""Settings for the test suite: the real settings with a fast password hasher."""

from .settings import *  # noqa: F403

# The default hasher costs a noticeable fraction of a second per login.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
