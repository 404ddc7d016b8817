import csv
import itertools
import tempfile

from django.http import FileResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsOwner
from catalog.filters import PeriodQuerySerializer
from orders import dashboard
from orders.filters import orders_for, with_details
from orders.models import OrderStatus, SpApiConnection
from orders.serializers import (
    DashboardQuerySerializer,
    OrderSerializer,
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


# --- orders list and export ----------------------------------------------------------------------


class OrdersPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


ORDER_PARAMETERS = [
    *DASHBOARD_PARAMETERS[:4],
    OpenApiParameter("status", str, many=True, enum=OrderStatus.values),
    OpenApiParameter("sku", str, description="Orders with this seller SKU."),
    OpenApiParameter("q", str, description="Part of an Amazon order id."),
    OpenApiParameter("fulfillment", str, enum=["FBA", "FBM"]),
    OpenApiParameter("estimated", bool, description="Only orders with estimated amounts."),
]


def _filtered_orders(request):
    period_query = PeriodQuerySerializer(data=request.query_params)
    period_query.is_valid(raise_exception=True)
    filtered, period = orders_for(request.query_params, period_query)
    if not filtered.is_valid():
        raise ValidationError(filtered.errors)
    return filtered.qs, period


class OrdersApi(APIView):
    """Orders of the period, newest first, with their items; filter by marketplace,
    status, SKU, order id, fulfilment channel; `fees` says whether Amazon posted them."""

    @extend_schema(parameters=ORDER_PARAMETERS, responses=OrderSerializer(many=True))
    def get(self, request):
        orders, _period = _filtered_orders(request)
        paginator = OrdersPagination()
        page = paginator.paginate_queryset(with_details(orders), request, view=self)
        return paginator.get_paginated_response(OrderSerializer(page, many=True).data)


EXPORT_COLUMNS = [
    "amazon_order_id", "marketplace", "local_date", "created_at_utc", "status", "fulfillment",
    "seller_sku", "asin", "title", "quantity_ordered", "quantity_shipped", "currency",
    "unit_price", "item_price", "item_tax", "shipping_price", "promotion_discount",
    "amounts", "fees", "counts",
]  # fmt: skip


def export_rows(orders):
    """One row per order item, streamed from the database in chunks."""
    for order in with_details(orders).iterator(chunk_size=2000):
        for item in order.items.all():
            yield [
                order.amazon_order_id, order.marketplace.code, order.local_date.isoformat(),
                order.created_at.strftime("%Y-%m-%d %H:%M:%S"), order.status,
                order.fulfillment_channel, item.seller_sku, item.asin, item.title,
                item.quantity_ordered, item.quantity_shipped, order.currency, item.unit_price,
                item.item_price, item.item_tax, item.shipping_price, item.promotion_discount,
                "estimated" if item.is_estimated else "actual",
                "actual" if order.fees_posted else "estimated",
                "yes" if order.counts else "no",
            ]  # fmt: skip


class _Echo:
    def write(self, value):
        return value


class OrdersExportApi(APIView):
    """The filtered orders as a file, one row per item: `file=csv` (streamed, default) or
    `file=xlsx`."""

    @extend_schema(
        parameters=[*ORDER_PARAMETERS, OpenApiParameter("file", str, enum=["csv", "xlsx"])],
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
    )
    def get(self, request):
        kind = request.query_params.get("file", "csv")
        if kind not in ("csv", "xlsx"):
            raise ValidationError({"file": "csv or xlsx."})
        orders, period = _filtered_orders(request)
        name = f"orders-{period.marketplace}-{period.start}-{period.end}.{kind}"
        if kind == "csv":
            writer = csv.writer(_Echo())
            lines = (
                writer.writerow(row)
                for row in itertools.chain([EXPORT_COLUMNS], export_rows(orders))
            )
            response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        else:
            response = FileResponse(_xlsx(orders), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(orders):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Orders")
    sheet.append(EXPORT_COLUMNS)
    for row in export_rows(orders):
        sheet.append(row)
    # FileResponse closes it once sent.
    buffer = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
    workbook.save(buffer)
    buffer.seek(0)
    return buffer
