"""Keep the daily rollup true when the owner changes what it is computed from.

A SKU cost, a fee rule or an FX rate changes the rollup from its effective date on; a
listing (a SKU mapped or re-mapped) changes that SKU's rows. The affected ranges of one
transaction are merged per marketplace and rebuilt by one background task each, after
the commit (a CSV import of 500 costs makes one task per marketplace, not 500).
"""

import contextlib
import datetime as dt
import threading

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from catalog.models import FeeRule, FxRate, Listing, Marketplace, SkuCost

_pending = threading.local()


def _today():
    return dt.date.today() + dt.timedelta(days=1)  # every time zone's today


@contextlib.contextmanager
def paused():
    """For bulk loads that rebuild the rollup themselves (seed_demo)."""
    _pending.paused = True
    try:
        yield
    finally:
        _pending.paused = False


def _schedule(marketplace_pks, start, end=None):
    if getattr(_pending, "paused", False):
        return
    start = _as_date(start)
    end = _as_date(end) if end else _today()
    ranges = getattr(_pending, "ranges", None)
    if ranges is None:
        ranges = _pending.ranges = {}
    for pk in marketplace_pks:
        known = ranges.get(pk)
        ranges[pk] = (min(start, known[0]), max(end, known[1])) if known else (start, end)
    # Every change asks; the first flush after the commit takes all that is pending and
    # the others find nothing. (A rolled-back change may leave a range behind: it is
    # rebuilt with the next one, which costs time, not correctness.)
    transaction.on_commit(_flush)


def _as_date(value) -> dt.date:
    """A model saved from a form or import may still hold its date as text."""
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _flush():
    from django_q.tasks import async_task

    ranges = getattr(_pending, "ranges", None) or {}
    _pending.ranges = None
    if not ranges:
        return
    for pk, (start, end) in sorted(ranges.items()):
        async_task(
            "orders.tasks.rollup_rebuild", start.isoformat(), end.isoformat(), [pk],
            group="rollup",
        )  # fmt: skip


def _on_cost(sender, instance, **kwargs):
    marketplaces = set(
        Listing.objects.filter(product_id=instance.product_id).values_list(
            "marketplace_id", flat=True
        )
    )
    if marketplaces:
        _schedule(marketplaces, instance.effective_from)


def _on_fee_rule(sender, instance, **kwargs):
    marketplace = (
        Listing.objects.filter(pk=instance.listing_id)
        .values_list("marketplace_id", flat=True)
        .first()
    )
    if marketplace:
        _schedule([marketplace], instance.effective_from)


def _on_rate(sender, instance, **kwargs):
    # A rate serves its day and, by fallback, the days after it until the next one; a
    # cost in this currency may sell anywhere: every marketplace from that day.
    _schedule(list(Marketplace.objects.values_list("pk", flat=True)), instance.date)


def _on_listing(sender, instance, **kwargs):
    from orders.models import DailySales

    first = (
        DailySales.objects.filter(
            marketplace_id=instance.marketplace_id, seller_sku=instance.seller_sku
        )
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )
    if first:
        _schedule([instance.marketplace_id], first)


def connect():
    for model, handler in (
        (SkuCost, _on_cost),
        (FeeRule, _on_fee_rule),
        (FxRate, _on_rate),
        (Listing, _on_listing),
    ):
        post_save.connect(handler, sender=model, dispatch_uid=f"rollup-{model.__name__}-save")
        post_delete.connect(handler, sender=model, dispatch_uid=f"rollup-{model.__name__}-del")
