"""What an envelope's documents show, by envelope purpose, and how to make them again.

A signer signs what they saw: when the documents are made, the canonical data they were made
from (coverage, dependants, waiver case, bank details…) is hashed and kept with the envelope;
"Signer" hashes the data again in the signing transaction and refuses a mismatch (another tab
changed something), making the documents anew. The app that owns the data registers its
content from its `AppConfig.ready()`, as for `effects`, so that `signatures` imports nothing
above it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured

from portal.enrollment.models import Membership
from portal.signatures.models import Purpose

Document = tuple[str, str, bytes]  # (name, kind, PDF)


class ContentOf(Protocol):
    """The canonical data the documents of `membership`'s envelope show, as JSON values."""

    def __call__(self, membership: Membership) -> dict[str, Any]: ...


class DocumentsOf(Protocol):
    """The documents to sign for `membership`, made from its current data."""

    def __call__(self, membership: Membership) -> list[Document]: ...


@dataclass(frozen=True)
class SignedContent:
    content: ContentOf
    documents: DocumentsOf


_CONTENTS: dict[Purpose, SignedContent] = {}


def register_content(purpose: str, *, content: ContentOf, documents: DocumentsOf) -> None:
    """Make `content` what an envelope of `purpose` shows, `documents` how it is made."""
    purpose = Purpose(purpose)
    registered = _CONTENTS.get(purpose)
    entry = SignedContent(content=content, documents=documents)
    if registered is not None and registered != entry:
        raise ImproperlyConfigured(f"The {purpose.value!r} signature already has a content.")
    _CONTENTS[purpose] = entry


def content_of(purpose: str) -> SignedContent:
    try:
        return _CONTENTS[Purpose(purpose)]
    except KeyError:
        raise ImproperlyConfigured(
            f"No content is registered for the {purpose!r} signature (AppConfig.ready())."
        ) from None


def canonical(data: dict[str, Any]) -> bytes:
    """Sorted keys, no spaces, UTF-8: the same data always gives the same bytes."""
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode()


def content_sha256(purpose: str, membership: Membership) -> str:
    """The SHA-256 of the canonical data `membership`'s documents of `purpose` show now."""
    return hashlib.sha256(canonical(content_of(purpose).content(membership))).hexdigest()
