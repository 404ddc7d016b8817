"""Forecast and restock endpoints: thin views over forecasting.plans."""

import csv
import io

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Listing
from catalog.tables import cell_escape
from forecasting import plans
from forecasting.restock import Action
from forecasting.serializers import (
    ForecastQuerySerializer,
    RestockQuerySerializer,
    WhatIfSerializer,
    sku_value,
)

MARKETPLACE = OpenApiParameter("marketplace", str, description="A marketplace code or ALL.")
HORIZON = OpenApiParameter("horizon", int, enum=list(plans.HORIZON_CHOICES))


def _query(serializer_class, request):
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query


def listing_for_sku(sku: str, marketplace) -> Listing:
    """The listing of a seller SKU; a SKU sold on several marketplaces needs one named."""
    sku = sku_value(sku)
    listings = Listing.objects.filter(seller_sku=sku).select_related("marketplace", "product")
    if marketplace is not None:
        listings = listings.filter(marketplace=marketplace)
    listings = list(listings)
    if not listings:
        raise NotFound(f"No listing with seller SKU {sku!r}.")
    if len(listings) > 1:
        codes = ", ".join(sorted(listing.marketplace.code for listing in listings))
        raise ValidationError(
            {"marketplace": [f"{sku} is listed on {codes}: say which marketplace."]}
        )
    return listings[0]


