from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsOwner, IsSignedIn
from catalog.access import listing_get
from catalog.filters import ALL, PeriodQuerySerializer
from catalog.models import INVENTORY_QUANTITIES, InventoryLevel, InventorySource
from catalog.serializers import (
    InventoryDeleteQuerySerializer,
    InventoryLevelSerializer,
    InventoryListQuerySerializer,
    InventoryWriteSerializer,
)
from catalog.services import (
    data_health_report,
    inventory_level_delete,
    inventory_level_set,
)


def _levels():
    return InventoryLevel.objects.select_related("listing__marketplace", "listing__product")


class InventoryListApi(APIView):
    @extend_schema(
        parameters=[InventoryListQuerySerializer], responses=InventoryLevelSerializer(many=True)
    )
    def get(self, request):
        query = InventoryListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        # The same marketplace validation as every page filter.
        market = PeriodQuerySerializer(data={"marketplace": query.validated_data["marketplace"]})
        market.is_valid(raise_exception=True)
        code = market.validated_data["marketplace"]
        levels = _levels()
        if code != ALL:
            levels = levels.filter(listing__marketplace__code=code)
        limit, offset = query.validated_data["limit"], query.validated_data["offset"]
        context = {"now": timezone.now()}
        return Response(
            {
                "count": levels.count(),
                "limit": limit,
                "offset": offset,
                "results": InventoryLevelSerializer(
                    levels[offset : offset + limit], many=True, context=context
                ).data,
            }
        )


class InventoryDetailApi(APIView):
    def get_permissions(self):
        return [IsSignedIn()] if self.request.method == "GET" else [IsOwner()]

    @extend_schema(operation_id="inventory_detail", responses=InventoryLevelSerializer(many=True))
    def get(self, request, marketplace, sku):
        listing = listing_get(marketplace, sku)
        levels = _levels().filter(listing=listing)
        return Response(
            InventoryLevelSerializer(levels, many=True, context={"now": timezone.now()}).data
        )

    @extend_schema(request=InventoryWriteSerializer, responses=InventoryLevelSerializer)
    def put(self, request, marketplace, sku):
        listing = listing_get(marketplace, sku)
        data = InventoryWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        level = inventory_level_set(
            actor=request.user,
            listing=listing,
            location=values["location"],
            values={key: values[key] for key in INVENTORY_QUANTITIES},
            as_of=values.get("as_of") or timezone.now(),
            source=InventorySource.MANUAL,
            request=request,
        )
        level = _levels().get(pk=level.pk)
        return Response(InventoryLevelSerializer(level).data)

    @extend_schema(parameters=[InventoryDeleteQuerySerializer], responses={204: None})
    def delete(self, request, marketplace, sku):
        listing = listing_get(marketplace, sku)
        query = InventoryDeleteQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        deleted = inventory_level_delete(
            actor=request.user,
            listing=listing,
            location=query.validated_data.get("location"),
            request=request,
        )
        if not deleted:
            raise ValidationError({"detail": "No stock rows to delete for this listing."})
        return Response(status=status.HTTP_204_NO_CONTENT)


class DataHealthApi(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(data_health_report())
