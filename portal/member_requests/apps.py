from django.apps import AppConfig


class MemberRequestsConfig(AppConfig):
    name = "portal.member_requests"
    label = "member_requests"
    verbose_name = "Demandes des adhérents"
