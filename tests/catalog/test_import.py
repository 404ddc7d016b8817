import io
import re
import time
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from accounts.models import AuditLogEntry
from catalog.demo import marketplaces_seed
from catalog.models import FeeRule, FxRate, InventoryLevel, Listing, Product, SkuCost
from catalog.resources import RESOURCES
from catalog.services import catalog_export, catalog_import
from tests.factories import ListingFactory, ProductFactory

pytestmark = pytest.mark.django_db


def run(kind, text, filename="f.csv", dry_run=False, encoding="utf-8", actor=None):
    raw = text if isinstance(text, bytes) else text.encode(encoding)
    return catalog_import(kind=kind, raw=raw, filename=filename, actor=actor, dry_run=dry_run)


PRODUCTS = "sku,title,brand,case_pack,barcode\nP-1,Mug,Acme,12,4006381333931\nP-2,Teapot,Acme,6,\n"


def test_products_import_then_unchanged_on_rerun(owner):
    first = run("products", PRODUCTS, actor=owner)
    assert (first.ok, first.rows, first.new, first.updated) == (True, 2, 2, 0)
    assert Product.objects.get(sku="P-1").case_pack == 12
    again = run("products", PRODUCTS, actor=owner)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 2)
    entry = AuditLogEntry.objects.filter(action="catalog.import.products").first()
    assert entry.actor == owner and entry.changes["new"] == [None, 0]


def test_dry_run_counts_and_changes_nothing():
    report = run("products", PRODUCTS, dry_run=True)
    assert (report.ok, report.new) == (True, 2)
    assert report.summary() == (
        "products: 2 rows; 2 new, 0 updated, 0 unchanged would be imported."
    )
    assert not Product.objects.exists() and not AuditLogEntry.objects.exists()


def test_bad_rows_refuse_the_whole_file_with_lines():
    text = (
        "sku,title,case_pack,barcode\n"
        "OK-1,Fine,12,\n"
        "OK-2,Zero pack,0,\n"
        'OK-3,"Two\nlines",x,\n'
        ",No sku,1,\n"
        "OK-5,Bad barcode,1,4006381333932\n"
        "OK-6,Misaligned,1,,extra\n"
    )
    report = run("products", text)
    assert not report.ok and not Product.objects.exists()
    assert report.errors == [
        (3, "case_pack: Ensure this value is greater than or equal to 1."),
        (4, "case_pack: 'x' is not a whole number"),
        (6, "sku: This field cannot be blank."),
        (7, "barcode: 4006381333932 has a wrong check digit."),
        (8, "5 cells but the header names 4 columns"),
    ]
    assert report.summary() == "products: refused, 5 problem(s); nothing was changed."


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("\ufeffsku;title;case_pack\nP-1;Crème brûlée dish;6\n".encode(), "utf8-bom"),
        ("sku;title;case_pack\nP-1;Crème brûlée dish;6\n".encode("latin-1"), "latin-1"),
        ("sku\ttitle\tcase_pack\nP-1\tCrème brûlée dish\t6\n".encode(), "tabs"),
        (
            b'"sku","title","case_pack"\r\n"P-1","Cr\xc3\xa8me br\xc3\xbbl\xc3\xa9e dish","6"\r\n',
            "crlf",
        ),
    ],
)
def test_encodings_and_delimiters(raw, name):
    report = run("products", raw)
    assert report.ok, report.errors
    product = Product.objects.get(sku="P-1")
    assert (product.title, product.case_pack) == ("Crème brûlée dish", 6)


def test_quoted_newlines_and_quotes_survive():
    text = 'sku,title\nP-1,"Tea ""Earl Grey""\nloose leaf, 250 g"\n'
    assert run("products", text).ok
    assert Product.objects.get().title == 'Tea "Earl Grey"\nloose leaf, 250 g'


@pytest.mark.parametrize("text", ["", "   \n\n", "\ufeff"])
def test_empty_files(text):
    report = run("products", text)
    assert report.errors == [(None, "The file is empty.")]


def test_header_only_file_imports_nothing():
    report = run("products", "sku,title\n")
    assert (report.ok, report.rows) == (True, 0)


def test_missing_required_column():
    report = run("products", "sku,brand\nP-1,Acme\n")
    assert report.errors == [(None, "Missing column(s): title")]


