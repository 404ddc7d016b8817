from django import forms
from django.contrib import admin, messages

from accounts.admin import AuditedAdmin, ReadOnlyAdmin, SecretsForm
from ads.models import (
    AdGroup,
    AdsAccount,
    AdsProfile,
    AdsReport,
    AdvertisedProductDaily,
    Campaign,
    CampaignDaily,
    Keyword,
    ProductAd,
    ProductTarget,
)
from ads.services import SECRET_FIELDS, ads_account_test


class AdsAccountForm(SecretsForm):
    """Secrets are write-only: the form never shows them; blank keeps the stored one."""

    secret_fields = SECRET_FIELDS
    client_secret = forms.CharField(required=False, widget=forms.PasswordInput(render_value=False))
    refresh_token = forms.CharField(required=False, widget=forms.PasswordInput(render_value=False))

    class Meta:
        model = AdsAccount
        fields = ["region", "client_id", "client_secret", "refresh_token", "active"]


@admin.register(AdsAccount)
class AdsAccountAdmin(AuditedAdmin):
    form = AdsAccountForm
    list_display = ["region", "client_id", "active", "last_test_at", "last_test_ok"]
    readonly_fields = ["last_test_at", "last_test_ok", "last_test_message"]
    actions = ["test_connection"]

    @admin.action(description="Test connection (exchange the token, list the profiles)")
    def test_connection(self, request, queryset):
        for account in queryset:
            result = ads_account_test(actor=request.user, account=account, request=request)
            if result["ok"]:
                found = ", ".join(
                    f"{p['country_code']} {p['profile_id']}" for p in result["profiles"]
                )
                self.message_user(
                    request, f"{account.region}: connected. Profiles: {found or 'none'}."
                )
            else:
                self.message_user(request, f"{account.region}: {result['error']}", messages.ERROR)


@admin.register(AdsProfile)
class AdsProfileAdmin(AuditedAdmin):
    """Profiles come from Amazon ("Test connection" lists them); the owner only picks
    which are synced."""

    list_display = ["profile_id", "country_code", "marketplace", "currency", "time_zone",
                    "account_name", "selected"]  # fmt: skip
    list_editable = ["selected"]
    list_filter = ["selected", "country_code"]
    fields = ["profile_id", "account", "country_code", "marketplace", "currency", "time_zone",
              "account_name", "account_type", "selected", "last_seen_at"]  # fmt: skip
    readonly_fields = ["profile_id", "account", "country_code", "currency", "time_zone",
                       "account_name", "account_type", "last_seen_at"]  # fmt: skip

    def has_add_permission(self, request):
        return False


@admin.register(AdsReport)
class AdsReportAdmin(ReadOnlyAdmin):
    list_display = ["report_type", "date", "profile", "status", "amazon_status", "attempt",
                    "rows", "requested_at", "completed_at"]  # fmt: skip
    list_filter = ["status", "report_type"]
    date_hierarchy = "date"


@admin.register(CampaignDaily)
class CampaignDailyAdmin(ReadOnlyAdmin):
    list_display = ["date", "profile", "campaign_name", "impressions", "clicks", "cost",
                    "sales_7d", "currency"]  # fmt: skip
    list_filter = ["profile"]
    search_fields = ["campaign_name"]
    date_hierarchy = "date"


@admin.register(AdvertisedProductDaily)
class AdvertisedProductDailyAdmin(ReadOnlyAdmin):
    list_display = ["date", "profile", "advertised_sku", "listing", "clicks", "cost",
                    "sales_7d", "sales_same_sku_7d", "currency"]  # fmt: skip
    list_filter = ["profile"]
    search_fields = ["advertised_sku", "advertised_asin"]
    date_hierarchy = "date"


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ["name", "profile", "state", "targeting_type", "budget", "budget_type"]
    list_filter = ["state", "targeting_type"]
    search_fields = ["name"]


@admin.register(AdGroup)
class AdGroupAdmin(ReadOnlyAdmin):
    list_display = ["name", "campaign_id", "state", "default_bid"]
    search_fields = ["name"]


@admin.register(ProductAd)
class ProductAdAdmin(ReadOnlyAdmin):
    list_display = ["sku", "asin", "campaign_id", "ad_group_id", "state"]
    search_fields = ["sku", "asin"]


@admin.register(Keyword)
class KeywordAdmin(ReadOnlyAdmin):
    list_display = ["keyword_text", "match_type", "bid", "state"]
    search_fields = ["keyword_text"]


@admin.register(ProductTarget)
class ProductTargetAdmin(ReadOnlyAdmin):
    list_display = ["target_id", "expression_type", "bid", "state"]
