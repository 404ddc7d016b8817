import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog.models import Marketplace
from orders import rollup
from orders.models import DailySales


def _day(text):
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date (YYYY-MM-DD).") from None


class Command(BaseCommand):
    help = (
        "Rebuild the daily sales rollup (DailySales) for a range of marketplace-local dates "
        "from orders, financial events and traffic, e.g. after changing SKU costs, fee "
        "rules, FX rates or the SKU mapping. Without --yes it only says what it would do."
    )

    def add_arguments(self, parser):
        parser.add_argument("--start", help="first date (default: the first date with data)")
        parser.add_argument("--end", help="last date (default: the last date with data)")
        parser.add_argument("--marketplace", action="append", help="a code, e.g. US (repeat)")
        parser.add_argument("--yes", action="store_true", help="rebuild (otherwise a dry run)")

    def handle(self, *args, start=None, end=None, marketplace=None, yes=False, **options):
        first, last = rollup.data_range()
        start = _day(start) if start else first
        end = _day(end) if end else last
        if start is None or end is None:
            self.stdout.write("No orders, financial events or traffic yet: nothing to rebuild.")
            return
        if end < start:
            raise CommandError("--end is before --start.")
        pks = None
        if marketplace:
            codes = [code.upper() for code in marketplace]
            found = dict(Marketplace.objects.filter(code__in=codes).values_list("code", "pk"))
            unknown = sorted(set(codes) - set(found))
            if unknown:
                raise CommandError(f"Unknown marketplace(s): {', '.join(unknown)}.")
            pks = list(found.values())
        rows = DailySales.objects.filter(date__range=(start, end))
        if pks is not None:
            rows = rows.filter(marketplace_id__in=pks)
        days = (end - start).days + 1
        scope = ", ".join(sorted(found)) if marketplace else "all marketplaces"
        plan = f"{start} .. {end} ({days} days), {scope}: {rows.count()} rollup rows now"
        if not yes:
            self.stdout.write(f"Would rebuild {plan}. Run again with --yes to do it.")
            return
        with tqdm(total=days, unit=" days", disable=options["verbosity"] == 0) as bar:
            written = rollup.rebuild_range(start, end, pks, progress=bar.update)
        self.stdout.write(f"Rebuilt {plan.split(':')[0]}: {written} rows.")
        if rollup.refresh_statistics():
            self.stdout.write("Rollup tables vacuumed and analysed.")
