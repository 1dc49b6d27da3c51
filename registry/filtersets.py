"""One FilterSet for the inventory, shared by the list page and the API list (as NetBox does)."""

import django_filters
from django import forms
from django.db.models import Q

from .choices import Archetype, Exposure, Stage
from .models import Component, Project, Tag, Team


class StrictBooleanField(forms.NullBooleanField):
    """``true`` or ``false`` (empty: unset), as the API schema says; anything else is an error, not read as unset."""

    widget = forms.TextInput  # the raw text: NullBooleanSelect would read anything unknown as "unset"

    def to_python(self, value):
        values = {None: None, "": None, "true": True, "false": False}
        if value not in values:
            raise forms.ValidationError("Write true or false.")
        return values[value]

    def validate(self, value):
        pass


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class ProjectFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Search")
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.all(), to_field_name="slug", field_name="team", empty_label="Any team"
    )
    stage = django_filters.ChoiceFilter(choices=Stage.choices, empty_label="Any stage")
    exposure = django_filters.ChoiceFilter(choices=Exposure.choices, empty_label="Any exposure")
    archetype = django_filters.ChoiceFilter(choices=Archetype.choices, empty_label="Any archetype")
    tag = django_filters.ModelChoiceFilter(
        queryset=Tag.objects.all(), to_field_name="slug", field_name="tags", empty_label="Any tag"
    )
    archived = StrictBooleanFilter(
        method="filter_archived",
        label="Show",
        help_text="true: archived projects only; unset or false: active projects only.",
        widget=forms.Select(choices=[("", "Active projects"), ("true", "Archived projects")]),
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("name", "name"),
            ("team__name", "team"),
            ("stage", "stage"),
            ("exposure", "exposure"),
            ("archetype", "archetype"),
            ("run_cost_per_month", "run_cost"),
            ("updated_at", "updated"),
        ),
        field_labels={"team__name": "Team", "run_cost_per_month": "Run cost", "updated_at": "Last updated"},
    )

    class Meta:
        model = Project
        fields = ["q", "team", "stage", "exposure", "archetype", "tag", "archived"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(slug__icontains=value) | Q(description__icontains=value))

    def filter_archived(self, queryset, name, value):
        # Applied in filter_queryset so that "unset" also hides archived projects.
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("archived"):
            queryset = queryset.filter(archived_at__isnull=False)
        else:
            queryset = queryset.filter(archived_at__isnull=True)
        # Always a total order: by the chosen columns (or the name), then the primary key. Without the tie-breaker,
        # projects sharing a team or stage could show on two pages, or none, as the reader pages through.
        chosen = [field for field in queryset.query.order_by if field]
        return queryset.order_by(*(chosen or ["name"]), "pk")


class ComponentFilterSet(django_filters.FilterSet):
    """The component list API's filter: ``project`` (slug)."""

    project = django_filters.CharFilter(field_name="project__slug", label="Project slug")

    class Meta:
        model = Component
        fields = ["project"]
