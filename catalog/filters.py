"""The marketplace and date-range filter every page and chart endpoint shares.

The filter lives in the URL query (`?marketplace=US&days=30` or
`?marketplace=ALL&start=2026-01-01&end=2026-01-31`) so any view can be
bookmarked and shared. API endpoints validate it with `PeriodQuerySerializer`
and answer 400 on nonsense; pages use `period_from_query`, which falls back to
the defaults and says what it ignored.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone
from rest_framework import serializers

from catalog.models import Marketplace

ALL = "ALL"
DAY_CHOICES = (7, 14, 30, 90, 180, 365)
DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    marketplace: str  # a Marketplace.code or ALL
    start: dt.date
    end: dt.date
    days: int | None  # set when the range is "the last N days"

    @property
    def length(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period of equal length just before this one."""
        end = self.start - dt.timedelta(days=1)
        return Period(self.marketplace, end - dt.timedelta(days=self.length - 1), end, self.days)

    def query(self) -> str:
        params = {"marketplace": self.marketplace}
        if self.days:
            params["days"] = self.days
        else:
            params.update(start=self.start.isoformat(), end=self.end.isoformat())
        return urlencode(params)

    @property
    def label(self) -> str:
        if self.days:
            return f"last {self.days} days"
        return f"{self.start:%d %b %Y} – {self.end:%d %b %Y}"


def today_in(marketplace: Marketplace | None) -> dt.date:
    """Today's date where the marketplace is (or in TIME_ZONE for ALL)."""
    tz = zoneinfo.ZoneInfo(marketplace.time_zone if marketplace else settings.TIME_ZONE)
    return timezone.now().astimezone(tz).date()


def marketplace_code(value: str) -> str:
    """A marketplace code from a query (or ALL); unknown ones are a validation error."""
    code = value.strip().upper()
    if code == ALL:
        return code
    if not Marketplace.objects.filter(code=code).exists():
        raise serializers.ValidationError(f"Unknown marketplace {value!r}.")
    return code


def seller_sku_value(value: str) -> str:
    """A seller SKU from a query or body: no control characters, not blank."""
    value = value.strip()
    if not value or any(c in value for c in "\r\n\t\x00"):
        raise serializers.ValidationError("Not a seller SKU.")
    return value


class PeriodQuerySerializer(serializers.Serializer):
    marketplace = serializers.CharField(required=False, default=ALL, max_length=8)
    days = serializers.IntegerField(required=False, min_value=1, max_value=MAX_DAYS)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)

    def validate_marketplace(self, value):
        return marketplace_code(value)

    def validate(self, attrs):
        start, end, days = attrs.get("start"), attrs.get("end"), attrs.get("days")
        if days and (start or end):
            raise serializers.ValidationError("Give either days or start/end, not both.")
        if (start is None) != (end is None):
            raise serializers.ValidationError("start and end go together.")
        if start and end:
            if start > end:
                raise serializers.ValidationError("start is after end.")
            if (end - start).days + 1 > MAX_DAYS:
                raise serializers.ValidationError(f"A range can span at most {MAX_DAYS} days.")
        return attrs

    def period(self) -> Period:
        data = self.validated_data
        code = data["marketplace"]
        if data.get("start"):
            return Period(code, data["start"], data["end"], None)
        marketplace = Marketplace.objects.filter(code=code).first() if code != ALL else None
        days = data.get("days") or DEFAULT_DAYS
        end = today_in(marketplace)
        return Period(code, end - dt.timedelta(days=days - 1), end, days)


def period_from_query(query) -> tuple[Period, list[str]]:
    """Parse a page's filter; bad values fall back to defaults with a message."""
    parsed = PeriodQuerySerializer(data=query)
    if parsed.is_valid():
        return parsed.period(), []
    problems = [
        f"{field}: {' '.join(str(m) for m in msgs)}"
        if field != "non_field_errors"
        else " ".join(str(m) for m in msgs)
        for field, msgs in parsed.errors.items()
    ]
    fallback = PeriodQuerySerializer(data={})
    fallback.is_valid()
    return fallback.period(), problems
