import datetime as dt

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.permissions import owner_required, signed_in_required
from alerts import services
from alerts.models import (
    SEVERITY_RANK,
    AlertEvent,
    AlertSettings,
    AlertStatus,
    DeliveryStatus,
    WebhookDelivery,
)
from alerts.serializers import AlertSettingsSerializer

HISTORY_DAYS = 30


@signed_in_required
def alerts_page(request):
    """Open alerts by severity with the numbers behind each; acknowledged ones; the last
    30 days' resolved ones."""
    active = list(AlertEvent.objects.active().select_related("marketplace", "acknowledged_by"))
    active.sort(key=lambda e: (-SEVERITY_RANK[e.severity], e.subject))
    since = timezone.now() - dt.timedelta(days=HISTORY_DAYS)
    history = AlertEvent.objects.filter(
        status=AlertStatus.RESOLVED, resolved_at__gte=since
    ).order_by("-resolved_at")[:200]
    failed = WebhookDelivery.objects.filter(status=DeliveryStatus.FAILED).count()
    return render(
        request,
        "alerts/alerts.html",
        {
            "page_title": "Alerts",
            "nav": "alerts",
            "open": [e for e in active if e.status == AlertStatus.OPEN],
            "acknowledged": [e for e in active if e.status == AlertStatus.ACKNOWLEDGED],
            "history": history,
            "history_days": HISTORY_DAYS,
            "failed_webhooks": failed,
            "now": timezone.now(),
        },
    )


@owner_required
@require_POST
def alerts_ack(request):
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    done = services.alerts_acknowledge(actor=request.user, ids=ids)
    messages.success(request, f"{done} alert(s) acknowledged: quiet until they get worse.")
    return redirect("alerts")


@owner_required
@require_POST
def alerts_run(request):
    counts = services.alerts_evaluate()
    messages.success(
        request,
        "Alert rules run: {opened} opened, {reopened} reopened, {updated} still open, "
        "{resolved} resolved.".format(**counts),
    )
    return redirect("alerts")


class SettingsForm(forms.ModelForm):
    webhook_url = forms.URLField(
        required=False, max_length=500, assume_scheme="https", label="Webhook URL"
    )

    class Meta:
        model = AlertSettings
        fields = AlertSettings.EDITABLE
        widgets = {"marketplaces": forms.CheckboxSelectMultiple}


@owner_required
def alert_settings_page(request):
    """Thresholds, scope, who gets which e-mail, the webhook and its test (owner)."""
    row = AlertSettings.load()
    users = list(User.objects.filter(is_active=True).order_by("email"))
    stale_fields = sorted(row.stale_hours)
    if request.method == "POST":
        form = SettingsForm(request.POST, instance=AlertSettings.load())
        stale, stale_errors = {}, []
        for source in stale_fields:
            raw = request.POST.get(f"stale_{source}", "")
            if raw.isdigit() and 1 <= int(raw) <= 720:
                stale[source] = int(raw)
            else:
                stale_errors.append(f"{source}: hours must be 1 to 720")
        if form.is_valid() and not stale_errors:
            values = {
                name: form.cleaned_data[name] for name in form.Meta.fields if name != "marketplaces"
            }
            values["stale_hours"] = stale
            recipients = {
                user.pk: {
                    kind: request.POST.get(f"{kind}_{user.pk}") == "on"
                    for kind in ("critical", "digest", "summary")
                }
                for user in users
            }
            services.alert_settings_update(
                actor=request.user,
                values=values,
                marketplaces=form.cleaned_data["marketplaces"],
                recipients=recipients,
                request=request,
            )
            messages.success(request, "Alert settings saved.")
            return redirect("alert-settings")
        for problem in stale_errors:
            messages.error(request, problem)
    else:
        form = SettingsForm(instance=row)
    shown = AlertSettingsSerializer(row).data
    return render(
        request,
        "alerts/settings.html",
        {
            "page_title": "Alert settings",
            "nav": "alerts",
            "form": form,
            "stale_hours": [(s, row.stale_hours[s]) for s in stale_fields],
            "recipients": shown["recipients"],
        },
    )


@owner_required
@require_POST
def webhook_test_page(request):
    url = AlertSettings.load().webhook_url
    if not url:
        messages.error(request, "Save a webhook URL first.")
    else:
        error = services.webhook_test(url)
        if error:
            messages.error(request, f"The webhook did not take the test message: {error}")
        else:
            messages.success(request, "Test message sent to the webhook.")
    return redirect("alert-settings")
