import re

from django import forms
from django.core.exceptions import ValidationError

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


THRESHOLD_LINE = re.compile(r"^\s*([^<>=\s][^<>=]*?)\s*(>=|<=)\s*(\S+)\s*$")


def thresholds_text(thresholds) -> str:
    """``[{"names": [...], "min": x}]`` as the form shows it: ``faithfulness | groundedness >= 0.8`` per line."""
    lines = []
    for item in thresholds:
        sign, value = (">=", item["min"]) if "min" in item else ("<=", item["max"])
        lines.append(f"{' | '.join(item['names'])} {sign} {value:g}")
    return "\n".join(lines)


class ThresholdsForm(forms.Form):
    """A proposed version of a project's evaluation thresholds, one per line; validated again by the service."""

    thresholds = forms.CharField(
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "code"}),
        help_text="One metric per line: name >= minimum, or name <= maximum; alternative names of one metric "
        "joined by | (faithfulness | groundedness >= 0.8).",
    )
    note = forms.CharField(max_length=250, required=False, help_text="Why these thresholds.")

    def clean_thresholds(self):
        out = []
        for number, line in enumerate(self.cleaned_data["thresholds"].splitlines(), start=1):
            if not line.strip():
                continue
            match = THRESHOLD_LINE.match(line)
            if not match:
                raise forms.ValidationError(f"Line {number}: write name >= number or name <= number.")
            try:
                value = float(limits.parse_number(match.group(3)))
            except ValidationError as exc:
                raise forms.ValidationError(f"Line {number}: {exc.messages[0]}") from None
            names = [n.strip() for n in match.group(1).split("|") if n.strip()]
            out.append({"names": names, "min" if match.group(2) == ">=" else "max": value})
        if not out:
            raise forms.ValidationError("Give at least one threshold.")
        return out


class ThresholdsDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    note = forms.CharField(max_length=250, required=False)
