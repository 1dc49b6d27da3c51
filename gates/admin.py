"""Admin for policy versions: add a new version (validated), view old ones; never edit or delete a version."""

import json

from django import forms
from django.contrib import admin

from accounts.permissions import is_admin

from . import services
from .models import GatePolicy
from .policy import validate_rules
from .selectors import policy_in_force


class GatePolicyAdminForm(forms.ModelForm):
    class Meta:
        model = GatePolicy
        fields = ["rules", "note"]

    def clean_rules(self):
        rules = self.cleaned_data["rules"]
        errors = validate_rules(rules)
        if errors:
            raise forms.ValidationError([f"{path}: {m}" for path, messages in errors.items() for m in messages])
        return rules


@admin.register(GatePolicy)
class GatePolicyAdmin(admin.ModelAdmin):
    form = GatePolicyAdminForm
    list_display = ["version", "is_active", "note", "created_by", "created_at"]
    readonly_fields = ["version", "created_by", "created_at"]

    def has_module_permission(self, request):
        return is_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_admin(request.user)

    def has_add_permission(self, request):
        return is_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_changeform_initial_data(self, request):
        return {"rules": json.dumps(policy_in_force().rules, indent=2)}

    def save_model(self, request, obj, form, change):
        created = services.policy_create(rules=form.cleaned_data["rules"], note=obj.note, actor=request.user)
        obj.pk, obj.version = created.pk, created.version
