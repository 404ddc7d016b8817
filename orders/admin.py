from django import forms
from django.contrib import admin

from accounts.admin import AuditedAdmin, SecretsForm
from orders.models import SpApiConnection
from orders.services import SECRET_FIELDS


class SpApiConnectionForm(SecretsForm):
    """Secrets are write-only: the form never shows them; blank keeps the stored one."""

    secret_fields = SECRET_FIELDS

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
