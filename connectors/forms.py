from django import forms

from .loading import all_check_specs


class WaiverForm(forms.Form):
    check_id = forms.ChoiceField(label="Check")
    component = forms.TypedChoiceField(label="Component", coerce=int, required=False, empty_value=None)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), help_text="Why the failure is acceptable.")
    expires_at = forms.DateField(label="Expires on", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["check_id"].choices = [(cid, cid) for cid in all_check_specs()]
        self.fields["component"].choices = [("", "All components")] + [
            (c.pk, c.name) for c in project.components.exclude(connector="")
        ]
