"""Application-level encryption of identifiers (NIR), with a keyed digest for lookups.

rules.md R8.1: the NIR is encrypted at rest, masked in screens and kept out of logs. Equality
searches (duplicates in a company) use an HMAC digest, never the clear value.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cache, lru_cache
from typing import Any

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.db import models


@cache
def _fernet() -> MultiFernet:
    # The first key encrypts; every key decrypts (key rotation: add the new key first).
    return MultiFernet([Fernet(key) for key in settings.FIELD_ENCRYPTION_KEYS])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


@lru_cache(maxsize=8192)  # a row's NIR is digested when checked, then when saved
def digest(value: str) -> str:
    """A keyed digest of `value` for equality lookups (not reversible without the key)."""
    return hmac.new(_blind_index_key(), value.encode(), hashlib.sha256).hexdigest()


@cache
def _blind_index_key() -> bytes:
    return settings.BLIND_INDEX_KEY.encode()


class EncryptedCharField(models.TextField):  # type: ignore[type-arg]
    """Stores a string encrypted with Fernet; reads it back in clear. Blank stays blank."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(str(value))