def test_european_decimal_commas(marketplaces):
    ProductFactory(sku="P-1")
    report = run(
        "sku_costs",
        "product;effective_from;unit_cost;inbound_freight_per_unit;currency\n"
        "P-1;2026-01-01;4,35;0,40;EUR\n",
    )
    assert report.ok, report.errors
    cost = SkuCost.objects.get()
    assert (cost.unit_cost, cost.inbound_freight_per_unit) == (Decimal("4.35"), Decimal("0.40"))


def test_listing_and_fee_and_inventory_imports(marketplaces):
    ProductFactory(sku="P-1")
    assert run(
        "listings",
        "marketplace,channel,seller_sku,product,fulfillment,asin\nus,amazon,S-1,P-1,FBA,B0A\n",
    ).ok
    listing = Listing.objects.get(seller_sku="S-1")
    assert listing.marketplace.code == "US" and listing.product.sku == "P-1"
    fees = run(
        "fee_rules",
        "marketplace,seller_sku,effective_from,referral_fee_percent,fba_fee_per_unit,currency\n"
        "US,S-1,2026-01-01,15,3.22,USD\n"
        "US,NOPE,2026-01-01,15,3.22,USD\n",
    )
    assert fees.errors == [(3, "seller_sku: no listing for seller SKU 'NOPE' in US: map it first")]
    assert not FeeRule.objects.exists()
    stock = run(
        "inventory",
        "marketplace,seller_sku,location,available,reserved,as_of\n"
        "US,S-1,fba,40,2,2026-11-20 08:00:00\n",
    )
    assert stock.ok, stock.errors
    level = InventoryLevel.objects.get()
    assert (level.available, level.reserved, level.source) == (40, 2, "import")


def test_unknown_marketplace_and_product(marketplaces):
    report = run("listings", "marketplace,channel,seller_sku,product\nXX,amazon,S-1,P-404\n")
    assert report.errors == [
        (2, "marketplace: unknown marketplace 'XX'"),
        (2, "product: unknown product 'P-404'"),
    ]


def test_a_key_twice_in_one_file_is_refused():
    report = run("products", "sku,title\nP-1,First\nP-2,Other\nP-1,Second\n")
    assert report.errors == [(4, "sku repeats line 2")]
    assert not Product.objects.exists()


def test_export_then_reimport_reports_no_changes(marketplaces):
    ProductFactory(sku="P-1", title='=HYPERLINK("http://evil")', brand="@Acme")
    ProductFactory(sku="P-2", title="-10% off, +free")
    exported = catalog_export("products")
    text = exported.decode()
    assert "'=HYPERLINK" in text and "'@Acme" in text and "'-10% off" in text
    report = run("products", exported)
    assert (report.ok, report.new, report.updated, report.unchanged) == (True, 0, 0, 2)
    assert Product.objects.get(sku="P-1").title == '=HYPERLINK("http://evil")'


@pytest.mark.parametrize("kind", sorted(RESOURCES))
def test_every_export_reimports_unchanged(kind, marketplaces):
    product = ProductFactory(sku="P-1")
    listing = ListingFactory(seller_sku="S-1", product=product)
    SkuCost.objects.create(
        product=product, effective_from="2026-01-01", unit_cost=4, currency="USD"
    )
    FeeRule.objects.create(
        listing=listing, effective_from="2026-01-01", referral_fee_percent=15, currency="USD"
    )
    InventoryLevel.objects.create(listing=listing, available=5, as_of="2026-11-20T08:00:00Z")
    FxRate.objects.create(currency="EUR", date="2026-01-01", rate=Decimal("1.0834"))
    for filename in ("x.csv", "x.xlsx"):
        report = run(kind, catalog_export(kind, filename), filename=filename)
        assert (report.ok, report.new, report.updated) == (True, 0, 0), (filename, report.errors)
        assert report.unchanged == 1


def test_xlsx_import():
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["sku", "title", "case_pack"])
    book.active.append(["P-9", "From Excel", 24])
    buffer = io.BytesIO()
    book.save(buffer)
    assert run("products", buffer.getvalue(), filename="catalog.xlsx").ok
    assert Product.objects.get(sku="P-9").case_pack == 24


def test_not_a_spreadsheet():
    report = run("products", b"PK\x03\x04 broken zip", filename="x.xlsx")
    assert not report.ok and report.errors[0][1].startswith("Not a readable XLSX file")


