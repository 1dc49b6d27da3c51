"""Admin: webhooks and their delivery log, read-only except switching an endpoint off. Secrets never show."""

from django.contrib import admin

from accounts import permissions as rules

from .models import Delivery, DeliveryAttempt, Endpoint


class AdminsOnly:
    def has_module_permission(self, request):
        return rules.is_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return rules.is_admin(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return rules.is_admin(request.user)


@admin.register(Endpoint)
class EndpointAdmin(AdminsOnly, admin.ModelAdmin):
    list_display = ("url", "team", "project", "format", "is_active", "created_at")
    list_filter = ("format", "is_active", "team")
    fields = ("team", "project", "url", "description", "format", "events", "is_active", "created_by", "created_at")
    readonly_fields = ("team", "project", "url", "description", "format", "events", "created_by", "created_at")

    def has_change_permission(self, request, obj=None):
        return rules.is_admin(request.user)


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = readonly_fields = ("number", "manual", "started_at", "status_code", "duration_ms", "error")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(AdminsOnly, admin.ModelAdmin):
    list_display = ("event", "endpoint", "project", "status", "attempts", "created_at")
    list_filter = ("status", "event")
    readonly_fields = ("endpoint", "project", "event", "event_id", "dedupe_key", "body", "status", "attempts")
    fields = (*readonly_fields, "created_at", "delivered_at")
    inlines = [AttemptInline]

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_change_permission(self, request, obj=None):
        return False
