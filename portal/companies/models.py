"""Employer clients and what they subscribed: companies, contracts, insured groups, products."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from portal.accounts.models import User
from portal.companies.ladder import DEFAULT_LADDER, validate_ladder
from portal.core.identifiers import validate_siret


class AccountManager(models.Model):
    """The insurer's account manager ("chargé d'affaires") of some companies."""

    first_name = models.CharField("prénom", max_length=100)
    last_name = models.CharField("nom", max_length=100)
    phone = models.CharField("téléphone", max_length=30)
    email = models.EmailField("e-mail")

    class Meta:
        verbose_name = "chargé d'affaires"
        verbose_name_plural = "chargés d'affaires"
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Company(models.Model):
    """An employer that subscribed at least one group contract."""

    legal_name = models.CharField("raison sociale", max_length=200)
    siret = models.CharField("N° de Siret", max_length=14, unique=True, validators=[validate_siret])
    trade_name = models.CharField("enseigne", max_length=200, blank=True)
    # Address in the guide's fields ("Adresse principale"), AFNOR NF Z10-011 lines.
    address_street = models.CharField("adresse", max_length=38)
    address_building = models.CharField("immeuble / bâtiment", max_length=38, blank=True)
    address_apartment = models.CharField("appartement / étage", max_length=38, blank=True)
    address_locality = models.CharField("lieu-dit ou boîte postale", max_length=38, blank=True)
    postal_code = models.CharField("code postal - code Cedex", max_length=5)
    city = models.CharField("ville", max_length=38)
    country = models.CharField("pays", max_length=38, default="FRANCE")
    phone = models.CharField("téléphone", max_length=30, blank=True)
    email = models.EmailField("e-mail", blank=True)
    account_manager = models.ForeignKey(
        AccountManager,
        on_delete=models.PROTECT,
        related_name="companies",
        verbose_name="chargé d'affaires",
    )
    waivers_enabled = models.BooleanField(
        "dispenses activées",
        default=False,
        help_text="Les salariés peuvent demander une dispense d'adhésion en ligne.",
    )
    # Issue 12: HR correspondents log in with a second factor unless the company makes it
    # optional (required by default; read by accounts through the policy registered in apps.py).
    hr_two_factor_required = models.BooleanField(
        "double authentification obligatoire pour les correspondants RH",
        default=True,
        help_text=(
            "Les correspondants RH se connectent avec un code de vérification (application "
            "d'authentification) en plus du mot de passe."
        ),
    )
    correspondents = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="companies",
        verbose_name="correspondants RH",
        limit_choices_to={"role": "correspondent"},
    )

    class Meta:
        verbose_name = "entreprise"
        verbose_name_plural = "entreprises"
        ordering = ["legal_name"]

    def __str__(self) -> str:
        return self.legal_name


class ContractKind(models.TextChoices):
    HEALTH = "health", "Complémentaire Santé"
    PROVIDENT = "provident", "Prévoyance"


# The usual standard clause of French group provident contracts (Code des assurances L132-8).
STANDARD_BENEFICIARY_CLAUSE = (
    "Mon conjoint non séparé de corps judiciairement, ou mon partenaire lié par un pacte civil "
    "de solidarité, à défaut mes enfants nés ou à naître, vivants ou représentés, par parts "
    "égales entre eux, à défaut mes héritiers."
)


