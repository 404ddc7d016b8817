from django.contrib import admin
from django.contrib.auth.models import Group
from rest_framework.authtoken.admin import TokenProxy

from accounts.models import AuditLogEntry, User
from accounts.services import audit_log_record, model_snapshot

# Roles replace Django's groups; API token keys are secrets and are never
# listed (each user manages their own on the API token page).
admin.site.unregister(Group)
admin.site.unregister(TokenProxy)


class AuditedAdmin(admin.ModelAdmin):
    """Every add, change and delete made in admin goes to the audit log.

    Inline rows are logged one by one, with the same before/after diff.
    """

    def _action(self, obj, verb):
        return f"{obj._meta.label_lower}.{verb}"

    def _stored(self, obj):
        return model_snapshot(type(obj)._default_manager.get(pk=obj.pk))

    def save_model(self, request, obj, form, change):
        before = self._stored(obj) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        audit_log_record(
            actor=request.user,
            action=self._action(obj, "update" if change else "create"),
            obj=obj,
            before=before,
            after=model_snapshot(obj),
            request=request,
        )

    def delete_model(self, request, obj):
        before, pk = model_snapshot(obj), obj.pk
        super().delete_model(request, obj)
        obj.pk = pk  # keep the id in the log entry
        audit_log_record(
            actor=request.user,
            action=self._action(obj, "delete"),
            obj=obj,
            before=before,
            request=request,
        )

    def delete_queryset(self, request, queryset):
        snapshots = [(obj, model_snapshot(obj)) for obj in queryset]
        super().delete_queryset(request, queryset)
        for obj, before in snapshots:
            audit_log_record(
                actor=request.user,
                action=self._action(obj, "delete"),
                obj=obj,
                before=before,
                request=request,
            )

    def save_formset(self, request, form, formset, change):
        befores = {
            f.instance.pk: self._stored(f.instance)
            for f in formset.initial_forms
            if f.instance.pk and (f.has_changed() or f in formset.deleted_forms)
        }
        formset.save()
        for obj in formset.new_objects:
            audit_log_record(
                actor=request.user,
                action=self._action(obj, "create"),
                obj=obj,
                after=model_snapshot(obj),
                request=request,
            )
        for obj, _fields in formset.changed_objects:
            audit_log_record(
                actor=request.user,
                action=self._action(obj, "update"),
                obj=obj,
                before=befores.get(obj.pk),
                after=model_snapshot(obj),
                request=request,
            )
        for obj in formset.deleted_objects:
            audit_log_record(
                actor=request.user,
                action=self._action(obj, "delete"),
                obj=obj,
                object_repr=str(obj),
                before=befores.get(obj.pk),
                request=request,
            )


@admin.register(User)
class UserAdmin(AuditedAdmin):
    list_display = ["email", "full_name", "role", "is_active", "last_login", "date_joined"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "full_name"]
    fields = ["email", "full_name", "role", "is_active", "invited_by", "last_login", "date_joined"]
    readonly_fields = ["email", "invited_by", "last_login", "date_joined"]

    def has_add_permission(self, request):
        return False  # partners are invited from Settings, which e-mails them a link

    def get_readonly_fields(self, request, obj=None):
        # The owner cannot demote or deactivate themselves and lose the admin.
        if obj is not None and obj.pk == request.user.pk:
            return [*self.readonly_fields, "role", "is_active"]
        return self.readonly_fields


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "actor_email",
        "action",
        "object_type",
        "object_repr",
        "ip_address",
    ]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_email", "action", "object_repr", "object_id"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
