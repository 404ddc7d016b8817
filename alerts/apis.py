"""Alert endpoints: thin views over alerts.services."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsOwner
from alerts import services
from alerts.models import AlertEvent, AlertSettings, AlertStatus
from alerts.serializers import (
    AcknowledgeSerializer,
    AlertEventSerializer,
    AlertQuerySerializer,
    AlertSettingsSerializer,
)


def alerts_query(data: dict):
    events = AlertEvent.objects.select_related("marketplace", "acknowledged_by")
    status = data["status"]
    if status == "active":
        events = events.active()
    elif status != "all":
        events = events.filter(status=status)
    if data.get("severity"):
        events = events.filter(severity=data["severity"])
    if data.get("rule"):
        events = events.filter(rule=data["rule"])
    return events.order_by("-last_seen", "-id")


class AlertListApi(APIView):
    """Alerts, newest first: open and acknowledged by default (`status=`), by severity."""

    @extend_schema(parameters=[AlertQuerySerializer], responses=AlertEventSerializer(many=True))
    def get(self, request):
        q = AlertQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        events = alerts_query(q.validated_data)
        return Response(
            {
                "count": events.count(),
                "open": AlertEvent.objects.filter(status=AlertStatus.OPEN).count(),
                "results": AlertEventSerializer(
                    events[: q.validated_data["limit"]], many=True
                ).data,
            }
        )


class AlertAckApi(APIView):
    """Acknowledge open alerts (owner): they stay quiet until they get worse."""

    permission_classes = [IsOwner]

    @extend_schema(request=AcknowledgeSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        data = AcknowledgeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = services.alerts_acknowledge(actor=request.user, ids=data.validated_data["ids"])
        return Response({"acknowledged": done})


class AlertRunApi(APIView):
    """Run every alert rule now (owner)."""

    permission_classes = [IsOwner]

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        return Response(services.alerts_evaluate())


class AlertSettingsApi(APIView):
    """Thresholds, watched marketplaces, e-mail choices per user and the webhook (owner
    only; every change audit-logged)."""

    permission_classes = [IsOwner]

    @extend_schema(responses=AlertSettingsSerializer)
    def get(self, request):
        return Response(AlertSettingsSerializer(AlertSettings.load()).data)

    @extend_schema(request=AlertSettingsSerializer, responses=AlertSettingsSerializer)
    def put(self, request):
        data = AlertSettingsSerializer(AlertSettings.load(), data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        marketplaces = values.pop("marketplaces", None)
        recipients = values.pop("recipients", None)
        try:
            row = services.alert_settings_update(
                actor=request.user,
                values=values,
                marketplaces=marketplaces,
                recipients=recipients,
                request=request,
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None
        return Response(AlertSettingsSerializer(row).data)


class WebhookTestApi(APIView):
    """Send one test message to the saved (or given) webhook URL (owner)."""

    permission_classes = [IsOwner]

    @extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        url = (request.data.get("url") if isinstance(request.data, dict) else None) or (
            AlertSettings.load().webhook_url
        )
        if not url:
            raise ValidationError({"url": ["No webhook URL saved or given."]})
        from django.core.validators import URLValidator

        try:
            URLValidator(schemes=["http", "https"])(url)
        except DjangoValidationError:
            raise ValidationError({"url": ["Not an http(s) URL."]}) from None
        error = services.webhook_test(url)
        return Response({"sent": error is None, "error": error})
