import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsOwner
from accounts.services import audit_log_record
from ads import figures
from ads.models import AdsAccount, AdsProfile
from ads.serializers import (
    AdsAccountSerializer,
    AdsAccountWriteSerializer,
    AdsQuerySerializer,
    BackfillSerializer,
    ProfileSelectionSerializer,
    SkuCostWriteSerializer,
)
from ads.services import (
    ads_account_save,
    ads_account_test,
    ads_profiles_select,
    product_for_sku,
    profile_dict,
    sku_cost_delete,
    sku_cost_dict,
    sku_cost_put,
)
from catalog.models import SkuCost
from orders.apis import DASHBOARD_PARAMETERS


class AdsAccountApi(APIView):
    """The Amazon Ads accounts, one per region (owner only; secrets masked)."""

    permission_classes = [IsOwner]

    @extend_schema(responses=AdsAccountSerializer(many=True))
    def get(self, request):
        return Response(AdsAccountSerializer(AdsAccount.objects.all(), many=True).data)


class AdsAccountConnectApi(APIView):
    """Save a region's credentials (blank secrets keep the stored ones) and, unless
    `test` is false, exchange the token and list its profiles."""

    permission_classes = [IsOwner]

    @extend_schema(request=AdsAccountWriteSerializer, responses=OpenApiTypes.OBJECT)
    def put(self, request):
        data = AdsAccountWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        region, test = values.pop("region"), values.pop("test")
        account = ads_account_save(actor=request.user, region=region, data=values, request=request)
        body = {"account": AdsAccountSerializer(account).data}
        if test:
            body["test"] = ads_account_test(actor=request.user, account=account, request=request)
            account.refresh_from_db()
            body["account"] = AdsAccountSerializer(account).data
        return Response(body)


class AdsProfilesApi(APIView):
    """The advertising profiles Amazon listed, and which are synced (owner only).
    PUT {"selected": [profile ids]} chooses them, at most one per marketplace."""

    permission_classes = [IsOwner]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        profiles = AdsProfile.objects.select_related("account", "marketplace")
        return Response({"profiles": [profile_dict(p) for p in profiles]})

    @extend_schema(request=ProfileSelectionSerializer, responses=OpenApiTypes.OBJECT)
    def put(self, request):
        data = ProfileSelectionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            profiles = ads_profiles_select(
                actor=request.user, profile_ids=data.validated_data["selected"], request=request
            )
        except ValueError as exc:
            raise ValidationError({"selected": [str(exc)]}) from None
        return Response({"profiles": [profile_dict(p) for p in profiles]})


def _accounts(region=None):
    accounts = AdsAccount.objects.filter(active=True)
    if region:
        accounts = accounts.filter(region=region)
    found = [a for a in accounts if a.has_credentials and a.profiles.filter(selected=True)]
    if not found:
        raise ValidationError(
            "No active Amazon Ads account with a selected profile: connect one and pick "
            "its profiles first."
        )
    return found


class AdsSyncApi(APIView):
    """Request, poll and collect now, in the background (owner only); 202."""

    permission_classes = [IsOwner]

    @extend_schema(request=None, responses={202: OpenApiTypes.OBJECT})
    def post(self, request):
        from django_q.tasks import async_task

        accounts = _accounts()
        for account in accounts:
            audit_log_record(actor=request.user, action="ads.sync.start", obj=account,
                             after={"region": account.region}, request=request)  # fmt: skip
            transaction.on_commit(
                lambda r=account.region: async_task("ads.tasks.ads_sync_now", r, group="ads")
            )
        return Response({"queued": [a.region for a in accounts]}, status=202)


class AdsBackfillApi(APIView):
    """Fetch up to 95 past days in the background, `batch` days at a time (owner only);
    202. The outcome per date is on the Sync page and in `GET /api/sync/status`."""

    permission_classes = [IsOwner]

    @extend_schema(request=BackfillSerializer, responses={202: OpenApiTypes.OBJECT})
    def post(self, request):
        from django_q.tasks import async_task

        data = BackfillSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        days, batch = data.validated_data["days"], data.validated_data["batch"]
        accounts = _accounts(data.validated_data.get("region"))
        for account in accounts:
            audit_log_record(actor=request.user, action="ads.backfill.start", obj=account,
                             after={"days": days, "batch": batch}, request=request)  # fmt: skip
            transaction.on_commit(
                lambda r=account.region: async_task(
                    "ads.tasks.ads_backfill", r, days, batch, group="ads"
                )
            )
        return Response(
            {"queued": [a.region for a in accounts], "days": days, "batch": batch}, status=202
        )


