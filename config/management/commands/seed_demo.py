import random
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

# Apps seed in dependency order; each may add `demo.py` with `seed(rng, out)`.
DEMO_APPS = ["accounts", "catalog", "orders", "ads", "forecasting", "alerts"]


class Command(BaseCommand):
    help = (
        "Add the demo business: marketplaces, demo users and each app's demo data. "
        "Deterministic for a given --seed and idempotent (running it twice adds nothing)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")

    def handle(self, *args, **options):
        with transaction.atomic():
            for label in DEMO_APPS:
                module_name = f"{apps.get_app_config(label).name}.demo"
                if find_spec(module_name) is None:
                    continue
                # A separate generator per app: one app's new data never
                # shifts another app's numbers.
                rng = random.Random(f"{options['seed']}:{label}")
                import_module(module_name).seed(rng, self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
