import datetime as dt

import factory

from accounts.models import Role, User
from catalog.models import Marketplace

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@shop.test")
    full_name = factory.Faker("name")
    role = Role.PARTNER
    password = factory.django.Password(PASSWORD)


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "catalog.Product"
        django_get_or_create = ("sku",)

    sku = factory.Sequence(lambda n: f"SKU-{n:04d}")
    title = factory.Sequence(lambda n: f"Product {n}")
    case_pack = 12


class ListingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "catalog.Listing"

    marketplace = factory.LazyFunction(lambda: Marketplace.objects.get(code="US"))
    seller_sku = factory.Sequence(lambda n: f"SELL-{n:04d}")
    product = factory.SubFactory(ProductFactory)
    asin = factory.Sequence(lambda n: f"B0{n:08d}")


class SkuCostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "catalog.SkuCost"

    product = factory.SubFactory(ProductFactory)
    effective_from = dt.date(2026, 1, 1)
    unit_cost = 5
    currency = "USD"


class FeeRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "catalog.FeeRule"

    listing = factory.SubFactory(ListingFactory)
    effective_from = dt.date(2026, 1, 1)
    referral_fee_percent = 15
    fba_fee_per_unit = 3
    currency = "USD"
