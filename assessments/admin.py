"""Admin for approvals by domain: approver groups (who signs off each domain) and approval policy versions.

Only Plumbline admins see them. Policy versions are added (validated) and never edited or deleted.
"""

import json

from django import forms
from django.contrib import admin

from accounts.permissions import can_manage_approvals

from . import services
from .approvals import validate_rules
from .models import ApprovalPolicy, ApproverGroup
from .selectors import approval_policy_in_force


class AdminsOnly:
    def has_module_permission(self, request):
        return can_manage_approvals(request.user)

    def has_view_permission(self, request, obj=None):
        return can_manage_approvals(request.user)

    def has_add_permission(self, request):
        return can_manage_approvals(request.user)

    def has_change_permission(self, request, obj=None):
        return can_manage_approvals(request.user)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApproverGroup)
class ApproverGroupAdmin(AdminsOnly, admin.ModelAdmin):
    list_display = ["domain", "name"]
    filter_horizontal = ["members"]

    def get_readonly_fields(self, request, obj=None):
        return ["domain"] if obj else []

    def save_model(self, request, obj, form, change):
        """Members are saved in ``save_related``; the audited write happens there, once."""

    def save_related(self, request, form, formsets, change):
        data = form.cleaned_data
        group = services.approver_group_save(
            group=form.instance if change else None,
            domain=form.instance.domain,
            name=data.get("name"),
            description=data.get("description"),
            members=list(data.get("members") or []),
            actor=request.user,
        )
        form.instance.pk = group.pk


class ApprovalPolicyAdminForm(forms.ModelForm):
    class Meta:
        model = ApprovalPolicy
        fields = ["rules", "note"]

    def clean_rules(self):
        rules = self.cleaned_data["rules"]
        errors = validate_rules(rules)
        if errors:
            raise forms.ValidationError([f"{path}: {m}" for path, messages in errors.items() for m in messages])
        return rules


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(AdminsOnly, admin.ModelAdmin):
    form = ApprovalPolicyAdminForm
    list_display = ["version", "is_active", "note", "created_by", "created_at"]
    readonly_fields = ["version", "created_by", "created_at"]

    def has_change_permission(self, request, obj=None):
        return False

    def get_changeform_initial_data(self, request):
        return {"rules": json.dumps(approval_policy_in_force()[0], indent=2)}

    def save_model(self, request, obj, form, change):
        created = services.approval_policy_create(rules=form.cleaned_data["rules"], note=obj.note, actor=request.user)
        obj.pk, obj.version = created.pk, created.version
