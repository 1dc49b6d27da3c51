import json

from django import forms

from registry.choices import Stage


class PolicyForm(forms.Form):
    """A new policy version as JSON; the JSON and the rules are validated by ``gates.services.policy_create``."""

    rules = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false", "class": "code"}),
        help_text="The whole policy as JSON; see docs/gate-policy.md. Saving creates a new version.",
    )
    note = forms.CharField(max_length=250, required=False, help_text="What changed and why.")

    def clean_rules(self):
        try:
            return json.loads(self.cleaned_data["rules"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"Not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}.") from exc


class MoveStageForm(forms.Form):
    stage = forms.ChoiceField(choices=Stage.choices)
