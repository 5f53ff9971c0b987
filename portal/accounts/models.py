"""Logins: one user per e-mail (or per identifier for people without e-mail), with one role."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class Role(models.TextChoices):
    CORRESPONDENT = "correspondent", "Correspondant RH"
    MEMBER = "member", "Salarié adhérent"
    STAFF = "staff", "Gestionnaire de la mutuelle"


class UserManager(BaseUserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        if not user.identifier:
            user.identifier = new_identifier()
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.update(role=Role.STAFF, is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


def new_identifier() -> str:
    """A login identifier that is not the e-mail: 10 digits, for letters and phone support."""
    return f"{secrets.randbelow(10**10):010d}"


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in: HR correspondent, employee or insurer staff."""

    identifier = models.CharField("identifiant", max_length=40, unique=True, default=new_identifier)
    # Blank for an employee declared without e-mail: they log in with their identifier.
    email = models.EmailField("adresse e-mail", blank=True)
    first_name = models.CharField("prénom", max_length=150, blank=True)
    last_name = models.CharField("nom", max_length=150, blank=True)
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    is_active = models.BooleanField("actif", default=True)
    is_staff = models.BooleanField("accès au back-office", default=False)
    date_joined = models.DateTimeField("créé le", default=timezone.now)
    # Set when the account's password was printed on a letter (provisional password): the user
    # must choose their own before using the portal.
    password_change_required = models.BooleanField("doit choisir son mot de passe", default=False)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "identifier"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="unique_user_email"
            ),
            models.CheckConstraint(
                condition=models.Q(is_staff=False) | models.Q(role="staff"),
                name="only_staff_role_has_backoffice",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email or self.identifier

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name

    @property
    def is_correspondent(self) -> bool:
        return self.role == Role.CORRESPONDENT


class LinkPurpose(models.TextChoices):
    PASSWORD_RESET = "password_reset", "Mot de passe oublié"
    WELCOME = "welcome", "Création du mot de passe"
    EMAIL_CHANGE = "email_change", "Confirmation d'une nouvelle adresse e-mail"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class OneTimeLink(models.Model):
    """A single-use, time-limited link sent by e-mail to choose a password (stored hashed)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="one_time_links")
    purpose = models.CharField("objet", max_length=20, choices=LinkPurpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField("créé le", default=timezone.now)
    expires_at = models.DateTimeField("expire le")
    used_at = models.DateTimeField("utilisé le", null=True, blank=True)
    # For an e-mail change: the address to confirm (taken by the login once the link is used).
    new_email = models.EmailField("nouvelle adresse e-mail", blank=True)

    class Meta:
        verbose_name = "lien à usage unique"
        verbose_name_plural = "liens à usage unique"

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} — {self.user}"

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at
