"""DSN files received, their declarations, what each did per individual; and the contracts'
"fiche de paramétrage" (the allowed population and option codes)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from portal.companies.models import Contract, InsuredGroup, Product
from portal.core.crypto import EncryptedCharField
from portal.dsn.outcomes import OutcomeKind


class DsnContract(Contract):
    """A contract seen through its DSN parameters (the back office's "Paramétrage DSN")."""

    class Meta:
        proxy = True
        verbose_name = "paramétrage DSN d'un contrat"
        verbose_name_plural = "paramétrages DSN des contrats"


class ContractPopulation(models.Model):
    """An allowed population code (S21.G00.70.005) of a contract and its insured group."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="dsn_populations", verbose_name="contrat"
    )
    code = models.CharField("code population (S21.G00.70.005)", max_length=30)
    insured_group = models.ForeignKey(
        InsuredGroup, on_delete=models.PROTECT, related_name="+", verbose_name="groupe d'assurés"
    )

    class Meta:
        verbose_name = "code population DSN"
        verbose_name_plural = "codes population DSN"
        ordering = ["contract", "code"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "code"], name="unique_dsn_population")
        ]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        if self.insured_group_id and self.insured_group.contract_id != self.contract_id:
            raise ValidationError(
                {"insured_group": "Ce groupe d'assurés n'appartient pas à ce contrat."}
            )


class ContractOption(models.Model):
    """An allowed option code (S21.G00.70.004) of a contract: an option product, or the base."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="dsn_options", verbose_name="contrat"
    )
    code = models.CharField("code option (S21.G00.70.004)", max_length=30)
    product = models.ForeignKey(
        Product,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="option (vide : garantie de base)",
    )

    class Meta:
        verbose_name = "code option DSN"
        verbose_name_plural = "codes option DSN"
        ordering = ["contract", "code"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "code"], name="unique_dsn_option")
        ]

    def __str__(self) -> str:
        return self.code


class DsnFileStatus(models.TextChoices):
    QUEUED = "queued", "En attente de traitement"
    READING = "reading", "Lecture en cours"
    APPLYING = "applying", "Intégration en cours"
    DONE = "done", "Terminé"
    REFUSED = "refused", "Fichier refusé"


def refusal_crm_path(instance: DsnFile, filename: str) -> str:
    """The CRM of a refused file, beside its declarations' folders (dsn/crm/<file>/<rank>/)."""
    return f"dsn/crm/{instance.pk}/refus/{filename}"


class DsnFile(models.Model):
    """A DSN file as received: stored once (its SHA-256), then read and applied by the worker."""

    file = models.FileField("fichier", upload_to="dsn/%Y/%m/")
    original_name = models.CharField("nom du fichier", max_length=255)
    sha256 = models.CharField("empreinte SHA-256", max_length=64, unique=True)
    size = models.PositiveBigIntegerField("taille (octets)", default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="déposé par",
    )
    uploaded_at = models.DateTimeField("déposé le", default=timezone.now)
    status = models.CharField(
        "état", max_length=10, choices=DsnFileStatus.choices, default=DsnFileStatus.QUEUED
    )
    refusal = models.TextField("motif du refus", blank=True)
    declared_version = models.CharField("norme déclarée", max_length=10, blank=True)
    checked_version = models.CharField("norme de contrôle", max_length=10, blank=True)
    test = models.BooleanField("envoi de test", default=False)
    declarations_total = models.PositiveIntegerField("déclarations", default=0)
    declarations_done = models.PositiveIntegerField("déclarations traitées", default=0)
    individual_count = models.PositiveIntegerField("individus", default=0)
    affiliation_count = models.PositiveIntegerField("affiliations", default=0)
    termination_count = models.PositiveIntegerField("résiliations", default=0)
    change_count = models.PositiveIntegerField("changements", default=0)
    anomaly_count = models.PositiveIntegerField("anomalies", default=0)
    rejected_count = models.PositiveIntegerField("rejets", default=0)
    # The parser's findings outside any declaration: `{line, rubrique, value, code, message,
    # severity}` each.
    findings = models.JSONField("anomalies de lecture", default=list, blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)
    # The compte rendu métier of a file refused as a whole (dsn/crm.py), when its envelope
    # says whom to address it to; the CRMs of the declarations of a file read are theirs.
    crm = models.FileField(
        "compte rendu métier du refus (CRM)", upload_to=refusal_crm_path, blank=True
    )
    crm_return_code = models.CharField("code retour du CRM", max_length=1, blank=True)

    class Meta:
        verbose_name = "fichier DSN"
        verbose_name_plural = "fichiers DSN"
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name} ({timezone.localtime(self.uploaded_at):%d/%m/%Y %H:%M})"

    @property
    def crm_file_name(self) -> str:
        """The refusal CRM's own name (dsn.md §4 convention), without its folder; "" when none."""
        return (self.crm.name or "").rsplit("/", 1)[-1]

    @property
    def running(self) -> bool:
        return self.status in {
            DsnFileStatus.QUEUED,
            DsnFileStatus.READING,
            DsnFileStatus.APPLYING,
        }


