"""The endpoint form: address, description and the events to receive."""

from __future__ import annotations

from django import forms

from portal.core.errors import Problem
from portal.webhooks.choices import EventType
from portal.webhooks.models import WebhookEndpoint
from portal.webhooks.rules import URL_MAX_LENGTH


class EndpointForm(forms.Form):
    url = forms.CharField(
        label="Adresse (URL)",
        max_length=URL_MAX_LENGTH,
        widget=forms.URLInput(attrs={"autocomplete": "url", "spellcheck": "false"}),
        help_text="L'adresse https:// de votre logiciel qui recevra les notifications.",
    )
    description = forms.CharField(
        label="Description",
        max_length=200,
        required=False,
        help_text="Pour la reconnaître : le logiciel ou le service qui la reçoit.",
    )
    events = forms.MultipleChoiceField(
        label="Événements à recevoir",
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,  # "none chosen" is the service's error, with its message
    )

    @classmethod
    def of(cls, endpoint: WebhookEndpoint) -> EndpointForm:
        return cls(
            initial={
                "url": endpoint.url,
                "description": endpoint.description,
                "events": endpoint.events,
            }
        )

    def show(self, problems: list[Problem]) -> None:
        """The service's problems, each next to its field."""
        for problem in problems:
            self.add_error(problem.field if problem.field in self.fields else None, problem.message)
