"""Benches log in as staff or HR through the second factor, as people do (issue 12, item 2)."""

from __future__ import annotations

from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.models import User


def log_in_with_second_factor(client: Client, user: User) -> None:
    """The user's session, its password step done (`force_login`: the bench's users have no
    password), then the code step answered with their authenticator app's code now."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Application", confirmed=True)
    device.last_t = -1  # a rerun within the same 30 s may answer the same code again
    device.save(update_fields=["last_t"])
    client.force_login(user)
    code = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits).token()
    response = client.post("/connexion/code/", {"code": f"{code:0{device.digits}d}"})
    assert response.status_code == 302, response.status_code
    assert client.get("/connexion/code/").status_code == 302  # verified: nothing more to ask
