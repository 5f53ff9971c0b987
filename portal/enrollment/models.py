"""Employees, their memberships of a contract, and the invitation link to enroll online."""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.companies.models import Company, Contract, InsuredGroup
from portal.core.addresses import afnor_line
from portal.core.crypto import EncryptedCharField


def search_key(text: str) -> str:
    """Lower case, no accents, single spaces: "Élodie  Durand" and "elodie durand" match."""
    return afnor_line(text).lower()


class Civility(models.TextChoices):
    MADAM = "MME", "Madame"
    MISTER = "M", "Monsieur"


class Employee(models.Model):
    """A person employed by a company, as declared by its HR correspondent."""

    company = models.ForeignKey(
        Company,
        on_delete=models.PROTECT,
        related_name="employees",
        verbose_name="entreprise",
        db_index=False,  # the indexes below start with the company
    )
    civility = models.CharField("civilité", max_length=3, choices=Civility.choices)
    last_name = models.CharField("nom", max_length=80)
    first_name = models.CharField("prénom", max_length=80)
    birth_date = models.DateField("date de naissance")
    # NIR: 15 characters encrypted at rest; `nir_digest` finds duplicates without decrypting.
    nir = EncryptedCharField("N° de sécurité sociale", blank=True)
    nir_digest = models.CharField(max_length=64, blank=True, db_index=True)
    fund_code = models.CharField("organisme de rattachement", max_length=9, blank=True)
    alsace_moselle = models.BooleanField("régime local Alsace Moselle", default=False)
    # Postal address in the guide's fields; normalised per AFNOR NF Z10-011 when confirmed.
    street_number = models.CharField("numéro", max_length=10, blank=True)
    street_name = models.CharField("libellé de la voie", max_length=38, blank=True)
    staircase_floor = models.CharField("escalier / étage", max_length=38, blank=True)
    building = models.CharField("bâtiment / résidence", max_length=38, blank=True)
    locality = models.CharField("lieu-dit", max_length=38, blank=True)
    postal_code = models.CharField("code postal", max_length=5, blank=True)
    city = models.CharField("ville", max_length=38, blank=True)
    insee_code = models.CharField("code INSEE", max_length=5, blank=True)
    country = models.CharField("pays", max_length=38, blank=True, default="FRANCE")
    email = models.EmailField("e-mail", blank=True)
    employee_number = models.CharField("matricule", max_length=30, blank=True)
    hire_date = models.DateField("date d'embauche")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="employee",
        verbose_name="identifiant",
    )
    created_at = models.DateTimeField("déclaré le", default=timezone.now)
    # "Rechercher par Nom Prénom": lower-case "nom prénom" and "prénom nom", prefix-searched.
    search_name = models.CharField(max_length=170, editable=False, default="")
    search_name_reversed = models.CharField(max_length=170, editable=False, default="")

    class Meta:
        verbose_name = "salarié"
        verbose_name_plural = "salariés"
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["company", "last_name", "first_name", "id"]),
            models.Index(fields=["company", "employee_number"]),
            models.Index(fields=["company", "search_name"]),
            models.Index(fields=["company", "search_name_reversed"]),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def set_search_names(self) -> None:
        last, first = search_key(self.last_name), search_key(self.first_name)
        self.search_name = f"{last} {first}"
        self.search_name_reversed = f"{first} {last}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name.upper()}"

    def letter_address_lines(self) -> list[str]:
        """A letter's address block: the recipient, then AFNOR lines 2 to 6."""
        name = f"{self.get_civility_display()} {self.first_name} {self.last_name}"
        return [name, *self.address_lines()]

    def address_lines(self) -> list[str]:
        """The postal address as AFNOR lines 2 to 6 (blank lines dropped)."""
        street = " ".join(p for p in [self.street_number, self.street_name] if p)
        lines = [
            self.staircase_floor,
            self.building,
            street,
            self.locality,
            f"{self.postal_code} {self.city}".strip(),
        ]
        if self.country and self.country != "FRANCE":
            lines.append(self.country)
        return [line for line in lines if line]


class MembershipStatus(models.TextChoices):
    PRE_ENROLLED = "pre_enrolled", "En attente d'adhésion"
    SIGNED = "signed", "Signée"
    ACTIVE = "active", "Mis en gestion"
    TERMINATED = "terminated", "Radié"
    WAIVED = "waived", "Dispensé"


class Membership(models.Model):
    """An employee's cover under a contract, in an insured group, from the effective date."""

    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="memberships", verbose_name="salarié"
    )
    contract = models.ForeignKey(
        Contract,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name="contrat",
        db_index=False,  # the (contract, status) index serves it
    )
    insured_group = models.ForeignKey(
        InsuredGroup,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name="groupe d'assurés",
    )
    member_number = models.CharField("N° adhérent", max_length=12, unique=True)
    effective_date = models.DateField("date d'effet du contrat")
    end_date = models.DateField("date de fin", null=True, blank=True)
    status = models.CharField(
        "statut",
        max_length=20,
        choices=MembershipStatus.choices,
        default=MembershipStatus.PRE_ENROLLED,
        db_index=True,
    )
    status_changed_at = models.DateTimeField("statut depuis le", default=timezone.now)

    class Meta:
        verbose_name = "adhésion"
        verbose_name_plural = "adhésions"
        ordering = ["-effective_date", "-id"]
        indexes = [models.Index(fields=["contract", "status"])]

    def __str__(self) -> str:
        return f"N° {self.member_number}"

    @property
    def is_current(self) -> bool:
        return self.status in {
            MembershipStatus.PRE_ENROLLED,
            MembershipStatus.SIGNED,
            MembershipStatus.ACTIVE,
        }


class Invitation(models.Model):
    """The personal, single-use link (valid 60 days) that lets an employee enroll online."""

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="invitations", verbose_name="adhésion"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    # Kept encrypted so that a reminder can resend the same link while it is valid.
    token = EncryptedCharField()
    sent_at = models.DateTimeField("envoyé le", default=timezone.now)
    expires_at = models.DateTimeField("expire le")
    used_at = models.DateTimeField("utilisé le", null=True, blank=True)
    # Set when the link stops working for another reason (a newer link, a cancelled request).
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)
    reminders = models.PositiveSmallIntegerField("relances", default=0)
    last_reminder_at = models.DateTimeField("dernière relance", null=True, blank=True)

    class Meta:
        verbose_name = "lien d'affiliation"
        verbose_name_plural = "liens d'affiliation"
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"Lien {self.membership}"

    def is_usable(self, now: datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and now < self.expires_at

    def days_left(self, today: date) -> int:
        """Whole days before expiry, as shown to the employer (0 once expired)."""
        return max(0, (timezone.localdate(self.expires_at) - today).days)