class DeclarationStatus(models.TextChoices):
    APPLIED = "applied", "Intégrée"
    REJECTED = "rejected", "Rejetée"
    TEST = "test", "Envoi de test (non intégrée)"
    # Annule et remplace (S20.G00.05.002, dsn.md §1.5 and §4): see `portal/dsn/replacing.py`.
    DUPLICATE = "duplicate", "Déjà reçue (non intégrée)"
    REPLACED = "replaced", "Remplacée"
    CANCELLED = "cancelled", "Annulée"
    OUTDATED = "outdated", "Déjà remplacée ou annulée (non intégrée)"


# The counters of a declaration (and of its file), by outcome kind.
COUNTERS = {
    OutcomeKind.AFFILIATION_CREATED: "affiliation_count",
    OutcomeKind.TERMINATION_CREATED: "termination_count",
    OutcomeKind.TERMINATION_UNDONE: "termination_count",
    OutcomeKind.CHANGE: "change_count",
    OutcomeKind.ANOMALY: "anomaly_count",
    OutcomeKind.REJECTED: "rejected_count",
}


def crm_path(instance: DsnDeclaration, filename: str) -> str:
    """One folder per declaration: the CRM keeps its convention name (dsn.md §4), unchanged."""
    return f"dsn/crm/{instance.file_id}/{instance.position}/{filename}"


