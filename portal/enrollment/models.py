"""Employees, their memberships of a contract, and the invitation link to enroll online."""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from portal.companies.models import Company, Contract, InsuredGroup
from portal.core.addresses import afnor_line
from portal.core.crypto import EncryptedCharField

# Re-exported: `from portal.enrollment.models import DependantKind` keeps working.
from portal.enrollment.choices import SPOUSE_KINDS as SPOUSE_KINDS
from portal.enrollment.choices import BeneficiaryClause as BeneficiaryClause
from portal.enrollment.choices import Civility as Civility
from portal.enrollment.choices import DebitFrequency as DebitFrequency
from portal.enrollment.choices import DependantKind as DependantKind


def search_key(text: str) -> str:
    """Lower case, no accents, single spaces: "Élodie  Durand" and "elodie durand" match."""
    return afnor_line(text).lower()


class FamilyStatus(models.TextChoices):
    SINGLE = "single", "Célibataire"
    MARRIED = "married", "Marié(e)"
    PACS = "pacs", "Pacsé(e)"
    COHABITING = "cohabiting", "En concubinage"
    DIVORCED = "divorced", "Divorcé(e)"
    SEPARATED = "separated", "Séparé(e)"
    WIDOWED = "widowed", "Veuf / veuve"


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
    # Completed by the employee in "Mon profil".
    family_status = models.CharField(
        "situation familiale", max_length=12, choices=FamilyStatus.choices, blank=True
    )
    phone = models.CharField("téléphone", max_length=20, blank=True)
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
    # What the employer declared, as declared (`DECLARED_FIELDS`, the NIR as its digest only):
    # the insurer's check compares it with what the employee entered in their journey.
    # Written once by `pre_enroll` (the one declaring path); {} for employees declared before.
    declared_identity = models.JSONField("identité déclarée", default=dict, editable=False)

    class Meta:
        verbose_name = "salarié"
        verbose_name_plural = "salariés"
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["company", "last_name", "first_name", "id"]),
            models.Index(fields=["company", "employee_number"]),
            models.Index(fields=["company", "search_name", "id"]),  # "Mes collaborateurs"
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
    # The employee signed a waiver request: the insurer checks its proof before deciding.
    WAIVER_REQUESTED = "waiver_requested", "Dispense demandée - en cours de vérification"
    WAIVED = "waived", "Dispensé"
    # Declared by mistake and cancelled by the employer before the employee enrolled.
    CANCELLED = "cancelled", "Déclaration annulée"


class JourneyStep(models.TextChoices):
    """The steps of the employee's online enrollment, in order (the guide's step bar)."""

    PROFILE = "profile", "Mon profil"
    DEPENDANTS = "dependants", "Mes bénéficiaires"
    COVERAGE = "coverage", "Mes garanties"
    BANK = "bank", "Mes coordonnées bancaires"
    SIGNATURE = "signature", "Signature électronique"


JOURNEY_ORDER = list(JourneyStep)


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
    # The online enrollment: the last step the employee completed ("" before the first).
    journey_step = models.CharField(
        "étape d'adhésion", max_length=12, choices=JourneyStep.choices, blank=True
    )
    # "Mes garanties": the option chosen on top of the group's base product (None: base only).
    option = models.ForeignKey(
        "companies.Product",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="option choisie",
    )
    coverage_chosen = models.BooleanField("garantie choisie", default=False)
    # Provident "Mes garanties": who receives the death benefit, where the contract asks.
    beneficiary_clause = models.CharField(
        "clause bénéficiaire", max_length=10, choices=BeneficiaryClause.choices, blank=True
    )
    # A named clause's text: the people designated (personal data, encrypted at rest).
    beneficiary_designation = EncryptedCharField("bénéficiaires désignés", blank=True)
    # Unticked by default: offers by e-mail / SMS (CNIL: prior consent).
    offers_consent_at = models.DateTimeField(
        "accord pour recevoir des offres le", null=True, blank=True
    )
    signed_at = models.DateTimeField("signée le", null=True, blank=True)

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

    @property
    def editable_by_employee(self) -> bool:
        """The employee may change their enrollment until they sign it."""
        return self.status == MembershipStatus.PRE_ENROLLED

    @property
    def journey_done_count(self) -> int:
        """How many enrollment steps the employee completed (shown to the employer)."""
        if not self.journey_step:
            return 0
        return JOURNEY_ORDER.index(JourneyStep(self.journey_step)) + 1

    def step_done(self, step: str) -> bool:
        if not self.journey_step:
            return False
        return JOURNEY_ORDER.index(JourneyStep(self.journey_step)) >= JOURNEY_ORDER.index(
            JourneyStep(step)
        )

    def live_mandate(self) -> DebitMandate | None:
        """The SEPA mandate in use (not revoked; unsigned while the enrollment is not), with
        its account; the revoked ones stay as the membership's mandate history."""
        return (
            DebitMandate.objects.filter(membership=self, revoked_at=None)
            .select_related("account")
            .first()
        )


