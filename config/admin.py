from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, resolve_url


class SellerHubAdminSite(admin.AdminSite):
    """Django admin for the owner only.

    Partners get 403 (not the admin's own login form, which would invite them
    to try other credentials); anonymous visitors go to the site's login page.
    """

    site_header = "Seller Hub admin"
    site_title = "Seller Hub admin"
    index_title = "Owner's workbench"
    site_url = "/"

    def has_permission(self, request):
        user = request.user
        return user.is_active and getattr(user, "is_owner", False)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def guarded(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))
            if not self.has_permission(request):
                raise PermissionDenied("The admin is for the owner only.")
            return inner(request, *args, **kwargs)

        guarded.__dict__.update(inner.__dict__)
        guarded.admin_site = self
        return guarded

    def login(self, request, extra_context=None):
        if request.user.is_authenticated and not self.has_permission(request):
            raise PermissionDenied("The admin is for the owner only.")
        next_url = request.GET.get("next") or resolve_url("admin:index")
        return redirect(f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': next_url})}")
