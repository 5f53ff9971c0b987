from django.urls import path

from portal.enrollment import views

app_name = "enrollment"
urlpatterns = [
    path("adhesion/<str:token>/", views.activate, name="activate"),
    path("mon-espace/", views.space, name="space"),
]
