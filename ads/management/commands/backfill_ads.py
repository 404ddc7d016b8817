from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from ads import sync
from ads.models import AdsAccount


class Command(BaseCommand):
    help = (
        "Fetch the last --days days of Sponsored Products reports (up to 95, Amazon's "
        "retention; today excluded) for every selected profile, --batch days at a time "
        "with a pause between batches; days already complete are skipped. Prints each "
        "date's outcome: success, skipped, error or timeout."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=60)
        parser.add_argument("--batch", type=int, default=5)
        parser.add_argument("--region", choices=["NA", "EU", "FE"])
        parser.add_argument(
            "--deadline", type=int, default=3600, help="seconds before stopping (3600)"
        )

    def handle(self, *args, days, batch, region=None, deadline=3600, verbosity=1, **options):
        accounts = AdsAccount.objects.filter(active=True)
        if region:
            accounts = accounts.filter(region=region)
        accounts = [a for a in accounts if a.has_credentials]
        if not accounts:
            raise CommandError("No active Amazon Ads account with credentials (Settings > Ads).")
        bad = False
        for account in accounts:
            profiles = account.profiles.filter(selected=True).count()
            with tqdm(
                total=days * profiles,
                desc=f"Ads backfill {account.region}",
                unit=" days",
                disable=verbosity == 0,
                file=self.stderr,
            ) as bar:
                try:
                    result = sync.backfill(
                        account, days=days, batch=batch, deadline_seconds=deadline,
                        progress=bar.update,
                    )  # fmt: skip
                except ValueError as exc:
                    raise CommandError(str(exc)) from None
            for item in result["results"]:
                if item["status"] != "skipped" or verbosity > 1:
                    extra = item.get("error") or (f"{item['rows']} rows" if "rows" in item else "")
                    self.stdout.write(
                        f"{item['date']} {item['profile_id']}: {item['status']} {extra}".rstrip()
                    )
            summary = result["summary"]
            self.stdout.write(
                f"{account.region}: {summary['fetched']} fetched ({summary['rows']} rows), "
                f"{summary['skipped']} skipped, {summary['errors']} errors, "
                f"{summary['timeouts']} timeouts."
            )
            bad = bad or not result["success"] or summary["errors"] or summary["timeouts"]
        if bad:
            raise CommandError("Some days were not fetched (see above); run it again to retry.")