class Contract(models.Model):
    """A group contract of a company: health ("complémentaire santé") or provident."""

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="contracts", verbose_name="entreprise"
    )
    number = models.CharField("N° contrat", max_length=20, unique=True)
    kind = models.CharField("type", max_length=10, choices=ContractKind.choices)
    start_date = models.DateField("date d'effet")
    # Facultative waivers (rules.md R2.7, R242-1-6 CSS) exist only if the contract's acte
    # juridique lists them; waivers "de droit" are always offered when waivers are enabled.
    optional_waivers = models.BooleanField(
        "dispenses facultatives prévues par l'acte",
        default=False,
        help_text="CDD et apprentis, temps partiel : cas de dispense de l'article R242-1-6 du "
        "Code de la sécurité sociale prévus par l'acte instituant les garanties.",
    )
    # Children are covered up to this age, or the extended one when studying (rules.md §4).
    child_max_age = models.PositiveSmallIntegerField("âge limite des enfants", default=21)
    reminder_ladder = models.CharField(
        "relances automatiques",
        max_length=100,
        blank=True,
        default=DEFAULT_LADDER,
        validators=[validate_ladder],
        help_text="Jour après l'invitation et canal de chaque relance, tant que le salarié n'a "
        "pas ouvert son lien : « 7:email,14:sms,21:letter » (email, sms ou letter ; vide : "
        "aucune). Un canal sans coordonnée connue est passé.",
    )
    child_max_age_extended = models.PositiveSmallIntegerField(
        "âge limite des enfants étudiants ou apprentis", default=26
    )
    # After a member's death, the months the dependants stay covered free of charge (0: their
    # cover ends with the member's; they may then ask for the loi Evin continuation).
    dependants_keep_cover_months = models.PositiveSmallIntegerField(
        "maintien des bénéficiaires après décès (mois)", default=0
    )
    # Provident: the employee designates who receives the death benefit when enrolling.
    beneficiary_designation = models.BooleanField(
        "désignation des bénéficiaires en cas de décès",
        default=False,
        help_text="Prévoyance : le salarié choisit en adhérant la clause bénéficiaire du capital "
        "décès (la clause type du contrat ou une clause nominative).",
    )
    standard_clause = models.TextField(
        "clause bénéficiaire type", default=STANDARD_BENEFICIARY_CLAUSE, blank=True
    )
    # The insurer's "fiche de paramétrage" for the DSN: how the employer's payroll names this
    # contract in S21.G00.15 (the allowed population and option codes: `dsn` app).
    dsn_reference = models.CharField(
        "référence contrat DSN (S21.G00.15.001)", max_length=30, blank=True
    )
    dsn_organisme = models.CharField(
        "code organisme DSN (S21.G00.15.002)", max_length=9, blank=True
    )
    dsn_delegataire = models.CharField(
        "code délégataire DSN (S21.G00.15.003)", max_length=6, blank=True
    )

    class Meta:
        verbose_name = "contrat"
        verbose_name_plural = "contrats"
        ordering = ["company", "kind", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["dsn_reference", "dsn_organisme"],
                condition=~models.Q(dsn_reference=""),
                name="unique_dsn_contract_reference",
            ),
            models.CheckConstraint(
                condition=models.Q(child_max_age__lte=models.F("child_max_age_extended")),
                name="child_age_limits_ordered",
            ),
        ]

    def __str__(self) -> str:
        # With its company: the back office lists every company's contracts together.
        return f"{self.number} — {self.get_kind_display()} — {self.company}"

    @property
    def is_health(self) -> bool:
        return self.kind == ContractKind.HEALTH


class ProductKind(models.TextChoices):
    BASE = "base", "Garantie de base"
    OPTION = "option", "Option / surcomplémentaire"


def coverage_table_path(product: Product, filename: str) -> str:
    return f"coverage-tables/{product.code.replace('/', '-')}.pdf"


class Product(models.Model):
    """A coverage plan or option ("produit") with its coverage table."""

    code = models.CharField("code", max_length=30, unique=True)
    label = models.CharField("libellé", max_length=120)
    kind = models.CharField("nature", max_length=10, choices=ProductKind.choices)
    coverage_table = models.FileField(
        "tableau de garanties (PDF)", upload_to=coverage_table_path, blank=True
    )

    class Meta:
        verbose_name = "produit"
        verbose_name_plural = "produits"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.label}"


class Beneficiary(models.TextChoices):
    MEMBER = "member", "Adhérent"
    SPOUSE = "spouse", "Conjoint"
    CHILD = "child", "Enfant"


class Scheme(models.TextChoices):
    GENERAL = "general", "Régime général"
    ALSACE_MOSELLE = "alsace_moselle", "Régime local Alsace-Moselle"


