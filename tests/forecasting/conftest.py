import datetime as dt

import numpy as np
import pytest
from django.utils import timezone

from catalog.filters import today_in
from catalog.models import InventoryLevel, Location, StockDay
from forecasting.models import ForecastRun, RunStatus, SeriesForecast
from orders.models import DailySales, DailyTotals
from tests.factories import ListingFactory, ProductFactory, SkuCostFactory


def flat(listing, rate, first_day, days=90, head=(), spread=0.0):
    """A stored latest forecast of `rate` a day (and `head` first), bands ± `spread`."""
    run = ForecastRun.objects.create(
        engine_version="test", horizon=90, status=RunStatus.DONE, finished_at=timezone.now()
    )
    values = list(head) + [float(rate)] * (days - len(head))
    return SeriesForecast.objects.create(
        run=run,
        listing=listing,
        marketplace=listing.marketplace,
        latest=True,
        first_day=first_day,
        history_days=200,
        method="ets",
        mean=values,
        lo80=[max(0.0, v - spread) for v in values],
        hi80=[v + spread for v in values],
        lo95=[max(0.0, v - 2 * spread) for v in values],
        hi95=[v + 2 * spread for v in values],
        mase=0.7,
        baseline_mase=1.0,
        units_30=sum(values[:30]),
    )


def stock(listing, available, **more):
    InventoryLevel.objects.create(
        listing=listing,
        location=Location.FBA,
        available=available,
        as_of=timezone.now(),
        **more,
    )


WEEKDAY = np.array([1.2, 1.0, 1.0, 0.9, 1.0, 1.1, 0.8])


def sell(listing, days: dict):
    """DailySales rows (and the marketplace's DailyTotals) for {date: units}."""
    DailySales.objects.bulk_create(
        DailySales(
            date=day,
            marketplace=listing.marketplace,
            seller_sku=listing.seller_sku,
            listing=listing,
            product=listing.product,
            currency=listing.marketplace.currency,
            units=units,
            orders=units,
        )
        for day, units in days.items()
    )
    for day, units in days.items():
        total, _ = DailyTotals.objects.get_or_create(date=day, marketplace=listing.marketplace)
        total.units += units
        total.save(update_fields=["units"])


@pytest.fixture
def shop(marketplaces):
    """Three US listings: a steady seller (~10/day with a weekday pattern, 140 days),
    one that ran out of stock for 12 days (recorded by the inventory sync) and one that
    never sold. Yesterday is the last complete day."""
    us = marketplaces["US"]
    today = today_in(us)
    rng = np.random.default_rng(7)
    steady = ListingFactory(
        seller_sku="STEADY-1",
        product=ProductFactory(sku="P-STEADY", title="Steady mug", case_pack=12),
    )
    gappy = ListingFactory(
        seller_sku="GAPPY-1", product=ProductFactory(sku="P-GAPPY", title="Gappy lamp")
    )
    idle = ListingFactory(
        seller_sku="IDLE-1", product=ProductFactory(sku="P-IDLE", title="Idle vase")
    )
    days = [today - dt.timedelta(days=n) for n in range(140, 0, -1)]
    sell(steady, {d: int(rng.poisson(10 * WEEKDAY[d.weekday()])) for d in days})
    outage = set(days[100:112])
    sell(gappy, {d: 0 if d in outage else int(rng.poisson(6)) for d in days})
    StockDay.objects.bulk_create(StockDay(listing=gappy, date=d, available=0) for d in outage)
    now = dt.datetime.now(dt.UTC)
    for listing, available in ((steady, 300), (gappy, 20), (idle, 50)):
        InventoryLevel.objects.create(
            listing=listing, location=Location.FBA, available=available, as_of=now
        )
    SkuCostFactory(product=steady.product, unit_cost=4)
    return {
        "us": us,
        "today": today,
        "steady": steady,
        "gappy": gappy,
        "idle": idle,
        "outage": sorted(outage),
    }
