from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import AuditLogEntry
from accounts.permissions import IsOwner
from accounts.serializers import (
    AuditLogPageSerializer,
    MeSerializer,
    PageSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)
from accounts.services import api_token_issue


class TokenApi(APIView):
    """Exchange e-mail + password for an API token (for scripts)."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer})
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # Through authenticate() so django-axes counts failures and locks out.
        user = authenticate(
            request._request,
            username=data.validated_data["email"],
            password=data.validated_data["password"],
        )
        if getattr(request._request, "axes_locked_out", False):
            return Response(
                {"detail": "Too many failed sign-ins. Try again later."},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        if user is None or not user.is_active:
            return Response(
                {"detail": "E-mail or password is wrong."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        token = api_token_issue(user=user, request=request)
        return Response(TokenSerializer({"token": token.key}).data)


class MeApi(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class AuditLogApi(APIView):
    permission_classes = [IsOwner]

    @extend_schema(
        parameters=[
            OpenApiParameter("limit", int, description="1–500, default 50"),
            OpenApiParameter("offset", int, description="default 0"),
        ],
        responses=AuditLogPageSerializer,
    )
    def get(self, request):
        page = PageSerializer(data=request.query_params)
        page.is_valid(raise_exception=True)
        limit, offset = page.validated_data["limit"], page.validated_data["offset"]
        entries = AuditLogEntry.objects.all()
        payload = {
            "count": entries.count(),
            "limit": limit,
            "offset": offset,
            "results": entries[offset : offset + limit],
        }
        return Response(AuditLogPageSerializer(payload).data)