class ProductRate(models.Model):
    """The monthly price of a product for one kind of beneficiary under one scheme."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="rates", verbose_name="produit"
    )
    beneficiary = models.CharField("bénéficiaire", max_length=10, choices=Beneficiary.choices)
    scheme = models.CharField("régime", max_length=20, choices=Scheme.choices)
    monthly_amount = models.DecimalField(
        "cotisation mensuelle (€)",
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        verbose_name = "tarif"
        verbose_name_plural = "tarifs"
        ordering = ["product", "scheme", "beneficiary"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "beneficiary", "scheme"], name="one_rate_per_case"
            ),
            models.CheckConstraint(
                condition=models.Q(monthly_amount__gte=0), name="rate_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.code} {self.get_beneficiary_display()} {self.monthly_amount} €"


class EmployeeShare(models.TextChoices):
    """What the employee pays personally, by SEPA direct debit (the base is the employer's)."""

    OPTIONS = "options", "Les options seulement (bénéficiaires couverts par l'employeur)"
    DEPENDANTS_AND_OPTIONS = "dependants_and_options", "Les bénéficiaires et les options"


class InsuredGroup(models.Model):
    """A category of staff ("groupe d'assurés", e.g. cadres) with its offered coverage."""

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="insured_groups", verbose_name="contrat"
    )
    code = models.CharField("code GA", max_length=20)
    label = models.CharField("libellé", max_length=120)
    base_product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        related_name="base_of_groups",
        verbose_name="garantie de base",
        limit_choices_to={"kind": ProductKind.BASE},
    )
    option_products = models.ManyToManyField(
        Product,
        blank=True,
        related_name="option_of_groups",
        verbose_name="options proposées",
        limit_choices_to={"kind": ProductKind.OPTION},
    )
    employee_pays = models.CharField(
        "à la charge du salarié",
        max_length=30,
        choices=EmployeeShare.choices,
        default=EmployeeShare.DEPENDANTS_AND_OPTIONS,
    )

    class Meta:
        verbose_name = "groupe d'assurés"
        verbose_name_plural = "groupes d'assurés"
        ordering = ["contract", "code"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "code"], name="unique_group_code")
        ]

    def __str__(self) -> str:
        # Every company has its "01ENSP — Non-cadres": the back office names the company too.
        return f"{self.code} — {self.label} — {self.contract.company}"


class Correspondent(User):
    """An HR correspondent login, as the back office manages it (a view of User)."""

    class Meta:
        proxy = True
        verbose_name = "correspondant RH"
        verbose_name_plural = "correspondants RH"


class AccessRight(models.TextChoices):
    """What a person given access to a company may do; every access reads."""

    DECLARE = "declare", "Déclarer et relancer"
    TERMINATE = "terminate", "Résilier"
    MANAGE = "manage", "Gérer les accès"


class DelegateKind(models.TextChoices):
    COLLEAGUE = "colleague", "Collègue"
    ACCOUNTANT = "accountant", "Expert-comptable"
    BROKER = "broker", "Courtier"


class DelegatedAccess(models.Model):
    """Access to one company given by one of its correspondents ("Mes accès") to a colleague,
    its chartered accountant or its broker: chosen rights, an optional last day, revocable.

    The correspondents the insurer names (`Company.correspondents`) hold every right; a person
    with several of these accesses sees each company under the one login (1 e-mail = 1
    identifiant)."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="delegations", verbose_name="entreprise"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="delegations",
        verbose_name="personne",
    )
    kind = models.CharField("qualité", max_length=12, choices=DelegateKind.choices)
    rights = models.JSONField("droits", default=list)
    expires_on = models.DateField("dernier jour", null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    granted_at = models.DateTimeField("donné le", default=timezone.now)
    revoked_at = models.DateTimeField("retiré le", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name = "accès délégué"
        verbose_name_plural = "accès délégués"
        ordering = ["-granted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "user"],
                condition=models.Q(revoked_at=None),
                name="one_live_access_per_person_and_company",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.company}"

    def right_labels(self) -> list[str]:
        labels = dict(AccessRight.choices)
        return ["Lecture", *(labels[r] for r in AccessRight.values if r in self.rights)]

    def is_live(self, today: date) -> bool:
        return self.revoked_at is None and (self.expires_on is None or today <= self.expires_on)
