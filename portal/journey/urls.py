from django.urls import path

from portal.journey import journey_views, signature_views, views

app_name = "journey"
urlpatterns = [
    path("adhesion/<str:token>/", views.activate, name="activate"),
    path("mon-espace/", views.space, name="space"),
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
]
