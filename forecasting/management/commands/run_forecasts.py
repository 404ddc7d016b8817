from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog.models import Listing, Marketplace
from forecasting.services import forecast_compute, forecast_workers


class Command(BaseCommand):
    help = (
        "Forecast daily demand of every active listing (or the seller SKUs given), choose "
        "each one's method by backtest, and store the run. Uses every core unless told."
    )

    def add_arguments(self, parser):
        parser.add_argument("--sku", action="append", default=[], help="A seller SKU (repeat).")
        parser.add_argument("--marketplace", help="Only this marketplace's listings (code).")
        parser.add_argument(
            "--workers", type=int, help="Processes (default: FORECAST_WORKERS, 0 = every core)."
        )
        parser.add_argument("--trigger", default="command", help="Recorded with the run.")
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")

    def handle(self, *args, sku, marketplace, workers, trigger, quiet, **options):
        if workers is not None and workers < 0:
            raise CommandError("--workers must be 0 (every core) or more.")
        market = None
        if marketplace:
            market = Marketplace.objects.filter(code=marketplace.upper()).first()
            if market is None:
                raise CommandError(f"Unknown marketplace {marketplace!r}.")
        if sku:
            known = set(
                Listing.objects.filter(seller_sku__in=sku).values_list("seller_sku", flat=True)
            )
            unknown = sorted(set(sku) - known)
            if unknown:
                raise CommandError(f"No listing with seller SKU {', '.join(unknown)}.")
        workers = forecast_workers(workers)
        bar = None if quiet else tqdm(desc="Forecasting", unit="listing", file=self.stderr)

        def progress(done):
            if bar is not None:
                bar.update(done - bar.n)

        try:
            run = forecast_compute(
                skus=sku, marketplace=market, workers=workers, trigger=trigger, progress=progress
            )
        finally:
            if bar is not None:
                bar.close()
        methods = ", ".join(f"{name} {count}" for name, count in run.methods.items())
        self.stdout.write(
            f"Forecast run {run.pk}: {run.series} listings ({run.low_history} low history) "
            f"with {workers} worker(s) in {run.seconds:.1f} s (load {run.seconds_load:.1f}, "
            f"fit {run.seconds_fit:.1f}, store {run.seconds_store:.1f}); methods: {methods or '-'}."
        )
