"""How long the proofs of unemployment benefits are kept (portal/core/retention.py): rules.md
R8.5 / R7.4, documents of the contract (portability is cover under it): 5 years from the
portability's computed end (never earlier than an early end)."""

from portal.core.retention import FileKind, register
from portal.terminations.models import PortabilityProof

register(FileKind("portability_proof", PortabilityProof, "file", "termination__portability_end"))