class DsnDeclaration(models.Model):
    """One declaration (S20) of a file, applied in one transaction."""

    file = models.ForeignKey(
        DsnFile, on_delete=models.CASCADE, related_name="declarations", verbose_name="fichier"
    )
    position = models.PositiveIntegerField("rang dans le fichier")
    line = models.PositiveIntegerField("ligne", null=True, blank=True)
    siret = models.CharField("SIRET", max_length=14, blank=True)
    company = models.ForeignKey(
        "companies.Company",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dsn_declarations",
        verbose_name="entreprise",
    )
    nature = models.CharField("nature (S20.G00.05.001)", max_length=2, blank=True)
    kind = models.CharField("type (S20.G00.05.002)", max_length=2, blank=True)
    month = models.DateField("mois déclaré", null=True, blank=True)
    fraction = models.CharField("fraction", max_length=2, blank=True)
    sequence = models.CharField("numéro d'ordre (S20.G00.05.004)", max_length=10, blank=True)
    declaration_id = models.CharField("identifiant (S20.G00.96.902)", max_length=30, blank=True)
    replaced_id = models.CharField(
        "déclaration remplacée (S20.G00.05.006)", max_length=30, blank=True
    )
    envoi_id = models.CharField(
        "identifiant de l'envoi (S10.G00.95.900)", max_length=30, blank=True
    )
    status = models.CharField("état", max_length=10, choices=DeclarationStatus.choices)
    # The declaration that replaced or cancelled this one (annule et remplace), or that it
    # repeats (a duplicate), or that had already replaced or cancelled it when it arrived.
    superseded_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="remplacée ou annulée par",
    )
    individual_count = models.PositiveIntegerField("individus", default=0)
    affiliation_count = models.PositiveIntegerField("affiliations", default=0)
    termination_count = models.PositiveIntegerField("résiliations", default=0)
    change_count = models.PositiveIntegerField("changements", default=0)
    anomaly_count = models.PositiveIntegerField("anomalies", default=0)
    rejected_count = models.PositiveIntegerField("rejets", default=0)
    # The parser's findings in this declaration, with their line numbers.
    findings = models.JSONField("anomalies de lecture", default=list, blank=True)
    applied_at = models.DateTimeField("traitée le", default=timezone.now)
    # The compte rendu métier (dsn/crm.py), written in the declaration's transaction; none
    # for a test envoi.
    crm = models.FileField("compte rendu métier (CRM)", upload_to=crm_path, blank=True)
    crm_return_code = models.CharField("code retour du CRM", max_length=1, blank=True)

    class Meta:
        verbose_name = "déclaration DSN"
        verbose_name_plural = "déclarations DSN"
        ordering = ["file", "position"]
        constraints = [
            models.UniqueConstraint(fields=["file", "position"], name="unique_dsn_declaration")
        ]

    def __str__(self) -> str:
        return f"Déclaration {self.position} — {self.siret or 'SIRET inconnu'}"

    @property
    def crm_file_name(self) -> str:
        """The CRM's own name (dsn.md §4 convention), without its folder; "" when none."""
        return (self.crm.name or "").rsplit("/", 1)[-1]


class DsnOutcome(models.Model):
    """What applying a declaration did for one individual (or about one S15 block)."""

    declaration = models.ForeignKey(
        DsnDeclaration,
        on_delete=models.CASCADE,
        related_name="outcomes",
        verbose_name="déclaration",
    )
    position = models.PositiveIntegerField("rang")
    kind = models.CharField(
        "résultat", max_length=20, choices=[(k.value, k.label) for k in OutcomeKind]
    )
    nir = EncryptedCharField("NIR", blank=True)
    nir_digest = models.CharField(max_length=64, blank=True, db_index=True)
    name = models.CharField("nom et prénom", max_length=200, blank=True)
    # The identity as declared (S21.G00.30.002 / .004 / .006), compared with the portal's by
    # the employer's "Rapprochement DSN".
    declared_last_name = models.CharField("nom déclaré", max_length=80, blank=True)
    declared_first_names = models.CharField("prénoms déclarés", max_length=80, blank=True)
    declared_birth_date = models.DateField("date de naissance déclarée", null=True, blank=True)
    code = models.CharField("code retour", max_length=40, blank=True)
    message = models.TextField("message", blank=True)
    line = models.PositiveIntegerField("ligne", null=True, blank=True)
    rubrique = models.CharField("rubrique", max_length=20, blank=True)
    value = models.CharField("valeur", max_length=300, blank=True)
    request = models.ForeignKey(
        "tracking.Request",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="demande",
    )
    # The affiliation it is about, as declared (what a later monthly DSN is compared with).
    contract = models.ForeignKey(
        Contract,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="contrat",
    )
    option = models.CharField("code option", max_length=30, blank=True)
    population = models.CharField("code population", max_length=30, blank=True)
    # An anomaly staff looked at ("Anomalies DSN" on "À traiter"): `mark_anomaly_handled`.
    handled_at = models.DateTimeField("traitée le", null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="traitée par",
    )

    class Meta:
        verbose_name = "résultat DSN"
        verbose_name_plural = "résultats DSN"
        ordering = ["declaration", "position"]
        indexes = [
            models.Index(fields=["contract", "nir_digest"]),
            # The anomalies still to handle, oldest first, without reading the others.
            models.Index(
                fields=["declaration", "position"],
                condition=models.Q(kind="anomaly", handled_at=None),
                name="dsn_outcome_open_anomaly",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name or 'Déclaration'} : {OutcomeKind(self.kind).label}"
