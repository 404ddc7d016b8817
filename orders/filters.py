"""The orders list's query: the shared period filter plus status, SKU and order id."""

import django_filters
from django.db.models import Exists, OuterRef, Prefetch, Sum

from catalog.filters import ALL, PeriodQuerySerializer
from orders.models import FinanceKind, FinanceLine, Order, OrderItem, OrderStatus


class OrderFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=OrderStatus.choices)
    sku = django_filters.CharFilter(method="filter_sku", max_length=64)
    q = django_filters.CharFilter(
        field_name="amazon_order_id", lookup_expr="icontains", max_length=32
    )
    fulfillment = django_filters.ChoiceFilter(
        field_name="fulfillment_channel", choices=[("FBA", "FBA"), ("FBM", "FBM")]
    )
    estimated = django_filters.BooleanFilter(field_name="is_estimated")

    class Meta:
        model = Order
        fields = ["status", "sku", "q", "fulfillment", "estimated"]

    def filter_sku(self, queryset, name, value):
        return queryset.filter(
            Exists(OrderItem.objects.filter(order=OuterRef("pk"), seller_sku=value))
        )


def orders_for(query, period_query: PeriodQuerySerializer):
    """Orders of the period and filters, newest first, with items and whether Amazon has
    posted their fees (else the fees shown are estimates)."""
    period = period_query.period()
    orders = Order.objects.filter(local_date__range=(period.start, period.end))
    if period.marketplace != ALL:
        orders = orders.filter(marketplace__code=period.marketplace)
    filtered = OrderFilter(query, queryset=orders)
    return filtered, period


def with_details(orders):
    fees_posted = FinanceLine.objects.filter(
        kind=FinanceKind.SHIPMENT, amazon_order_id=OuterRef("amazon_order_id")
    )
    return (
        orders.select_related("marketplace")
        .annotate(fees_posted=Exists(fees_posted), units=Sum("items__quantity_ordered"))
        .prefetch_related(Prefetch("items", queryset=OrderItem.objects.order_by("seller_sku")))
        .order_by("-created_at", "-id")
    )
