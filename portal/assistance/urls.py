from django.urls import path

from portal.assistance import views

app_name = "assistance"
urlpatterns = [
    path("mon-espace/assistance/", views.member, name="member"),
    path("mon-espace/assistance/code/", views.issue, name="issue"),
    path("mon-espace/assistance/revoquer/", views.revoke, name="revoke"),
]
