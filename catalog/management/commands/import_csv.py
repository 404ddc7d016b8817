from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog.resources import RESOURCES
from catalog.services import catalog_import


class Command(BaseCommand):
    help = (
        "Import products, listings, sku_costs, fee_rules, inventory or fx_rates from a CSV "
        "or XLSX file. All or nothing: any bad row refuses the file and is listed with its "
        "line. Exit status 1 when any row is bad."
    )

    def add_arguments(self, parser):
        parser.add_argument("resource", choices=sorted(RESOURCES))
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check and count only.")

    def handle(self, *args, resource, file, dry_run, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        raw = file.read_bytes()
        with tqdm(
            desc=f"{resource}", unit="row", disable=None, file=self.stderr._out, leave=False
        ) as bar:
            report = catalog_import(
                kind=resource,
                raw=raw,
                filename=file.name,
                actor=None,
                dry_run=dry_run,
                progress=bar,
            )
        for line, reason in report.errors:
            where = f"line {line}" if line else "file"
            self.stderr.write(f"{file.name}, {where}: {reason}")
        if not report.ok:
            self.stderr.write(report.summary())
            raise SystemExit(1)
        self.stdout.write(report.summary())
