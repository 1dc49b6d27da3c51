from django import forms

from .models import ApiToken

# The project model, reached through the token's foreign key: accounts sits below registry (pyproject.toml
# import-linter contracts) and never imports it.
Project = ApiToken._meta.get_field("project").related_model


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What will use it, e.g. “CI of listing-assistant”.")
    scope = forms.ChoiceField(choices=ApiToken.Scope.choices)
    project = forms.ModelChoiceField(
        queryset=Project.objects.none(),
        required=False,
        to_field_name="slug",
        empty_label="All projects (no limit)",
        help_text="Limit the token to one project (required for CI tokens).",
    )
    expires_in_days = forms.IntegerField(
        required=False, min_value=1, max_value=3650, help_text="Days until it stops working; empty for never."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.active().order_by("name")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("scope") == ApiToken.Scope.CI and not cleaned.get("project"):
            self.add_error("project", "A CI token acts on one project: choose the project.")
        return cleaned
