"""A contract's reminder ladder (issue 17, item 2): "7:email,14:sms,21:letter" — on the 7th day
after the invitation an e-mail, on the 14th an SMS, on the 21st a letter, while the employee has
not opened their link. Parsed and checked here, applied by `tracking.services`."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

CHANNELS = {"email": "e-mail", "sms": "SMS", "letter": "courrier"}
DEFAULT_LADDER = "7:email,14:sms,21:letter"
MAX_DAY = 59  # the link lasts 60 days


@dataclass(frozen=True)
class Step:
    day: int  # days after the invitation was sent
    channel: str  # a key of CHANNELS


def parse_ladder(text: str) -> list[Step]:
    """The steps, in order; ValueError with the French message naming what is wrong."""
    steps: list[Step] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        day, _, channel = part.partition(":")
        channel = channel.strip().lower()
        if not day.strip().isdigit() or channel not in CHANNELS:
            raise ValueError(
                f"« {part} » : écrivez chaque relance « jour:canal », le canal étant email, sms "
                "ou letter (ex. 7:email,14:sms,21:letter)."
            )
        step = Step(int(day), channel)
        if not 1 <= step.day <= MAX_DAY:
            raise ValueError(f"« {part} » : le jour va de 1 à {MAX_DAY} (le lien dure 60 jours).")
        if steps and step.day <= steps[-1].day:
            raise ValueError(f"« {part} » : les jours des relances vont en croissant.")
        steps.append(step)
    return steps


def validate_ladder(text: str) -> None:
    try:
        parse_ladder(text)
    except ValueError as error:
        raise ValidationError(str(error)) from error
