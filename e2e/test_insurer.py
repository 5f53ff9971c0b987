"""Journey: the insurer's check of a signed dossier, from "À traiter" to the member's card.

Staff open "À traiter", take the signed dossier ("Je prends"), open it and see its signature
validated with the signer, "Mettre en gestion"; the employee logs in, downloads the card from
"Mon espace", and the card's QR code URL says it is valid today."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import declare
from e2e.conftest import log_in
from portal.accounts.models import User
from portal.backoffice.tests.conftest import sign
from portal.cards.models import MembershipCard
from portal.cards.verification import verification_url
from portal.companies.models import Company
from portal.enrollment.models import Membership, MembershipStatus
from portal.tracking.models import Request, State
from portal.waivers.tests.pdf_text import pdf_text, squeezed

STAFF_PASSWORD = "Gestion-2026!"
MEMBER_PASSWORD = "Adherent-2026!"


def with_password(user: User, password: str) -> User:
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    return user


def test_staff_check_a_signed_dossier_and_the_member_downloads_a_valid_card(
    postal_codes: None, page: Page, company_a: Company, staff_user: User
) -> None:
    declared = declare(company_a)
    membership: Membership = declared.membership
    sign(membership)
    request = Request.objects.get(pk=declared.pk)
    assert request.state == State.IN_PROGRESS
    with_password(staff_user, STAFF_PASSWORD)

    # Staff: "À traiter", "Je prends", the dossier with its validated signature.
    log_in(page, staff_user.email, STAFF_PASSWORD)
    expect(page.get_by_role("heading", name="À traiter")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="SIMON Cédric")
    row.get_by_role("button", name="Je prends").click()
    row = page.get_by_role("row").filter(has_text="SIMON Cédric")
    expect(row.get_by_role("button", name="Libérer")).to_be_visible()
    request.refresh_from_db()
    assert request.assigned_to_id == staff_user.pk
    row.get_by_role("link", name="SIMON Cédric").click()
    expect(page.get_by_role("heading", name="Dossier signé")).to_be_visible()
    signatures = page.locator("tr").filter(has_text="Signature valide")
    expect(signatures.first).to_contain_text("(document intact)")
    # The signer: the insurer's sealing certificate, as pyHanko's validation names it.
    expect(signatures.first).to_contain_text(
        f"Organization: {settings.PORTAL_BRAND['insurer_name']}"
    )
    expect(page.get_by_text("Signature invalide")).to_have_count(0)
    page.get_by_role("button", name="Mettre en gestion").click()
    expect(page.get_by_text("dossier mis en gestion, demande clôturée")).to_be_visible()
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert Request.objects.get(pk=request.pk).state == State.CLOSED

    # The employee: "Mon espace", the card's PDF.
    page.context.clear_cookies()
    member = membership.employee.user
    assert member is not None
    with_password(member, MEMBER_PASSWORD)
    log_in(page, member.email, MEMBER_PASSWORD)
    page.goto("/mon-espace/")
    expect(page.get_by_role("heading", name="Ma carte mutualiste")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger ma carte (PDF)").click()
    card = MembershipCard.objects.get(membership=membership, superseded_at=None)
    assert download.value.suggested_filename == (
        f"carte-mutualiste-{membership.member_number}-v{card.version}.pdf"
    )
    path = download.value.path()
    assert path is not None
    content = squeezed(pdf_text(path.read_bytes()))
    assert content.count(f"N°adhérent:{membership.member_number}") == 2
    assert content.count("Adhérent:CédricSIMON,né(e)le14/05/1985") == 2

    # The QR code's URL: the public verification says the card is valid today.
    page.context.clear_cookies()
    page.goto(verification_url(card))
    today = timezone.localdate().strftime("%d/%m/%Y")
    expect(page.get_by_role("status")).to_have_text(f"Carte valide le {today}")
