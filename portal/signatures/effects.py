"""What a signature does, by envelope purpose: the enrollment signed, the waiver granted.

The app that owns an effect registers it from its `AppConfig.ready()`, so that `signatures`
never imports the apps above it, and every door (web journey, DSN, API) gets the same effect.
`verify_code` runs the effect in the transaction that signs the documents: a `BusinessError`
from the effect rolls the signature back.
"""

from __future__ import annotations

from typing import Protocol

from django.core.exceptions import ImproperlyConfigured

from portal.accounts.models import User
from portal.signatures.models import Purpose, SignatureEnvelope


class SigningEffect(Protocol):
    """The business event a signature completes; raises `BusinessError` to refuse it."""

    def __call__(self, *, envelope: SignatureEnvelope, by: User | None) -> object: ...


_EFFECTS: dict[Purpose, SigningEffect] = {}


def register_effect(purpose: str, effect: SigningEffect) -> None:
    """Make `effect` what signing an envelope of `purpose` does (once per purpose)."""
    purpose = Purpose(purpose)
    registered = _EFFECTS.get(purpose)
    if registered is not None and registered is not effect:
        raise ImproperlyConfigured(f"The {purpose.value!r} signature already has an effect.")
    _EFFECTS[purpose] = effect


def effect_of(purpose: str) -> SigningEffect:
    """The registered effect of signing an envelope of `purpose`."""
    try:
        return _EFFECTS[Purpose(purpose)]
    except KeyError:
        raise ImproperlyConfigured(
            f"No effect is registered for the {purpose!r} signature (AppConfig.ready())."
        ) from None