def test_fifty_thousand_rows():
    lines = ["sku,title,case_pack"] + [f"BULK-{i},Item {i},12" for i in range(50_000)]
    started = time.perf_counter()
    report = run("products", "\n".join(lines) + "\n")
    elapsed = time.perf_counter() - started
    assert (report.ok, report.new) == (True, 50_000), report.errors[:3]
    assert Product.objects.count() == 50_000
    print(f"50,000 product rows imported in {elapsed:.1f} s")


def test_command_exit_status_and_messages(tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_text(PRODUCTS)
    call_command("import_csv", "products", str(good), "--dry-run")
    assert not Product.objects.exists()
    call_command("import_csv", "products", str(good))
    assert Product.objects.count() == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,title,case_pack\nP-3,Bad,0\n")
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_csv", "products", str(bad))
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "bad.csv, line 2: case_pack: Ensure this value is greater than or equal to 1." in err
    out = tmp_path / "out.csv"
    call_command("export_csv", "products", str(out))
    assert out.read_text().splitlines()[0].startswith("sku,title,brand")


def test_admin_import_preview_refuses_a_bad_file(owner_client, marketplaces):
    url = reverse("admin:catalog_product_import")
    page = owner_client.get(url)
    assert page.status_code == 200
    upload = io.BytesIO(b"sku;title;case_pack\nP-1;Ok;6\nP-2;Bad;0\n")
    upload.name = "products.csv"
    response = owner_client.post(
        url, {"import_file": upload, "format": 0, "resource": 0}, follow=True
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ensure this value is greater than or equal to 1" in html
    # The bad row is numbered by its file line (3: after the header and P-1).
    assert re.search(r"<td>\s*3\s*</td>", html), html[html.find("validation") :][:2000]
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    ("content", "name"),
    [(b"\x00\xff\xfe garbage \x89PNG", "x.csv"), (b"PK\x03\x04 broken", "x.xlsx"), (b"", "x.csv")],
)
def test_admin_import_of_a_broken_file_is_a_clear_error(owner_client, content, name):
    upload = io.BytesIO(content)
    upload.name = name
    fmt = 1 if name.endswith(".xlsx") else 0
    response = owner_client.post(
        reverse("admin:catalog_product_import"),
        {"import_file": upload, "format": fmt, "resource": 0},
        follow=True,
    )
    assert response.status_code == 200
    assert not Product.objects.exists()


def test_admin_import_is_owner_only(partner_client):
    assert partner_client.get(reverse("admin:catalog_product_import")).status_code == 403
    assert partner_client.get(reverse("admin:catalog_product_export")).status_code == 403


cells = st.one_of(
    st.text(max_size=12),
    st.integers(-5, 10**7).map(str),
    st.sampled_from(["", "US", "usd", "2026-01-01", "1,5", "=1+1", "fba", "true", "P-1"]),
)


class RandomRowsTest(HypothesisTestCase):
    """Random rows at every importer: refused whole or imported, never half, never a crash."""

    @classmethod
    def setUpTestData(cls):
        marketplaces_seed()
        ProductFactory(sku="P-1")
        ListingFactory(seller_sku="S-1")

    @hsettings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(
        kind=st.sampled_from(sorted(RESOURCES)),
        rows=st.lists(st.lists(cells, min_size=0, max_size=9), max_size=6),
        delimiter=st.sampled_from([",", ";"]),
    )
    def test_random_rows(self, kind, rows, delimiter):
        headers = [f.column_name for f in RESOURCES[kind]().get_import_fields()]
        text = delimiter.join(headers) + "\n"
        for row in rows:
            text += delimiter.join(c.replace(delimiter, " ").replace("\n", " ") for c in row)
            text += "\n"
        models = [Product, Listing, SkuCost, FeeRule, InventoryLevel, FxRate]
        before = {m: list(m.objects.order_by("pk").values()) for m in models}
        report = run(kind, text)
        after = {m: list(m.objects.order_by("pk").values()) for m in models}
        if not report.ok:
            assert after == before, "a refused import changed the database"
            assert all(isinstance(reason, str) and reason for _, reason in report.errors)
        else:
            assert report.new + report.updated + report.unchanged == report.rows
