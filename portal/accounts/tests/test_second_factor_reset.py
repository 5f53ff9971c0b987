"""Staff reset a lost phone's second factor from the back office: the login enrols again."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts import second_factor
from portal.accounts.models import User
from portal.accounts.tests.test_second_factor import code_for
from portal.core.models import AuditEvent


@pytest.mark.django_db
def test_staff_reset_a_correspondents_second_factor(
    client: Client, staff_user: User, correspondent_a: User
) -> None:
    key = second_factor.new_key()
    second_factor.enrol_authenticator(user=correspondent_a, hex_key=key, code=code_for(key))
    client.force_login(staff_user)

    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [correspondent_a.pk]},
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=correspondent_a).exists()
    assert not StaticDevice.objects.filter(user=correspondent_a).exists()
    event = AuditEvent.objects.get(action="second_factor_reset")
    assert (event.actor_id, event.target_id) == (staff_user.pk, str(correspondent_a.pk))
