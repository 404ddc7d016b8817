from django.urls import path

from accounts.pages import NotBuiltPage

urlpatterns = [
    path(
        "ads/",
        NotBuiltPage.as_view(
            title="Ads",
            nav="ads",
            issue=6,
            summary="Sponsored Products spend, sales, ACOS, ROAS and TACoS by day and campaign.",
        ),
        name="ads",
    ),
    path(
        "ads/attribution/",
        NotBuiltPage.as_view(
            title="Attribution",
            nav="attribution",
            issue=6,
            summary="True profit per SKU after ad spend, fees, refunds and COGS, with "
            "break-even ACOS.",
        ),
        name="ads-attribution",
    ),
]
