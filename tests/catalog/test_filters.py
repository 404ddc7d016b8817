import datetime as dt

import pytest
from django.urls import reverse

from catalog.filters import MAX_DAYS, PeriodQuerySerializer, period_from_query

pytestmark = pytest.mark.django_db


def parse(query):
    s = PeriodQuerySerializer(data=query)
    return s.period() if s.is_valid() else s.errors


def test_defaults_to_all_marketplaces_last_30_days(marketplaces):
    period = parse({})
    assert (period.marketplace, period.days, period.length) == ("ALL", 30, 30)
    assert period.query() == "marketplace=ALL&days=30"


def test_explicit_range_and_previous_period(marketplaces):
    period = parse({"marketplace": "de", "start": "2026-03-01", "end": "2026-03-31"})
    assert (period.marketplace, period.start, period.end, period.length) == (
        "DE",
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 31),
        31,
    )
    prev = period.previous()
    assert (prev.start, prev.end) == (dt.date(2026, 1, 29), dt.date(2026, 2, 28))
    assert period.query() == "marketplace=DE&start=2026-03-01&end=2026-03-31"


def test_last_days_end_today_in_the_marketplace(marketplaces, settings):
    from catalog.filters import today_in

    period = parse({"marketplace": "JP", "days": 7})
    assert period.end == today_in(marketplaces["JP"]) and period.length == 7


@pytest.mark.parametrize(
    "query",
    [
        {"marketplace": "XX"},
        {"marketplace": "US' OR 1=1 --"},
        {"days": -3},
        {"days": 0},
        {"days": MAX_DAYS + 1},
        {"days": "ten"},
        {"start": "2026-02-01"},
        {"start": "2026-02-10", "end": "2026-02-01"},
        {"start": "2020-01-01", "end": "2026-01-01"},
        {"days": 7, "start": "2026-01-01", "end": "2026-01-02"},
        {"start": "2026-02-30", "end": "2026-03-01"},
    ],
)
def test_nonsense_is_refused(marketplaces, query):
    assert isinstance(parse(query), dict)


def test_pages_fall_back_and_say_so(marketplaces, partner_client):
    period, problems = period_from_query({"marketplace": "XX", "days": "7"})
    assert period.marketplace == "ALL" and problems == ["marketplace: Unknown marketplace 'XX'."]
    page = partner_client.get(reverse("forecast"), {"marketplace": "XX"})
    assert page.status_code == 200
    assert "Filter ignored, showing the defaults: marketplace: Unknown marketplace" in (
        page.content.decode()
    )


def test_nav_links_keep_the_filter(marketplaces, partner_client):
    page = partner_client.get(reverse("dashboard"), {"marketplace": "UK", "days": 90})
    html = page.content.decode()
    assert 'href="/ads/?marketplace=UK&amp;days=90"' in html
    assert '<option value="UK" selected>' in html
