from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsOwner
from orders.models import SpApiConnection
from orders.serializers import (
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
