"""The demo's Amazon Ads account (the local sandbox's test credentials), its profiles,
and what the sandbox's reports hold for the demo days, stored through the same parser
and writer the collect phase uses: campaign and advertised-product days, their reports
marked completed, and the campaigns, ad groups, ads, keywords and targets. The daily
rollup (with the ad columns) is built once afterwards, by orders.demo.finish."""

import datetime as dt

from django.utils import timezone

from ads import history as ads_history
from ads import sync
from ads.models import AdsAccount, AdsReport, ReportStatus, ReportType
from catalog.demo import MARKETPLACES
from orders import history, sandbox
from orders.demo import DEMO_DAYS, SEED

DEMO_MARKETPLACES = {"US", "CA"}  # where the demo sells (orders/demo.py)


def seed(rng, out, options=None):
    options = options or {}
    if options.get("scale") == "large":
        from ads import large

        large.seed(out)
        return
    days = options.get("days") or DEMO_DAYS
    account, created = AdsAccount.objects.get_or_create(
        region="NA",
        defaults={
            "client_id": sandbox.CLIENT_ID,
            "client_secret": sandbox.CLIENT_SECRET,
            "refresh_token": sandbox.REFRESH_TOKEN,
        },
    )
    out.write(
        "Amazon Ads account (NA, local sandbox): " + ("added." if created else "already there.")
    )
    now = timezone.now().replace(microsecond=0)
    orders = history.OrderHistory(history.demo_listings(SEED, DEMO_MARKETPLACES), seed=SEED)
    region = [m for m in MARKETPLACES if m[3] == "NA"]
    profiles = sync.store_profiles(account, ads_history.profiles(orders, region), now)
    stored = reports = entities = 0
    for profile in profiles:
        code = profile.marketplace.code if profile.marketplace else None
        if code not in DEMO_MARKETPLACES:
            continue
        if not profile.selected:
            profile.selected = True
            profile.save(update_fields=["selected"])
        for kind, items in ads_history.entities(orders, code).items():
            entities += sync.store_entities(profile, kind, items, now)
        today = sync.profile_today(profile, now)
        done = set(
            AdsReport.objects.filter(profile=profile, status=ReportStatus.COMPLETED).values_list(
                "report_type", "date"
            )
        )
        for n in range(days, 0, -1):
            day = today - dt.timedelta(days=n)
            products = ads_history.product_rows(orders, code, day, now)
            files = {
                ReportType.ADVERTISED_PRODUCT: products,
                ReportType.CAMPAIGNS: ads_history.campaign_rows(orders, code, day, now, products),
            }
            for report_type, rows in files.items():
                if (report_type, day) in done:
                    continue
                report = AdsReport.objects.create(
                    profile=profile, report_type=report_type, date=day,
                    report_id=f"demo-{profile.profile_id}-{report_type}-{day}", requested_at=now,
                )  # fmt: skip
                stored += sync.store_rows(report, rows, now, rebuild=False)
                reports += 1
    out.write(
        f"Sponsored Products: {len(profiles)} profiles, {reports} daily reports "
        f"({stored} rows), {entities} campaigns, ad groups, ads, keywords and targets."
    )
