"""Role checks shared by every endpoint and page.

Every API view uses one of these two permission classes (the default is
IsSignedIn); every page uses `signed_in_required` or `owner_required`.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission


class IsSignedIn(BasePermission):
    """Any active signed-in user: owner or partner."""

    message = "Sign in to see this."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_active)


class IsOwner(IsSignedIn):
    """The owner only: settings, credentials, writes, the audit log."""

    message = "Only the owner can do this."

    def has_permission(self, request, view):
        return super().has_permission(request, view) and request.user.is_owner


def signed_in_required(view):
    return login_required(view)


def owner_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_owner:
            raise PermissionDenied("Only the owner can open this page.")
        return view(request, *args, **kwargs)

    return login_required(wrapped)
