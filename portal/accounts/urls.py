from django.urls import path

from portal.accounts import views

app_name = "accounts"
urlpatterns = [
    path("connexion/", views.login_view, name="login"),
    path("espace-perso/connexion/", views.member_login_view, name="member_login"),
    path("connexion/code/", views.second_factor_view, name="second_factor"),
    path(
        "connexion/double-authentification/",
        views.enrol_second_factor_view,
        name="enrol_second_factor",
    ),
    path("mon-compte/securite/", views.security_view, name="security"),
    path("deconnexion/", views.logout_view, name="logout"),
    path("mot-de-passe-oublie/", views.password_reset_request_view, name="password_reset"),
    path("mon-compte/mot-de-passe/", views.choose_password_view, name="choose_password"),
    path("mot-de-passe/<str:token>/", views.password_link_view, name="password_link"),
]
