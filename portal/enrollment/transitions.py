"""Which moves a membership may make: pure data, no ORM (statuses as stored in `Membership`).

Kept apart from `rules.py` (the journey's rules): this is the state machine `move_membership`
enforces, and nothing else moves a membership.
"""

from __future__ import annotations

PRE_ENROLLED = "pre_enrolled"
SIGNED = "signed"
ACTIVE = "active"
TERMINATED = "terminated"
WAIVER_REQUESTED = "waiver_requested"
WAIVED = "waived"
CANCELLED = "cancelled"

# Every (from, to) move; `move_membership` refuses any other.
MEMBERSHIP_TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        (PRE_ENROLLED, SIGNED),  # the employee signed
        (SIGNED, PRE_ENROLLED),  # the insurer sent it back to correct
        (SIGNED, ACTIVE),  # the insurer checked it: "Mis en gestion"
        (PRE_ENROLLED, TERMINATED),  # terminated before enrolling
        (SIGNED, TERMINATED),
        (ACTIVE, TERMINATED),
        # A termination undone (employer) or refused (insurer): back to the status it had.
        (TERMINATED, PRE_ENROLLED),
        (TERMINATED, SIGNED),
        (TERMINATED, ACTIVE),
        (PRE_ENROLLED, WAIVER_REQUESTED),  # the employee signed a waiver request
        (WAIVER_REQUESTED, WAIVED),  # the insurer checked the proof and granted it
        (WAIVER_REQUESTED, PRE_ENROLLED),  # the insurer refused it: the employee must enroll
        (WAIVED, PRE_ENROLLED),  # the waiver ended (R2.11): the employee must enroll now
        (PRE_ENROLLED, CANCELLED),  # declared by mistake, cancelled by the employer
        (
            SIGNED,
            CANCELLED,
        ),  # signed, then cancelled by the insurer ("Annuler") before "en gestion"
    }
)


def can_move(from_status: str, to_status: str) -> bool:
    return (from_status, to_status) in MEMBERSHIP_TRANSITIONS
