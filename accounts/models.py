from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models, transaction
from django.utils import timezone


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    PARTNER = "partner", "Partner"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, role=None, **extra):
        """Create a user; the very first user of an installation is the owner."""
        if not email:
            raise ValueError("An e-mail address is required.")
        email = self.normalize_email(email).lower()
        with transaction.atomic():
            if role is None:
                role = Role.PARTNER if self.exists() else Role.OWNER
            user = self.model(email=email, role=role, **extra)
            user.set_password(password)
            user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        return self.create_user(email, password, role=Role.OWNER, **extra)

    def get_by_natural_key(self, username):
        # Log-in is case-insensitive on the e-mail address.
        return self.get(email__iexact=username)


class User(AbstractBaseUser):
    """A person who signs in with an e-mail address.

    The owner manages data, credentials and partners; partners read the
    dashboards. Role checks live in `accounts.permissions` and the admin site.
    """

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.PARTNER)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    invited_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.email

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_owner(self) -> bool:
        return self.is_active and self.role == Role.OWNER

    # The Django admin and its permission checks: the owner may do everything,
    # partners nothing. Roles replace Django's per-model permissions here.
    @property
    def is_staff(self) -> bool:
        return self.is_owner

    @property
    def is_superuser(self) -> bool:
        return self.is_owner

    def has_perm(self, perm, obj=None) -> bool:
        return self.is_owner

    def has_perms(self, perm_list, obj=None) -> bool:
        return self.is_owner

    def has_module_perms(self, app_label) -> bool:
        return self.is_owner


class AuditLogQuerySet(models.QuerySet):
    def for_object(self, obj):
        return self.filter(object_type=obj._meta.label, object_id=str(obj.pk))


class AuditLogEntry(models.Model):
    """One owner-side change: who, what, on which object, before → after.

    Written only through `accounts.services.audit_log_record`, which masks
    secrets before anything reaches this table.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text so the entry still says who it was after the user is deleted.
    actor_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "audit log entry"
        verbose_name_plural = "audit log"
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_email} {self.action}"
