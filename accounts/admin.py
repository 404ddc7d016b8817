from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group
from rest_framework.authtoken.admin import TokenProxy

from accounts.models import AuditLogEntry, User
from accounts.services import audit_log_record, mask_secret, model_snapshot

# Roles replace Django's groups; API token keys are secrets and are never
# listed (each user manages their own on the API token page).
admin.site.unregister(Group)
admin.site.unregister(TokenProxy)


class SecretsForm(forms.ModelForm):
    """A form whose `secret_fields` are write-only: never shown, a blank keeps the stored
    value, and a new object needs them. Subclasses declare them as PasswordInput."""

    secret_fields: tuple = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.secret_fields:
            stored = getattr(self.instance, name, "") if self.instance.pk else ""
            self.fields[name].help_text = (
                f"Stored: {mask_secret(stored)}. Leave blank to keep it." if stored else ""
            )
            self.initial[name] = ""

    def clean(self):
        data = super().clean()
        for name in self.secret_fields:
            if not data.get(name):
                if self.instance.pk:
                    data[name] = getattr(self.instance, name)
                else:
                    self.add_error(name, "Required for a new connection.")
        return data


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the system writes (audit log, sync results): looked at, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedAdmin(admin.ModelAdmin):
    """Every add, change and delete made in admin goes to the audit log.

    Inline rows are logged one by one, with the same before/after diff.
    """

    def _log(self, request, obj, verb, before=None, after=None):
        audit_log_record(
            actor=request.user,
            action=f"{obj._meta.label_lower}.{verb}",
            obj=obj,
            object_repr=str(obj),
            before=before,
            after=after,
            request=request,
        )

    def _stored(self, obj):
        return model_snapshot(type(obj)._default_manager.get(pk=obj.pk))

    def save_model(self, request, obj, form, change):
        before = self._stored(obj) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        self._log(request, obj, "update" if change else "create", before, model_snapshot(obj))

    def delete_model(self, request, obj):
        self.delete_queryset(request, type(obj)._default_manager.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        doomed = [(obj, obj.pk, model_snapshot(obj)) for obj in queryset]
        super().delete_queryset(request, queryset)
        for obj, pk, before in doomed:
            obj.pk = pk  # Django clears it on delete; the log keeps the id
            self._log(request, obj, "delete", before)

    def save_formset(self, request, form, formset, change):
        befores = {
            f.instance.pk: self._stored(f.instance)
            for f in formset.initial_forms
            if f.instance.pk and (f.has_changed() or f in formset.deleted_forms)
        }
        formset.save()
        for obj in formset.new_objects:
            self._log(request, obj, "create", after=model_snapshot(obj))
        for obj, _fields in formset.changed_objects:
            self._log(request, obj, "update", befores.get(obj.pk), model_snapshot(obj))
        for obj in formset.deleted_objects:
            self._log(request, obj, "delete", befores.get(obj.pk))


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
class AuditLogEntryAdmin(ReadOnlyAdmin):
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
