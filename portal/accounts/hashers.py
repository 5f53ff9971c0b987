"""Password hashing: Argon2id with the parameters of settings (OWASP's recommendation).

Django's own Argon2 hasher takes 100 MiB and 8 lanes per hash, about a second of CPU on a
2-core server when logins come together (the load bench saw 200 activations saturate it for
minutes). OWASP's Password Storage Cheat Sheet gives equivalent settings for Argon2id; the
default here is its first one, 19 MiB, 2 passes, 1 lane. A hash made with other parameters
(Django's, or older settings) is still checked, and re-made with these at the next login
(`must_update`, the same algorithm name).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher


class TunedArgon2PasswordHasher(Argon2PasswordHasher):
    @property
    def time_cost(self) -> int:  # type: ignore[override]
        return int(settings.ARGON2_TIME_COST)

    @property
    def memory_cost(self) -> int:  # type: ignore[override]
        return int(settings.ARGON2_MEMORY_KIB)

    @property
    def parallelism(self) -> int:  # type: ignore[override]
        return int(settings.ARGON2_PARALLELISM)
