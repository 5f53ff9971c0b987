from django.urls import path

from portal.cards import views

app_name = "cards"
urlpatterns = [
    path("carte/verifier/<str:token>/", views.verify, name="verify"),
]
