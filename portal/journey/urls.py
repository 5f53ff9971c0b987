from django.urls import path

from portal.journey import (
    bank_views,
    journey_views,
    portability_views,
    signature_views,
    space_views,
    views,
    waiver_end_views,
)

app_name = "journey"
urlpatterns = [
    path("adhesion/nouveau-lien/", views.new_link, name="new_link"),
    path("adhesion/nouveau-lien/code/", views.new_link_code, name="new_link_code"),
    path("adhesion/<str:token>/", views.activate, name="activate"),
    path("mon-espace/", space_views.home, name="space"),
    path("mon-espace/carte/<int:membership_id>/", space_views.card_page, name="space_card"),
    path("mon-espace/garanties/", space_views.coverage, name="space_coverage"),
    path("mon-espace/coordonnees/", space_views.contact_details, name="space_contact"),
    path(
        "espace-perso/confirmer-email/<str:token>/",
        space_views.email_confirm,
        name="space_email_confirm",
    ),
    path("mon-espace/documents/", space_views.documents, name="space_documents"),
    path(
        "mon-espace/documents/attestation-portabilite/<int:termination_id>.pdf",
        space_views.portability,
        name="space_portability",
    ),
    path(
        "mon-espace/portabilite/",
        portability_views.portability_page,
        name="space_portability_page",
    ),
    path(
        "mon-espace/portabilite/justificatifs/<int:proof_id>/",
        portability_views.send_proof,
        name="space_portability_proof",
    ),
    path(
        "mon-espace/portabilite/<int:termination_id>/fin/",
        portability_views.declare_end,
        name="space_portability_end",
    ),
    path("mon-espace/demandes/", space_views.my_requests, name="space_requests"),
    path(
        "mon-espace/dispense/<int:membership_id>/nouveau-justificatif/",
        waiver_end_views.renew,
        name="waiver_renew",
    ),
    path(
        "mon-espace/dispense/<int:membership_id>/adherer/",
        waiver_end_views.give_up,
        name="waiver_give_up",
    ),
    path("mon-espace/carte/<int:membership_id>.pdf", views.card, name="card"),
    path("mon-espace/adhesion/<int:membership_id>/", journey_views.resume, name="resume"),
    path(
        "mon-espace/adhesion/<int:membership_id>/profil/",
        journey_views.profile,
        name="profile",
    ),
    path(
        "mon-espace/adhesion/<int:membership_id>/beneficiaires/",
        journey_views.dependants,
        name="dependants",
    ),
    path(
        "mon-espace/adhesion/<int:membership_id>/beneficiaires/ajouter/",
        journey_views.dependant,
        name="add_dependant",
    ),
    path(
        "mon-espace/adhesion/<int:membership_id>/beneficiaires/<int:dependant_id>/",
        journey_views.dependant,
        name="edit_dependant",
    ),
    path(
        "mon-espace/adhesion/<int:membership_id>/beneficiaires/<int:dependant_id>/supprimer/",
        journey_views.remove_dependant,
        name="remove_dependant",
    ),
    path(
        "mon-espace/adhesion/<int:membership_id>/garanties/",
        journey_views.coverage,
        name="coverage",
    ),
    path(
        "mon-espace/adhesion/<int:membership_id>/garanties/<int:product_id>/tableau.pdf",
        journey_views.coverage_table,
        name="coverage_table",
    ),
    path(
        "mon-espace/adhesion/<int:membership_id>/coordonnees-bancaires/",
        journey_views.bank,
        name="bank",
    ),
    path(
        "mon-espace/adhesion/<int:membership_id>/signature/",
        signature_views.signature,
        name="signature",
    ),
    path(
        "mon-espace/adhesion/<int:membership_id>/signature/recapitulatif/",
        signature_views.summary,
        name="summary",
    ),
    path(
        "mon-espace/adhesion/<int:membership_id>/signature/bulletin/",
        signature_views.bulletin,
        name="bulletin",
    ),
    path(
        "mon-espace/adhesion/<int:membership_id>/signature/bulletin.pdf",
        signature_views.bulletin_pdf,
        name="bulletin_pdf",
    ),
    path(
        "mon-espace/adhesion/<int:membership_id>/signature/sms/",
        signature_views.sms,
        name="sms",
    ),
    path(
        "mon-espace/adhesion/<int:membership_id>/signature/code/",
        signature_views.code,
        name="code",
    ),
    path(
        "mon-espace/adhesion/<int:membership_id>/terminee/",
        signature_views.done,
        name="done",
    ),
    path(
        "mon-espace/adhesion/<int:membership_id>/dispense/",
        signature_views.waiver,
        name="waiver",
    ),
    path(
        "mon-espace/adhesion/<int:membership_id>/dispense/signature/",
        signature_views.waiver_sign,
        name="waiver_sign",
    ),
    path(
        "mon-espace/adhesion/<int:membership_id>/dispense/demande.pdf",
        signature_views.waiver_pdf,
        name="waiver_pdf",
    ),
    path(
        "mon-espace/adhesion/<int:membership_id>/dispense/sms/",
        signature_views.sms,
        {"purpose": "waiver"},
        name="waiver_sms",
    ),
    path(
        "mon-espace/adhesion/<int:membership_id>/dispense/code/",
        signature_views.code,
        {"purpose": "waiver"},
        name="waiver_code",
    ),
    path(
        "mon-espace/adhesion/<int:membership_id>/dispense/enregistree/",
        signature_views.waiver_done,
        name="waiver_done",
    ),
    # "Mes coordonnées bancaires" (portal/journey/bank_views.py)
    path("mon-espace/coordonnees-bancaires/", bank_views.space_bank, name="space_bank"),
    path(
        "mon-espace/coordonnees-bancaires/<int:membership_id>/prelevement/",
        bank_views.space_bank_debit,
        name="space_bank_debit",
    ),
    path(
        "mon-espace/coordonnees-bancaires/<int:membership_id>/prelevement/mandat/",
        bank_views.space_bank_mandate,
        name="space_bank_mandate",
    ),
    path(
        "mon-espace/coordonnees-bancaires/<int:membership_id>/prelevement/mandat.pdf",
        bank_views.space_bank_mandate_pdf,
        name="space_bank_mandate_pdf",
    ),
    path(
        "mon-espace/coordonnees-bancaires/<int:membership_id>/prelevement/sms/",
        bank_views.space_bank_sms,
        name="space_bank_sms",
    ),
    path(
        "mon-espace/coordonnees-bancaires/<int:membership_id>/prelevement/code/",
        bank_views.space_bank_code,
        name="space_bank_code",
    ),
    path(
        "mon-espace/coordonnees-bancaires/<int:membership_id>/prelevement/signe/",
        bank_views.space_bank_done,
        name="space_bank_done",
    ),
    path(
        "mon-espace/coordonnees-bancaires/<int:membership_id>/prestations/",
        bank_views.space_bank_benefits,
        name="space_bank_benefits",
    ),
    path(
        "mon-espace/coordonnees-bancaires/<int:membership_id>/prestations/<int:dependant_id>/",
        bank_views.space_bank_benefits,
        name="space_bank_dependant_benefits",
    ),
]
