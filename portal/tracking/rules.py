"""Which moves a request may make: pure data, no ORM (values as stored in `Request`)."""

from __future__ import annotations

from datetime import date

# Request states and reasons, as stored (`portal.tracking.models.State` / `Reason`).
WAITING = "waiting"
IN_PROGRESS = "in_progress"
CLOSED = "closed"
CANCELLED = "cancelled"
AFFILIATION = "affiliation"


# An affiliation waits for the employee; a termination, a death or a waiver starts with the
# insurer ("En cours").
def initial_state(reason: str) -> str:
    return WAITING if reason == AFFILIATION else IN_PROGRESS


# Every (from, to) move a request may make; `move_request` refuses any other.
REQUEST_TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        (WAITING, IN_PROGRESS),  # the employee signed
        (IN_PROGRESS, WAITING),  # the insurer sent the enrollment back to the employee
        (IN_PROGRESS, CLOSED),  # the insurer processed it
        (WAITING, CANCELLED),  # declaration cancelled, employee terminated or waived first
        (IN_PROGRESS, CANCELLED),  # termination undone by the employer or refused by us
        (CANCELLED, WAITING),  # the termination that cancelled it was undone: it waits again
    }
)


def can_move(from_state: str, to_state: str) -> bool:
    return (from_state, to_state) in REQUEST_TRANSITIONS


def closes(to_state: str) -> bool:
    """A move to this state ends the request (it gets its `closed_at`)."""
    return to_state in {CLOSED, CANCELLED}


def mobile_e164(phone: str) -> str | None:
    """A mobile number in E.164 ("+33612345678") to send an SMS to; None for none, a landline
    or anything unreadable."""
    import phonenumbers

    if not phone.strip():
        return None
    try:
        number = phonenumbers.parse(phone, "FR")
    except phonenumbers.NumberParseException:
        return None
    kinds = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in kinds:
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def reminder_sms_text(*, brand: str, url: str, expires: date) -> str:
    """The SMS step of the reminder ladder: the link itself, and until when it works."""
    return (
        f"{brand} : votre employeur vous invite à adhérer à votre mutuelle d'entreprise. "
        f"Votre lien personnel, valable jusqu'au {expires:%d/%m/%Y} : {url}"
    )
