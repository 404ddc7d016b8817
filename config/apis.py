from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.services import health_report


class HealthApi(APIView):
    """Liveness for load balancers and monitors: no sign-in needed."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            200: OpenApiResponse(description="Serving (status ok or degraded)"),
            503: OpenApiResponse(description="Database unreachable or migrations pending"),
        }
    )
    def get(self, request):
        report, status = health_report()
        return Response(report, status=status, headers={"Cache-Control": "no-store"})
