import datetime as dt

import pytest

pytestmark = pytest.mark.django_db
UTC = dt.UTC


@pytest.mark.parametrize(
    ("code", "utc", "local"),
    [
        # US (Pacific): 07:59 UTC is still the previous evening; 08:00 is midnight (PST).
        ("US", dt.datetime(2026, 1, 15, 7, 59, tzinfo=UTC), dt.date(2026, 1, 14)),
        ("US", dt.datetime(2026, 1, 15, 8, 0, tzinfo=UTC), dt.date(2026, 1, 15)),
        # After the spring change (8 March 2026) Pacific is UTC-7: midnight is 07:00 UTC.
        ("US", dt.datetime(2026, 3, 9, 6, 59, tzinfo=UTC), dt.date(2026, 3, 8)),
        ("US", dt.datetime(2026, 3, 9, 7, 0, tzinfo=UTC), dt.date(2026, 3, 9)),
        # UK: UTC in winter, UTC+1 from 29 March 2026.
        ("UK", dt.datetime(2026, 3, 28, 23, 30, tzinfo=UTC), dt.date(2026, 3, 28)),
        ("UK", dt.datetime(2026, 3, 29, 23, 30, tzinfo=UTC), dt.date(2026, 3, 30)),
        # DE: UTC+1 in winter, UTC+2 in summer; back on 25 October 2026.
        ("DE", dt.datetime(2026, 10, 24, 22, 30, tzinfo=UTC), dt.date(2026, 10, 25)),
        ("DE", dt.datetime(2026, 10, 25, 22, 30, tzinfo=UTC), dt.date(2026, 10, 25)),
        # JP: UTC+9 all year, no DST.
        ("JP", dt.datetime(2026, 6, 30, 14, 59, tzinfo=UTC), dt.date(2026, 6, 30)),
        ("JP", dt.datetime(2026, 6, 30, 15, 0, tzinfo=UTC), dt.date(2026, 7, 1)),
    ],
)
def test_sales_land_on_the_marketplace_local_day(marketplaces, code, utc, local):
    assert marketplaces[code].local_date(utc) == local


def test_naive_timestamps_are_refused(marketplaces):
    with pytest.raises(ValueError):
        marketplaces["US"].local_date(dt.datetime(2026, 1, 1, 12, 0))
