from django import forms

from accounts import permissions as rules
from registry.models import Project, Team

from .events import EVENTS
from .models import Endpoint


class EndpointForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), to_field_name="slug")
    project = forms.ModelChoiceField(
        queryset=Project.objects.none(),
        required=False,
        to_field_name="slug",
        empty_label="Every project of the team",
        help_text="Only one project's events (optional).",
    )
    url = forms.CharField(
        label="URL", max_length=1000, help_text="An https:// address that accepts POST requests with JSON."
    )
    description = forms.CharField(max_length=200, required=False)
    format = forms.ChoiceField(choices=Endpoint.Format.choices, initial=Endpoint.Format.JSON)
    events = forms.MultipleChoiceField(
        choices=[(name, f"{name}: {text}") for name, text in EVENTS.items()],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every event.",
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        team_ids = rules.webhook_team_ids(user)
        teams = Team.objects.order_by("name")
        projects = Project.objects.active().order_by("name")
        if team_ids is not None:
            teams, projects = teams.filter(pk__in=team_ids), projects.filter(team_id__in=team_ids)
        self.fields["team"].queryset = teams
        self.fields["project"].queryset = projects
