from django.core.management.base import BaseCommand, CommandError

from ads import sync
from ads.models import AdsAccount
from orders.models import SyncStatus


class Command(BaseCommand):
    help = (
        "The Amazon Ads sync by hand: `request` asks for the lookback days' Sponsored "
        "Products reports (ADS_LOOKBACK_DAYS, or --lookback 1,2,3), `collect` stores the "
        "completed ones, `entities` refreshes campaigns and targeting, `profiles` lists "
        "the account's profiles, `now` requests then collects until done (at most "
        "--max-wait seconds)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "phase", choices=["request", "collect", "entities", "profiles", "now"], default="now",
            nargs="?",
        )  # fmt: skip
        parser.add_argument("--region", choices=["NA", "EU", "FE"])
        parser.add_argument("--lookback", help="days before today, e.g. 1,2,3,7")
        parser.add_argument("--max-wait", type=int, default=300)

    def handle(self, *args, phase, region=None, lookback=None, max_wait=300, **options):
        days = None
        if lookback:
            try:
                days = [int(part) for part in lookback.split(",")]
            except ValueError:
                raise CommandError("--lookback takes whole numbers, e.g. 1,2,3,7") from None
            if not all(1 <= d <= sync.MAX_BACKFILL_DAYS for d in days):
                raise CommandError(f"--lookback days must be 1 to {sync.MAX_BACKFILL_DAYS}.")
        accounts = AdsAccount.objects.filter(active=True)
        if region:
            accounts = accounts.filter(region=region)
        accounts = [a for a in accounts if a.has_credentials]
        if not accounts:
            raise CommandError("No active Amazon Ads account with credentials (Settings > Ads).")
        failed = False
        for account in accounts:
            if phase == "profiles":
                for profile in sync.refresh_profiles(account):
                    mark = "*" if profile.selected else " "
                    self.stdout.write(
                        f"{mark} {profile.profile_id} {profile.country_code} {profile.currency} "
                        f"{profile.time_zone} {profile.account_name}"
                    )
                continue
            if phase == "request":
                runs = [sync.request_reports(account, days=days)]
            elif phase == "collect":
                runs = [sync.collect_reports(account)]
            elif phase == "entities":
                runs = [sync.refresh_entities(account)]
            else:
                runs = sync.sync_now(account, max_wait=max_wait)
            for run in runs:
                line = f"{account.region} {run.get_source_display()}: {run.get_status_display()}. "
                line += run.detail
                if run.status in (SyncStatus.FAILED, SyncStatus.SKIPPED):
                    failed = True
                    self.stderr.write(f"{line} {run.error}")
                else:
                    self.stdout.write(line + (f" {run.error}" if run.error else ""))
        if failed:
            raise CommandError("At least one sync did not complete (see above).")
