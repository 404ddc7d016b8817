from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate


class SellerHubAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "config.admin.SellerHubAdminSite"


class ConfigConfig(AppConfig):
    default = True
    """The project itself: health, page shell, schedules, demo seeding."""

    name = "config"
    label = "config"
    verbose_name = "Seller Hub"

    def ready(self):
        from config import checks  # noqa: F401  (registers deploy checks)
        from config.services import post_migrate_setup

        post_migrate.connect(post_migrate_setup, sender=self)
