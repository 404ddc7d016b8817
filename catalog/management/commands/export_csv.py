import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from catalog.resources import RESOURCES
from catalog.services import catalog_export


class Command(BaseCommand):
    help = (
        "Export products, listings, sku_costs, fee_rules, inventory or fx_rates as CSV "
        "(XLSX when the file name ends in .xlsx) to a file or standard output."
    )

    def add_arguments(self, parser):
        parser.add_argument("resource", choices=sorted(RESOURCES))
        parser.add_argument("file", nargs="?", type=Path)

    def handle(self, *args, resource, file, **options):
        data = catalog_export(resource, file.name if file else "")
        if file:
            file.write_bytes(data)
            self.stderr.write(f"{resource}: wrote {file}")
        else:
            sys.stdout.buffer.write(data)
