from django.urls import path

from accounts.pages import NotBuiltPage

urlpatterns = [
    path(
        "forecast/",
        NotBuiltPage.as_view(
            title="Forecast",
            nav="forecast",
            issue=7,
            summary="Daily demand forecasts per SKU with 80% and 95% bands and their measured "
            "accuracy against a seasonal-naive baseline.",
        ),
        name="forecast",
    ),
    path(
        "restock/",
        NotBuiltPage.as_view(
            title="Restock",
            nav="restock",
            issue=7,
            summary="What to order, how much and by when: reorder point, order-by date and "
            "quantity per SKU.",
        ),
        name="restock",
    ),
]
