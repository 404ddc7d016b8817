from django import forms
from django.contrib import admin

from accounts.admin import AuditedAdmin
from accounts.services import mask_secret
from orders.models import SpApiConnection
from orders.services import SECRET_FIELDS


class SpApiConnectionForm(forms.ModelForm):
    """Secrets are write-only: the form never shows them; blank keeps the stored one."""

    lwa_client_secret = forms.CharField(
        label="LWA client secret", required=False, widget=forms.PasswordInput(render_value=False)
    )
    refresh_token = forms.CharField(required=False, widget=forms.PasswordInput(render_value=False))

    class Meta:
        model = SpApiConnection
        fields = [
            "region",
            "lwa_client_id",
            "lwa_client_secret",
            "refresh_token",
            "selling_partner_id",
            "marketplaces",
            "active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in SECRET_FIELDS:
            stored = getattr(self.instance, name, "") if self.instance.pk else ""
            self.fields[name].help_text = (
                f"Stored: {mask_secret(stored)}. Leave blank to keep it." if stored else ""
            )
            self.initial[name] = ""

    def clean(self):
        data = super().clean()
        for name in SECRET_FIELDS:
            if not data.get(name):
                if self.instance.pk:
                    data[name] = getattr(self.instance, name)
                else:
                    self.add_error(name, "Required for a new connection.")
        return data


@admin.register(SpApiConnection)
class SpApiConnectionAdmin(AuditedAdmin):
    form = SpApiConnectionForm
    list_display = [
        "region",
        "lwa_client_id",
        "selling_partner_id",
        "active",
        "last_test_at",
        "last_test_ok",
    ]
    filter_horizontal = ["marketplaces"]
    readonly_fields = ["last_test_at", "last_test_ok", "last_test_message"]