class ForecastTotalApi(APIView):
    """All units of a marketplace (or all) per day: recent history and the forecast with
    its 80% and 95% bands, the method and its backtest accuracy (`forecast` null, with
    the `reason`, when there is none yet)."""

    @extend_schema(parameters=[MARKETPLACE, HORIZON], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        q = _query(ForecastQuerySerializer, request)
        body = plans.total_forecast(q.market, q.validated_data["horizon"])
        if body is None:
            return Response(
                {
                    "marketplace": q.validated_data["marketplace"],
                    "forecast": None,
                    "reason": "No forecast of these units yet: no sales in the history window, "
                    "or no forecast run since (the nightly one, or `run_forecasts`).",
                }
            )
        return Response(body)


class ForecastSkuApi(APIView):
    """One listing's history (censored days marked) and forecast with bands and accuracy."""

    @extend_schema(parameters=[MARKETPLACE, HORIZON], responses=OpenApiTypes.OBJECT)
    def get(self, request, sku):
        q = _query(ForecastQuerySerializer, request)
        listing = listing_for_sku(sku, q.market)
        body = plans.listing_forecast(listing, q.validated_data["horizon"])
        if body is None:
            return Response(
                {
                    "listing": {"marketplace": listing.marketplace.code, "seller_sku": sku},
                    "forecast": None,
                    "reason": f"No forecast for {listing}: it sold nothing in the history "
                    "window, or no forecast run has included it yet.",
                }
            )
        return Response(body)


class ForecastTopSkusApi(APIView):
    """The listings with the most forecast units over the horizon."""

    @extend_schema(
        parameters=[MARKETPLACE, HORIZON, OpenApiParameter("limit", int)],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        q = _query(ForecastQuerySerializer, request)
        horizon = q.validated_data["horizon"]
        return Response(
            {
                "marketplace": q.validated_data["marketplace"],
                "horizon": horizon,
                "skus": plans.top_skus(q.market, horizon, q.validated_data["limit"]),
            }
        )


class ForecastAccuracyApi(APIView):
    """Backtest accuracy of the latest forecasts (WAPE, bias, MASE) against the weekly
    seasonal naive, and the listings per quality grade and method."""

    @extend_schema(parameters=[MARKETPLACE], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        q = _query(ForecastQuerySerializer, request)
        return Response(plans.accuracy_summary(q.market))


def plan_json(row: dict) -> dict:
    row = dict(row)
    for key in ("unit_cost", "order_value"):
        if row[key] is not None:
            row[key] = f"{row[key]:.2f}"
    return row


def _plan_body(q, rows, plan_settings):
    return {
        "marketplace": q.validated_data["marketplace"],
        "assumptions": {
            "service_level": plan_settings.service_level,
            "review_days": plan_settings.review_days,
            "inbound_days": plan_settings.inbound_days,
            "overstock_days": plan_settings.overstock_days,
            "lead_time_days": plan_settings.lead_time_days,
        },
        "rows": [plan_json(row) for row in rows],
    }


class RestockPlanApi(APIView):
    """Every listing's restock plan: days of cover, stock-out date and its probability,
    order-by date, suggested quantity and action, with the reasons."""

    @extend_schema(
        parameters=[MARKETPLACE, OpenApiParameter("action", str)], responses=OpenApiTypes.OBJECT
    )
    def get(self, request):
        q = _query(RestockQuerySerializer, request)
        plan_settings = plans.PlanSettings.default()
        rows = plans.restock_plan(
            marketplace=q.market,
            plan_settings=plan_settings,
            actions=q.validated_data.get("action"),
        )
        return Response(_plan_body(q, rows, plan_settings))


class RestockWhatIfApi(APIView):
    """The plan under another lead time, service level, review period or inbound delay
    (nothing is stored; any signed-in user may ask)."""

    @extend_schema(request=WhatIfSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        q = WhatIfSerializer(data=request.data)
        q.is_valid(raise_exception=True)
        data = q.validated_data
        plan_settings = plans.PlanSettings.default(
            service_level=data.get("service_level"),
            review_days=data.get("review_days"),
            inbound_days=data.get("inbound_days"),
            lead_time_days=data.get("lead_time_days"),
        )
        rows = plans.restock_plan(
            marketplace=q.market, skus=data.get("skus"), plan_settings=plan_settings
        )
        return Response(_plan_body(q, rows, plan_settings))


INVENTORY_FIELDS = (
    "marketplace", "seller_sku", "sku", "title", "fulfillment", "on_hand", "inbound",
    "on_order", "position", "daily_demand", "days_of_cover", "stockout_date",
    "inventory_as_of", "inventory_stale", "action",
)  # fmt: skip


class InventoryRestockApi(APIView):
    """Stock against demand per listing: on hand, inbound, on order, days of cover."""

    @extend_schema(parameters=[MARKETPLACE], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        q = _query(RestockQuerySerializer, request)
        rows = plans.restock_plan(marketplace=q.market, actions=q.validated_data.get("action"))
        return Response(
            {
                "marketplace": q.validated_data["marketplace"],
                "rows": [{key: row[key] for key in INVENTORY_FIELDS} for row in rows],
            }
        )


class RestockActionsTotalApi(APIView):
    """Listings per action, and units and order value to order now and soon per currency."""

    @extend_schema(parameters=[MARKETPLACE], responses=OpenApiTypes.OBJECT)
    def get(self, request):
        q = _query(RestockQuerySerializer, request)
        body = plans.actions_total(plans.restock_plan(marketplace=q.market))
        for action in body["actions"]:
            action["value"] = {cur: f"{amount:.2f}" for cur, amount in action["value"].items()}
        return Response(body)


class RestockActionsSkuApi(APIView):
    """One listing's action with its reasons and the figures behind it."""

    @extend_schema(parameters=[MARKETPLACE], responses=OpenApiTypes.OBJECT)
    def get(self, request, sku):
        q = _query(RestockQuerySerializer, request)
        listing = listing_for_sku(sku, q.market)
        rows = plans.restock_plan(marketplace=listing.marketplace, skus=[listing.seller_sku])
        if not rows:
            raise NotFound(f"{listing} is not active: no plan.")
        return Response(plan_json(rows[0]))


PO_COLUMNS = [
    "supplier", "internal_sku", "title", "marketplace", "seller_sku", "fnsku", "quantity",
    "case_pack", "cases", "unit_cost", "currency", "order_value", "order_by", "action",
    "stockout_date", "reasons",
]  # fmt: skip


class PurchaseOrderCsvApi(APIView):
    """The listings to order (default: order now and order soon) as a purchase-order CSV,
    one line per listing, sorted by supplier and order-by date."""

    @extend_schema(
        parameters=[MARKETPLACE, OpenApiParameter("action", str)],
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
    )
    def get(self, request):
        q = _query(RestockQuerySerializer, request)
        actions = q.validated_data.get("action") or [Action.ORDER_NOW, Action.ORDER_SOON]
        rows = plans.restock_plan(marketplace=q.market, actions=actions)
        rows = [row for row in rows if row["suggested_quantity"] > 0]
        rows.sort(key=lambda r: (r["supplier"], r["order_by"] or r["today"], r["seller_sku"]))
        fnskus = dict(
            Listing.objects.filter(pk__in=[r["listing_id"] for r in rows]).values_list(
                "pk", "fnsku"
            )
        )
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(PO_COLUMNS)
        for row in rows:
            line = [
                row["supplier"], row["sku"], row["title"], row["marketplace"],
                row["seller_sku"], fnskus.get(row["listing_id"], ""),
                row["suggested_quantity"], row["case_pack"], row["cases"],
                f"{row['unit_cost']:.2f}" if row["unit_cost"] is not None else "",
                row["currency"] or "",
                f"{row['order_value']:.2f}" if row["order_value"] is not None else "",
                row["order_by"] or "", row["action"], row["stockout_date"] or "",
                "; ".join(row["reasons"]),
            ]  # fmt: skip
            writer.writerow([cell_escape(cell) for cell in line])
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        name = f"purchase-order-{q.validated_data['marketplace']}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
