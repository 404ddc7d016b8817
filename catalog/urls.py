from django.urls import path

from accounts.pages import NotBuiltPage

urlpatterns = [
    path(
        "inventory/",
        NotBuiltPage.as_view(
            title="Inventory",
            nav="inventory",
            issue=3,
            summary="Stock levels by marketplace and SKU with how fresh each number is.",
        ),
        name="inventory",
    ),
    path(
        "data-health/",
        NotBuiltPage.as_view(
            title="Data health",
            nav="data-health",
            issue=3,
            summary="Unmapped SKUs, products sold without a cost, listings without a fee rule "
            "and stale inventory, with their 30-day trend.",
        ),
        name="data-health",
    ),
]
