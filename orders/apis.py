from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsOwner
from orders import dashboard
from orders.models import SpApiConnection
from orders.serializers import (
    DashboardQuerySerializer,
    RegionSerializer,
    SpApiConnectionSerializer,
    SpApiConnectionWriteSerializer,
)
from orders.services import (
    orders_sync_start,
    spapi_connection_save,
    spapi_connection_test,
    sync_status,
)


class SpApiConnectionApi(APIView):
    """The SP-API connections, one per region (owner only; secrets masked)."""

    permission_classes = [IsOwner]

    @extend_schema(responses=SpApiConnectionSerializer(many=True))
    def get(self, request):
        connections = SpApiConnection.objects.prefetch_related("marketplaces")
        return Response(SpApiConnectionSerializer(connections, many=True).data)

    @extend_schema(request=SpApiConnectionWriteSerializer, responses=SpApiConnectionSerializer)
    def put(self, request):
        data = SpApiConnectionWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        region = values.pop("region")
        connection = spapi_connection_save(
            actor=request.user, region=region, data=values, request=request
        )
        return Response(SpApiConnectionSerializer(connection).data)


class SpApiConnectionTestApi(APIView):
    permission_classes = [IsOwner]

    @extend_schema(request=RegionSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        data = RegionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        connection = SpApiConnection.objects.filter(region=data.validated_data["region"]).first()
        if connection is None:
            raise NotFound("No connection for that region yet.")
        return Response(
            spapi_connection_test(actor=request.user, connection=connection, request=request)
        )


class SyncStatusApi(APIView):
    """Last run and last success of every sync, open report windows, recent runs."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(sync_status())


class OrdersSyncApi(APIView):
    """Start an orders sync now (owner only). Runs in the background; 202 with run ids."""

    permission_classes = [IsOwner]

    @extend_schema(request=None, responses={202: OpenApiTypes.OBJECT})
    def post(self, request):
        try:
            runs = orders_sync_start(actor=request.user, request=request)
        except ValueError as exc:
            return Response({"detail": str(exc)}, status=409)
        return Response(
            {"run_id": runs[0].pk, "runs": [{"id": r.pk, "region": r.region} for r in runs]},
            status=202,
        )


# --- sales and profit dashboard ----------------------------------------------------------------

DASHBOARD_PARAMETERS = [
    OpenApiParameter("marketplace", str, description="A marketplace code, or ALL (default)."),
    OpenApiParameter("days", int, description="The last N days (default 30), or give start/end."),
    OpenApiParameter("start", OpenApiTypes.DATE),
    OpenApiParameter("end", OpenApiTypes.DATE),
    OpenApiParameter(
        "currency", str, enum=["reporting", "local"], description="local needs one marketplace."
    ),
]


class DashboardApi(APIView):
    """Shared parsing: 400 with the reason for any parameter that makes no sense."""

    def query(self, request) -> DashboardQuerySerializer:
        query = DashboardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return query


class DashboardSummaryApi(DashboardApi):
    """Revenue, units, orders, AOV, refunds, promotions, fees by kind, COGS, gross profit
    and margin for the period, the previous period of equal length, and the change."""

    @extend_schema(parameters=DASHBOARD_PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        query = self.query(request)
        return Response(dashboard.summary(query.period(), local=query.local))


class DashboardTimeseriesApi(DashboardApi):
    """The summary's figures per day, week or month (every bucket present)."""

    @extend_schema(
        parameters=[
            *DASHBOARD_PARAMETERS,
            OpenApiParameter("interval", str, enum=["day", "week", "month"]),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        query = self.query(request)
        interval = query.validated_data["interval"]
        return Response(dashboard.timeseries(query.period(), interval, local=query.local))


class DashboardTopProductsApi(DashboardApi):
    """Top and bottom SKUs by revenue, units, profit or margin, with refund rate and days
    of stock left; SKUs whose profit is unknown are listed apart, not ranked."""

    @extend_schema(
        parameters=[
            *DASHBOARD_PARAMETERS,
            OpenApiParameter("sort", str, enum=sorted(dashboard.SORTS)),
            OpenApiParameter("limit", int, description="1 to 100 (default 10)."),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        query = self.query(request)
        data = query.validated_data
        return Response(
            dashboard.top_products(query.period(), data["sort"], data["limit"], local=query.local)
        )


class DashboardMarketplacesApi(DashboardApi):
    """The period's figures per marketplace, in the reporting currency."""

    @extend_schema(parameters=DASHBOARD_PARAMETERS[:4], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(dashboard.marketplaces(self.query(request).period()))
