"""Demo marketplaces: Amazon's ids, currencies and the day boundary Seller Central uses."""

from catalog.models import Marketplace, Region

MARKETPLACES = [
    # code, name, Amazon marketplace id, region, country, currency, time zone, domain
    (
        "US",
        "United States",
        "ATVPDKIKX0DER",
        Region.NA,
        "US",
        "USD",
        "America/Los_Angeles",
        "amazon.com",
    ),
    ("CA", "Canada", "A2EUQ1WTGCTBG2", Region.NA, "CA", "CAD", "America/Los_Angeles", "amazon.ca"),
    (
        "MX",
        "Mexico",
        "A1AM78C64UM0Y8",
        Region.NA,
        "MX",
        "MXN",
        "America/Mexico_City",
        "amazon.com.mx",
    ),
    (
        "UK",
        "United Kingdom",
        "A1F83G8C2ARO7P",
        Region.EU,
        "GB",
        "GBP",
        "Europe/London",
        "amazon.co.uk",
    ),
    ("DE", "Germany", "A1PA6795UKMFR9", Region.EU, "DE", "EUR", "Europe/Berlin", "amazon.de"),
    ("FR", "France", "A13V1IB3VIYZZH", Region.EU, "FR", "EUR", "Europe/Paris", "amazon.fr"),
    ("IT", "Italy", "APJ6JRA9NG5V4", Region.EU, "IT", "EUR", "Europe/Rome", "amazon.it"),
    ("ES", "Spain", "A1RKKUPIHCS9HS", Region.EU, "ES", "EUR", "Europe/Madrid", "amazon.es"),
    ("JP", "Japan", "A1VC38T7YXB528", Region.FE, "JP", "JPY", "Asia/Tokyo", "amazon.co.jp"),
]


def seed(rng, out):
    created = 0
    for code, name, mid, region, country, currency, tz, domain in MARKETPLACES:
        _, new = Marketplace.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "amazon_marketplace_id": mid,
                "region": region,
                "country_code": country,
                "currency": currency,
                "time_zone": tz,
                "domain": domain,
            },
        )
        created += new
    out.write(f"Marketplaces: {created} added, {len(MARKETPLACES) - created} already there.")
