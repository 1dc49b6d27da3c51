from django import forms

from config import limits
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
            return limits.json_loads(self.cleaned_data["rules"])
        except limits.InputLimitError as exc:
            raise forms.ValidationError(exc.message) from None


class MoveStageForm(forms.Form):
    stage = forms.ChoiceField(choices=Stage.choices)
