from django.urls import path

from portal.companies import access_views, views

app_name = "companies"
urlpatterns = [
    path("entreprises/", views.choose_company, name="choose"),
    path("entreprises/<int:company_id>/mon-entreprise/", views.my_company, name="my_company"),
    path("entreprises/<int:company_id>/mes-documents/", views.documents, name="documents"),
    path("entreprises/<int:company_id>/prevoyance/", views.provident, name="provident"),
    path("entreprises/<int:company_id>/mes-acces/", access_views.accesses, name="accesses"),
    path(
        "entreprises/<int:company_id>/mes-acces/<int:access_id>/retirer/",
        access_views.withdraw,
        name="withdraw_access",
    ),
    path(
        "entreprises/<int:company_id>/garanties/<int:product_id>/tableau.pdf",
        views.coverage_table,
        name="coverage_table",
    ),
]
