"""Forms of the inventory pages. Lists (tags, regions, links) are edited as plain text, one item per line/comma."""

import json

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from accounts import permissions
from accounts.models import User
from config import limits

from . import stage_gate
from .choices import COMPONENT_ATTRIBUTES, ComponentKind, Stage
from .hooks import connectors_described
from .models import PROJECT_EDITABLE_FIELDS, Component, Project, Team
from .services import component_validate
from .validators import clean_links, clean_regions


class ProjectForm(forms.ModelForm):
    tags = forms.CharField(required=False, help_text="Comma-separated, e.g. rag, pii, eu.")
    regions = forms.CharField(required=False, help_text="Regions of users, comma-separated, e.g. EU, UK, US.")
    links = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line: label | https://… (runbook, repository, dashboard).",
    )

    class Meta:
        model = Project
        fields = list(PROJECT_EDITABLE_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "business_goal": forms.Textarea(attrs={"rows": 2}),
            "kpis": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        team_ids = permissions.editable_team_ids(user)
        teams = Team.objects.all()
        if team_ids is not None:
            teams = teams.filter(id__in=team_ids)
        self.fields["team"].queryset = teams
        people = User.objects.filter(is_active=True).order_by("username")
        self.fields["business_owner"].queryset = people
        self.fields["technical_owner"].queryset = people
        for name in ("estimated_build_cost", "run_cost_per_month", "expected_value_per_year"):
            self.fields[name].min_value = 0
            self.fields[name].validators.append(_not_negative)
            self.fields[name].help_text = settings.PLUMBLINE_CURRENCY
        if self.instance.pk:
            self.initial["tags"] = ", ".join(t.name for t in self.instance.tags.all())
            self.initial["regions"] = ", ".join(self.instance.regions or [])
            self.initial["links"] = "\n".join(f"{link['label']} | {link['url']}" for link in self.instance.links or [])
            self.fields["slug"].disabled = True
            self.fields["slug"].help_text = "The slug is the project's address and cannot change."
            self._leave_out_refused_stages()

    def _leave_out_refused_stages(self):
        """Offer no stage the gate refuses now; say which are held back and what the nearest one lacks."""
        refused = stage_gate.refused_moves(project=self.instance)
        if not refused:
            return
        field = self.fields["stage"]
        field.choices = [(value, label) for value, label in field.choices if value not in refused]
        labels = ", ".join(str(Stage(stage).label) for stage in refused)
        nearest, reasons = next(iter(refused.items()))
        shown = " ".join(reasons[:3]) + (f" (and {len(reasons) - 3} more)" if len(reasons) > 3 else "")
        field.help_text = (
            f"Not offered until the stage gate allows them: {labels}. "
            f"For {Stage(nearest).label}: {shown} The project page's stage gate panel lists every requirement."
        )

    def clean_tags(self):
        return [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()]

    def clean_regions(self):
        return clean_regions(self.cleaned_data["regions"])

    def clean_links(self):
        items = []
        for line in self.cleaned_data["links"].splitlines():
            if not line.strip():
                continue
            label, _, url = line.rpartition("|")
            items.append({"label": label.strip(), "url": url.strip()})
        return clean_links(items)

    def service_kwargs(self):
        data = {name: self.cleaned_data[name] for name in self.Meta.fields if name != "tags"}
        if self.instance.pk:
            data.pop("slug")
        return data


def _not_negative(value):
    if value is not None and value < 0:
        raise ValidationError("Enter zero or a positive amount.")


class ComponentForm(forms.Form):
    """Kind-specific attributes become form fields named ``attr_<key>``; secrets are write-only."""

    kind = forms.ChoiceField(choices=ComponentKind.choices)
    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    connector = forms.ChoiceField(required=False, help_text="The connector that gathers evidence from it.")
    connector_settings = forms.CharField(
        required=False,
        label="Other settings (JSON)",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional: settings as a JSON object, e.g. lists as JSON lists; the fields above take precedence.",
    )
    secrets = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
        help_text="Write-only, one per line: name=value. Stored encrypted and never shown again; "
        "name= with no value removes a secret. Leave empty to keep the stored secrets.",
    )

    def __init__(self, *args, project, instance=None, **kwargs):
        self.project = project
        self.instance = instance
        self.connectors = connectors_described()
        self.setting_names = {
            f"setting_{c['alias']}__{f['name']}": (c["alias"], f["name"])
            for c in self.connectors
            for f in c["settings"]
        }
        if instance is not None and "initial" not in kwargs:
            stored = dict(instance.connector_settings or {})
            shown = {
                field: _as_text(stored.pop(key))
                for field, (alias, key) in self.setting_names.items()
                if alias == instance.connector and key in stored
            }
            kwargs["initial"] = {
                "kind": instance.kind,
                "name": instance.name,
                "description": instance.description,
                "connector": instance.connector,
                "connector_settings": json.dumps(stored) if stored else "",
                **shown,
                **{f"attr_{k}": v for k, v in (instance.attributes or {}).items()},
            }
        super().__init__(*args, **kwargs)
        self.fields["connector"].choices = [("", "None"), *((a, a) for a in settings.PLUMBLINE_CONNECTORS)]
        self.connector_help = connector_parameters_help()
        self.setting_fields = []
        for connector in self.connectors:
            for setting in connector["settings"]:
                name = f"setting_{connector['alias']}__{setting['name']}"
                help_text = setting["help"] + (" Required." if setting["required"] else "")
                self.fields[name] = forms.CharField(
                    required=False, label=setting["label"], help_text=help_text.strip()
                )  # required-ness depends on the connector chosen: the connector's own validation says so
                self.fields[name].widget.attrs["data-connector"] = connector["alias"]
                self.setting_fields.append(name)
        self.attribute_fields = []
        for kind, attributes in COMPONENT_ATTRIBUTES.items():
            for key, label, help_text in attributes:
                name = f"attr_{key}"
                if name not in self.fields:
                    self.fields[name] = forms.CharField(required=False, label=label, help_text=help_text)
                    self.fields[name].widget.attrs["data-kinds"] = ""
                    self.attribute_fields.append(name)
                # The page shows only the attributes of the chosen kind (plain JS in the template).
                self.fields[name].widget.attrs["data-kinds"] += f" {kind}"

    def basic_fields(self):
        return [self[name] for name in ("kind", "name", "description")]

    def attribute_bound_fields(self):
        return [self[name] for name in self.attribute_fields]

    def connector_fields(self):
        return [self["connector"]]

    def connector_setting_fields(self):
        return [self[name] for name in self.setting_fields]

    def connector_extra_fields(self):
        return [self[name] for name in ("connector_settings", "secrets")]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        others = Component.objects.filter(project=self.project, name=name)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError("This project already has a component with this name; choose another name.")
        return name

    def clean_connector_settings(self):
        raw = self.cleaned_data["connector_settings"].strip()
        if not raw:
            return {}
        try:
            value = limits.json_loads(raw)
        except limits.InputLimitError as exc:
            raise ValidationError(exc.message) from None
        if not isinstance(value, dict):
            raise ValidationError('Write a JSON object, e.g. {"experiment": "name"}.')
        return value

    def clean_secrets(self):
        raw = self.cleaned_data["secrets"]
        if not raw.strip():
            return None
        values = {}
        for number, line in enumerate(raw.splitlines(), start=1):
            if not line.strip():
                continue
            key, sep, value = line.partition("=")
            if not sep or not key.strip():
                raise ValidationError(f"Line {number}: write name=value.")
            values[key.strip()] = value.strip()
        return values

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind is None:
            return cleaned
        keys = [key for key, _l, _h in COMPONENT_ATTRIBUTES.get(kind, [])]
        cleaned["attributes"] = {k: cleaned.get(f"attr_{k}", "").strip() for k in keys if cleaned.get(f"attr_{k}")}
        if "connector_settings" in cleaned and "connector" in cleaned:
            typed = {
                key: cleaned[field].strip()
                for field, (alias, key) in self.setting_names.items()
                if alias == cleaned["connector"] and cleaned.get(field, "").strip()
            }
            cleaned["connector_settings"] = {**cleaned["connector_settings"], **typed}
            errors = component_validate(
                kind=kind,
                attributes=cleaned["attributes"],
                connector=cleaned["connector"],
                connector_settings=cleaned["connector_settings"],
            )
            for field, messages in errors.items():
                for message in messages:
                    self.add_error(*self._placed(field, message, cleaned["connector"]))
        return cleaned

    def _placed(self, field, message, connector):
        """Where an error goes: on a connector setting's own field (without the "key: " prefix) when the form
        shows that setting, else on the field it names, else on the form."""
        if field == "connector_settings":
            key, sep, rest = message.partition(": ")
            name = f"setting_{connector}__{key}"
            if sep and name in self.fields:
                return name, rest
        return (field if field in self.fields else None), message

    def service_kwargs(self):
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "name": data["name"],
            "description": data["description"],
            "attributes": data["attributes"],
            "connector": data["connector"],
            "connector_settings": data["connector_settings"],
            "secrets": data["secrets"],
        }


def connector_parameters_help() -> list[tuple[str, str]]:
    """``(alias, settings)`` in words, so people know what each connector takes (also in the JSON box)."""
    return [
        (c["alias"], ", ".join(f["name"] + (" (required)" if f["required"] else "") for f in c["settings"]) or "none")
        for c in connectors_described()
    ]


def _as_text(value) -> str:
    """A stored setting as the text its form field shows (lists comma-separated)."""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


class ImportForm(forms.Form):
    files = forms.FileField(
        label="Inventory file",
        help_text="CSV or YAML exported from Plumbline, or a Backstage catalog-info.yaml.",
    )
    dry_run = forms.BooleanField(required=False, initial=True, label="Preview only (import nothing)")

    def clean_files(self):
        upload = self.cleaned_data["files"]
        limit = settings.PLUMBLINE_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise ValidationError(
                f"The file is {upload.size:,} bytes; the limit is {limit:,}. Split it and import the parts."
            )
        return upload
