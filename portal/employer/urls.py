from django.urls import path

from portal.employer import views

app_name = "employer"
base = "entreprises/<int:company_id>/"
urlpatterns = [
    path(base, views.home, name="home"),
    path(f"{base}mes-collaborateurs/", views.employees_list, name="employees"),
    path(f"{base}mes-collaborateurs/<int:employee_id>/", views.employee_detail, name="employee"),
    path(
        f"{base}mes-collaborateurs/export.<spreadsheet:extension>",
        views.export_employees,
        name="export",
    ),
]
