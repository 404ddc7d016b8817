from django.urls import path

from forecasting import apis, views

urlpatterns = [
    path("forecast/", views.forecast_page, name="forecast"),
    path("forecast/run", views.forecast_run, name="forecast-run"),
    path("restock/", views.restock_page, name="restock"),
    path("api/forecast/total", apis.ForecastTotalApi.as_view(), name="forecast-total"),
    path("api/forecast/sku/<path:sku>", apis.ForecastSkuApi.as_view(), name="forecast-sku"),
    path("api/forecast/top-skus", apis.ForecastTopSkusApi.as_view(), name="forecast-top-skus"),
    path("api/forecast/accuracy", apis.ForecastAccuracyApi.as_view(), name="forecast-accuracy"),
    path("api/forecast/restock-plan", apis.RestockPlanApi.as_view(), name="forecast-restock-plan"),
    path("api/restock/plan", apis.RestockWhatIfApi.as_view(), name="restock-what-if"),
    path("api/inventory/restock", apis.InventoryRestockApi.as_view(), name="inventory-restock"),
    path(
        "api/restock/actions/total",
        apis.RestockActionsTotalApi.as_view(),
        name="restock-actions-total",
    ),
    path(
        "api/restock/actions/sku/<path:sku>",
        apis.RestockActionsSkuApi.as_view(),
        name="restock-actions-sku",
    ),
    path(
        "api/restock/purchase-order.csv",
        apis.PurchaseOrderCsvApi.as_view(),
        name="restock-purchase-order",
    ),
]