class Dependant(models.Model):
    """A person covered through a member ("bénéficiaire", ayant droit): spouse-type or child.

    The employer never sees a dependant's name, only their kind (design.md).
    """

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="dependants", verbose_name="adhésion"
    )
    kind = models.CharField("type de bénéficiaire", max_length=12, choices=DependantKind.choices)
    civility = models.CharField("civilité", max_length=3, choices=Civility.choices)
    last_name = models.CharField("nom", max_length=80)
    first_name = models.CharField("prénom", max_length=80)
    birth_date = models.DateField("date de naissance")
    # Tells apart children of one parent born the same day (rules.md R1.8).
    twin_rank = models.PositiveSmallIntegerField("rang gémellaire", default=1)
    # Own NIR, or the NIR of the parent the child is attached to (rules.md R1.8).
    nir = EncryptedCharField("N° de sécurité sociale", blank=True)
    parent_nir = EncryptedCharField("N° de sécurité sociale de rattachement", blank=True)
    fund_code = models.CharField("organisme de sécurité sociale", max_length=9, blank=True)
    alsace_moselle = models.BooleanField("régime local Alsace Moselle", default=False)
    studying = models.BooleanField("étudiant ou apprenti", default=False)
    disabled = models.BooleanField("en situation de handicap", default=False)
    same_address = models.BooleanField("mêmes coordonnées que l'adhérent", default=True)
    street_number = models.CharField("numéro", max_length=10, blank=True)
    street_name = models.CharField("libellé de la voie", max_length=38, blank=True)
    building = models.CharField("complément d'adresse", max_length=38, blank=True)
    postal_code = models.CharField("code postal", max_length=5, blank=True)
    city = models.CharField("commune", max_length=38, blank=True)
    country = models.CharField("pays", max_length=38, blank=True, default="FRANCE")
    phone = models.CharField("téléphone", max_length=20, blank=True)
    created_at = models.DateTimeField("ajouté le", default=timezone.now)
    # Set by a life event during the contract's life (portal/enrollment/life_events.py): an
    # addition's first day, a removal's last day. None: from the membership's start, and on.
    cover_start = models.DateField("couvert à partir du", null=True, blank=True)
    cover_end = models.DateField("couvert jusqu'au", null=True, blank=True)

    class Meta:
        verbose_name = "bénéficiaire"
        verbose_name_plural = "bénéficiaires"
        ordering = ["membership", "birth_date", "twin_rank", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(twin_rank__gte=1, twin_rank__lte=9), name="twin_rank_1_to_9"
            ),
            models.CheckConstraint(
                condition=models.Q(cover_start=None)
                | models.Q(cover_end=None)
                | models.Q(cover_end__gte=models.F("cover_start")),
                name="dependant_cover_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name.upper()}"

    @property
    def is_spouse_type(self) -> bool:
        return self.kind in SPOUSE_KINDS

    @staticmethod
    def not_ended_on(day: date) -> models.Q:
        """The dependants whose cover has not ended by `day` (a removal's last day passed):
        those the employer counts, now covered or soon."""
        return models.Q(cover_end=None) | models.Q(cover_end__gte=day)

    def covered_on(self, day: date) -> bool:
        """Whether the dependant's own cover dates include `day` (the membership's aside)."""
        started = self.cover_start is None or self.cover_start <= day
        return started and (self.cover_end is None or day <= self.cover_end)


class AccountPurpose(models.TextChoices):
    DEBIT = "debit", "Prélèvement des cotisations"
    BENEFITS = "benefits", "Remboursement des prestations"


class BankAccount(models.Model):
    """A bank account given in "Mes coordonnées bancaires": for the debits or the benefits,
    of the member or of one dependant."""

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="bank_accounts", verbose_name="adhésion"
    )
    purpose = models.CharField("usage", max_length=10, choices=AccountPurpose.choices)
    # Set for a dependant's own benefits account ("un RIB Prestations différent").
    dependant = models.OneToOneField(
        Dependant,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="benefits_account",
        verbose_name="bénéficiaire",
    )
    holder = models.CharField("titulaire du compte", max_length=70)
    iban = EncryptedCharField("IBAN")
    bic = models.CharField("BIC", max_length=11, blank=True)
    created_at = models.DateTimeField("saisi le", default=timezone.now)
    # A debit account replaced by a new one with its new mandate: kept, as the revoked
    # mandate it was debited under still points to it.
    replaced_at = models.DateTimeField("remplacé le", null=True, blank=True)

    class Meta:
        verbose_name = "compte bancaire"
        verbose_name_plural = "comptes bancaires"
        constraints = [
            models.UniqueConstraint(
                fields=["membership", "purpose"],
                condition=models.Q(dependant=None, replaced_at=None),
                name="one_member_account_per_purpose",
            ),
            models.CheckConstraint(
                condition=models.Q(dependant=None) | models.Q(purpose="benefits"),
                name="dependant_account_is_for_benefits",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} — {self.holder}"


DEBIT_DAYS = (5, 10, 15, 20)


class DebitMandate(models.Model):
    """The SEPA direct-debit mandate for what the employee pays (rules.md §6), signed with
    the enrollment or, for a new account, in "Mes coordonnées bancaires"; one live at a time."""

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="mandates", verbose_name="adhésion"
    )
    account = models.ForeignKey(
        BankAccount, on_delete=models.PROTECT, related_name="+", verbose_name="compte débité"
    )
    # RUM: unique per creditor identifier, never reused, no NIR inside (rules.md R6.2).
    reference = models.CharField("référence unique du mandat (RUM)", max_length=35, unique=True)
    creditor_identifier = models.CharField("identifiant créancier SEPA (ICS)", max_length=35)
    frequency = models.CharField(
        "fréquence de prélèvement", max_length=12, choices=DebitFrequency.choices
    )
    debit_day = models.PositiveSmallIntegerField("date de prélèvement")
    created_at = models.DateTimeField("créé le", default=timezone.now)
    signed_at = models.DateTimeField("signé le", null=True, blank=True)
    # The debtor revoked it with the creditor (rules.md R6.4): no debit from then on.
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)

    class Meta:
        verbose_name = "mandat de prélèvement SEPA"
        verbose_name_plural = "mandats de prélèvement SEPA"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(debit_day__in=DEBIT_DAYS), name="debit_day_5_10_15_20"
            ),
            # The history keeps the revoked ones; the debits use the one live mandate.
            models.UniqueConstraint(
                fields=["membership"],
                condition=Q(revoked_at=None),
                name="one_live_mandate_per_membership",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class MandateChangeStatus(models.TextChoices):
    PENDING = "pending", "À signer"
    SIGNED = "signed", "Signé"
    ABANDONED = "abandoned", "Abandonné"


class MandateChange(models.Model):
    """A new debit account the member gave in "Mes coordonnées bancaires": its new SEPA
    mandate waits for the SMS signature; nothing is in force before it is signed."""

    membership = models.ForeignKey(
        Membership,
        on_delete=models.CASCADE,
        related_name="mandate_changes",
        verbose_name="adhésion",
    )
    replaces = models.ForeignKey(
        DebitMandate, on_delete=models.PROTECT, related_name="+", verbose_name="mandat remplacé"
    )
    # The new mandate's RUM, reserved when it is proposed: the PDF to sign shows it.
    reference = models.CharField("référence unique du mandat (RUM)", max_length=35, unique=True)
    holder = models.CharField("titulaire du compte", max_length=70)
    iban = EncryptedCharField("IBAN")
    bic = models.CharField("BIC", max_length=11, blank=True)
    status = models.CharField(
        "état",
        max_length=10,
        choices=MandateChangeStatus.choices,
        default=MandateChangeStatus.PENDING,
    )
    created_at = models.DateTimeField("proposé le", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="proposé par",
    )
    decided_at = models.DateTimeField("signé ou abandonné le", null=True, blank=True)
    mandate = models.OneToOneField(
        DebitMandate,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="change",
        verbose_name="nouveau mandat",
    )

    class Meta:
        verbose_name = "changement de compte de prélèvement"
        verbose_name_plural = "changements de compte de prélèvement"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership"],
                condition=Q(status="pending"),
                name="one_pending_mandate_change_per_membership",
            ),
            models.CheckConstraint(
                condition=Q(status="signed", mandate__isnull=False)
                | (~Q(status="signed") & Q(mandate__isnull=True)),
                name="signed_mandate_change_has_its_mandate",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


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
    # The contract's reminder ladder: how many of its steps this link has passed.
    ladder_steps_done = models.PositiveSmallIntegerField("relances automatiques faites", default=0)

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
