from django.urls import path

from alerts import apis, views

urlpatterns = [
    path("alerts/", views.alerts_page, name="alerts"),
    path("alerts/ack", views.alerts_ack, name="alerts-ack-page"),
    path("alerts/run", views.alerts_run, name="alerts-run-page"),
    path("alerts/settings/", views.alert_settings_page, name="alert-settings"),
    path("alerts/settings/webhook-test", views.webhook_test_page, name="alert-webhook-test-page"),
    path("api/alerts", apis.AlertListApi.as_view(), name="alerts-list"),
    path("api/alerts/ack", apis.AlertAckApi.as_view(), name="alerts-ack"),
    path("api/alerts/run", apis.AlertRunApi.as_view(), name="alerts-run"),
    path("api/alerts/settings", apis.AlertSettingsApi.as_view(), name="alerts-settings"),
    path("api/alerts/webhook-test", apis.WebhookTestApi.as_view(), name="alerts-webhook-test"),
]