# --- figures ----------------------------------------------------------------------------------

ADS_PARAMETERS = [
    *DASHBOARD_PARAMETERS,
    OpenApiParameter("window", int, enum=[7, 14], description="Attribution window in days."),
]


class AdsFiguresApi(APIView):
    def query(self, request) -> AdsQuerySerializer:
        query = AdsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return query


class AdsSummaryApi(AdsFiguresApi):
    """Spend, ad sales, ACOS, ROAS, TACoS, CPC, CTR and conversion, with the previous
    period and the change, and which days have no ads data yet."""

    @extend_schema(parameters=ADS_PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        q = self.query(request)
        return Response(
            figures.summary(q.period(), local=q.local, window=q.validated_data.get("window"))
        )


class AdsTimeseriesApi(AdsFiguresApi):
    @extend_schema(parameters=ADS_PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        q = self.query(request)
        return Response(
            figures.timeseries(q.period(), local=q.local, window=q.validated_data.get("window"))
        )


class SkuProfitabilityApi(AdsFiguresApi):
    """Per SKU: revenue, ad spend, attributed and organic sales, ACOS, ROAS, TACoS, fees,
    refunds, COGS, net profit and margin, break-even ACOS, and warning flags."""

    @extend_schema(
        parameters=[
            *ADS_PARAMETERS,
            OpenApiParameter("sort", str, enum=sorted(figures.SORTS)),
            OpenApiParameter("limit", int, description=f"rows (default {figures.PAGE_ROWS})"),
            OpenApiParameter("offset", int),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        q = self.query(request)
        return Response(
            figures.sku_profitability(
                q.period(),
                local=q.local,
                window=q.validated_data.get("window"),
                sort=q.validated_data["sort"],
                limit=q.validated_data["limit"],
                offset=q.validated_data["offset"],
            )
        )


class SkuTimeseriesApi(AdsFiguresApi):
    @extend_schema(
        parameters=[*ADS_PARAMETERS, OpenApiParameter("sku", str, required=True)],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        q = self.query(request)
        sku = q.validated_data.get("sku")
        if not sku:
            raise ValidationError({"sku": ["This parameter is required."]})
        return Response(
            figures.sku_timeseries(
                q.period(), sku, local=q.local, window=q.validated_data.get("window")
            )
        )


class AmazonReportApi(AdsFiguresApi):
    """Per day: revenue, units, sessions, fees, refunds, ad spend and ad sales, and the
    estimated payout (revenue - refunds - ad spend - Amazon fees)."""

    @extend_schema(parameters=ADS_PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        q = self.query(request)
        return Response(
            figures.amazon_report(q.period(), local=q.local, window=q.validated_data.get("window"))
        )


# --- SKU costs --------------------------------------------------------------------------------


class SkuCostApi(APIView):
    """Owner only. GET: every product's cost history (newest first). PUT: a SKU's cost
    from a date (default today), kept as history in the catalog."""

    permission_classes = [IsOwner]

    @extend_schema(
        parameters=[OpenApiParameter("sku", str, description="One SKU only.")],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        costs = SkuCost.objects.select_related("product").order_by(
            "product__sku", "-effective_from"
        )
        sku = (request.query_params.get("sku") or "").strip()[:64]
        if sku:
            product = product_for_sku(sku)
            costs = costs.filter(product=product) if product else costs.none()
        return Response({"costs": [sku_cost_dict(c) for c in costs[:5000]]})

    @extend_schema(request=SkuCostWriteSerializer, responses=OpenApiTypes.OBJECT)
    def put(self, request):
        data = SkuCostWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        try:
            cost = sku_cost_put(
                actor=request.user, sku=values.pop("sku"), data=values, request=request
            )
        except ValueError as exc:
            raise ValidationError({"sku": [str(exc)]}) from None
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None
        return Response(sku_cost_dict(cost))


class SkuCostDeleteApi(APIView):
    """DELETE (owner): the SKU's cost entry of `?effective_from=`, or the one in force."""

    permission_classes = [IsOwner]

    @extend_schema(
        parameters=[OpenApiParameter("effective_from", OpenApiTypes.DATE)],
        responses={204: None},
    )
    def delete(self, request, sku):
        raw = request.query_params.get("effective_from")
        try:
            day = dt.date.fromisoformat(raw) if raw else None
        except ValueError:
            raise ValidationError({"effective_from": ["Not a date (YYYY-MM-DD)."]}) from None
        try:
            sku_cost_delete(actor=request.user, sku=sku, effective_from=day, request=request)
        except LookupError as exc:
            raise NotFound(str(exc)) from None
        return Response(status=204)
