from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from accounts.forms import PartnerInviteForm
from accounts.models import AuditLogEntry, User
from accounts.permissions import owner_required, signed_in_required
from accounts.services import api_token_issue, mask_secret, partner_invite, user_set_active


@owner_required
def settings_page(request):
    form = PartnerInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = partner_invite(
                actor=request.user,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error("email", exc.message_dict.get("email", exc.messages))
        else:
            messages.success(request, f"Invitation sent to {user.email}.")
            return redirect("settings")
    return render(
        request,
        "accounts/settings.html",
        {
            "form": form,
            "users": User.objects.all(),
            "audit_entries": AuditLogEntry.objects.all()[:20],
            "page_title": "Settings",
            "nav": "settings",
        },
    )


@owner_required
@require_POST
def user_active_toggle(request, pk):
    user = get_object_or_404(User, pk=pk)
    try:
        user_set_active(actor=request.user, user=user, active=not user.is_active, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        state = "reactivated" if user.is_active else "deactivated"
        messages.success(request, f"{user.email} {state}.")
    return redirect("settings")


@signed_in_required
def api_token_page(request):
    """Each user's own API token for scripts: shown once when created."""
    new_key = None
    if request.method == "POST":
        token = api_token_issue(user=request.user, request=request, rotate=True)
        new_key = token.key
        messages.success(request, "New API token created. Copy it now: it is shown once.")
    existing = Token.objects.filter(user=request.user).first()
    return render(
        request,
        "accounts/api_token.html",
        {
            "new_key": new_key,
            "masked": mask_secret(existing.key) if existing else "",
            "created": existing.created if existing else None,
            "page_title": "API token",
            "nav": "",
        },
    )
