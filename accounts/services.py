"""Account and audit-log services: the writes the owner makes about people."""

import re
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.authtoken.models import Token

from accounts.models import AuditLogEntry, Role, User
from accounts.network import client_ip

SECRET_NAME = re.compile(r"(password|secret|token|api_?key|private|credential)", re.I)
MASK = "•••"


def mask_secret(value) -> str:
    """Show a secret the way Seller Central shows keys: `Atzr|…abcd`.

    Short values are not long enough to hide anything while showing a part,
    so they are masked whole.
    """
    if value in (None, ""):
        return ""
    text = str(value)
    if len(text) < 16:
        return MASK
    return f"{text[:5]}…{text[-4:]}"


def _is_secret_field(field) -> bool:
    # django-cryptography's encrypt() wraps a field in a subclass named Encrypted*.
    return bool(SECRET_NAME.search(field.name)) or type(field).__name__.startswith("Encrypted")


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def model_snapshot(obj) -> dict:
    """A model's concrete field values as JSON-safe data, secrets masked."""
    snap = {}
    for field in obj._meta.concrete_fields:
        value = getattr(obj, field.attname)
        snap[field.name] = mask_secret(value) if _is_secret_field(field) else _plain(value)
    return snap


def snapshot_diff(before: dict | None, after: dict | None) -> dict:
    """{field: [before, after]} for the fields that differ."""
    before, after = before or {}, after or {}
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def audit_log_record(
    *,
    actor,
    action: str,
    obj=None,
    before: dict | None = None,
    after: dict | None = None,
    request=None,
    object_repr: str = "",
) -> AuditLogEntry:
    """Record one owner-side change. Every owner-only write calls this.

    `before`/`after` are snapshots (see `model_snapshot`): only the fields
    that changed are stored, and any key that names a secret is masked again
    here, so a caller cannot leak one by building its own dict.
    """
    changes = snapshot_diff(_masked(before), _masked(after))
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditLogEntry.objects.create(
        actor=user,
        actor_email=user.email if user else "",
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
        changes=changes,
        ip_address=client_ip(request) if request is not None else None,
    )


def _masked(snapshot: dict | None) -> dict | None:
    """Mask every value whose key names a secret, unless already masked."""
    if snapshot is None:
        return None
    masked = dict(snapshot)
    for key, value in snapshot.items():
        already = value in (None, "", MASK) or "…" in str(value)
        if SECRET_NAME.search(key) and not already:
            masked[key] = mask_secret(value)
    return masked


def partner_invite(*, actor: User, email: str, full_name: str = "", request) -> User:
    """Create a partner account and e-mail them a link to choose a password.

    The account has no usable password until the partner follows the link
    (Django's password-reset token, valid for PASSWORD_RESET_TIMEOUT).
    """
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "A user with this e-mail address already exists."})
    with transaction.atomic():
        user = User.objects.create_user(
            email, password=None, role=Role.PARTNER, full_name=full_name, invited_by=actor
        )
        audit_log_record(
            actor=actor,
            action="user.invite",
            obj=user,
            after=model_snapshot(user),
            request=request,
        )
        link = request.build_absolute_uri(
            reverse(
                "password_reset_confirm",
                kwargs={
                    "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                    "token": default_token_generator.make_token(user),
                },
            )
        )
        context = {"user": user, "inviter": actor, "link": link}
        transaction.on_commit(
            lambda: send_mail(
                subject="You are invited to Seller Hub",
                message=render_to_string("accounts/email/invite.txt", context),
                from_email=None,
                recipient_list=[user.email],
            )
        )
    return user


def user_set_active(*, actor: User, user: User, active: bool, request) -> User:
    """Deactivate (or reactivate) a partner. The owner cannot lock themselves out."""
    if user.pk == actor.pk:
        raise ValidationError("You cannot deactivate your own account.")
    if user.role == Role.OWNER:
        raise ValidationError("The owner account cannot be deactivated here.")
    before = model_snapshot(user)
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        if not active:
            Token.objects.filter(user=user).delete()
        audit_log_record(
            actor=actor,
            action="user.activate" if active else "user.deactivate",
            obj=user,
            before=before,
            after=model_snapshot(user),
            request=request,
        )
    return user


def api_token_issue(*, user: User, request, rotate: bool = False) -> Token:
    """Return the user's API token, creating it (or a new one) when asked."""
    with transaction.atomic():
        if rotate:
            Token.objects.filter(user=user).delete()
        token, created = Token.objects.get_or_create(user=user)
        if created:
            audit_log_record(
                actor=user,
                action="api_token.rotate" if rotate else "api_token.create",
                obj=user,
                after={"token": token.key},
                request=request,
            )
    return token
