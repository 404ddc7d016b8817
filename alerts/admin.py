from django.contrib import admin
from django.db import models

from accounts.admin import ReadOnlyAdmin
from alerts.models import AlertEvent, WebhookDelivery


@admin.register(AlertEvent)
class AlertEventAdmin(ReadOnlyAdmin):
    list_display = ["subject", "rule", "severity", "status", "first_seen", "last_seen"]
    list_filter = ["status", "severity", "rule"]
    search_fields = ["subject", "message", "key"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["event", "status", "attempts", "next_try_at", "sent_at", "last_error"]
    list_filter = ["status"]
    # Django 6 reads a URL without a scheme as https; say so now (and drop the warning)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
