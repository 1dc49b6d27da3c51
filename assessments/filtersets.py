"""Filters of the assessment list API: one FilterSet, so a bad value is a 400 naming the field, not an empty list."""

import django_filters

from questionnaires.models import QuestionnaireKind

from .models import Assessment


class AssessmentFilterSet(django_filters.FilterSet):
    project = django_filters.CharFilter(field_name="project__slug", label="Project slug")
    kind = django_filters.ChoiceFilter(choices=QuestionnaireKind.choices)
    state = django_filters.ChoiceFilter(choices=Assessment.State.choices)

    class Meta:
        model = Assessment
        fields = ["project", "kind", "state"]
