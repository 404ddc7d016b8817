import random
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

# Apps seed in dependency order; each may add `demo.py` with `seed(rng, out, options)`,
# and `finish(out, options)` for what needs every app's data, run after all seeds.
DEMO_APPS = ["accounts", "catalog", "orders", "ads", "forecasting", "alerts"]


class Command(BaseCommand):
    help = (
        "Add the demo business: marketplaces, demo users and each app's demo data. "
        "Deterministic for a given --seed and idempotent (running it twice adds nothing)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")
        parser.add_argument(
            "--days",
            type=int,
            default=548,
            help="Days of sales history to add (default 548, about 18 months; 7 to 1095).",
        )
        parser.add_argument(
            "--scale",
            choices=["demo", "large"],
            default="demo",
            help="large: ~2,000 products on 5 marketplaces, 3 years, ~3 million order items "
            "(for the benchmark; PostgreSQL advised, takes a long while).",
        )

    def handle(self, *args, **options):
        if not 7 <= options["days"] <= 1095:
            raise CommandError("--days must be 7 to 1095.")
        from orders import signals

        # The demo builds its rollup itself, once: no rebuild per cost or rate added.
        with signals.paused(), transaction.atomic():
            modules = []
            for label in DEMO_APPS:
                module_name = f"{apps.get_app_config(label).name}.demo"
                if find_spec(module_name) is None:
                    continue
                module = import_module(module_name)
                # A separate generator per app: one app's new data never
                # shifts another app's numbers.
                rng = random.Random(f"{options['seed']}:{label}")
                module.seed(rng, self.stdout, options)
                modules.append(module)
            # Then what needs every app's data (the orders rollup reads the ads too).
            for module in modules:
                if hasattr(module, "finish"):
                    module.finish(self.stdout, options)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
