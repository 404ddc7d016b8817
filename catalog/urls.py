from django.urls import path

from catalog import apis, views

urlpatterns = [
    path("inventory/", views.inventory_page, name="inventory"),
    path("data-health/", views.data_health_page, name="data-health"),
    path("api/inventory", apis.InventoryListApi.as_view(), name="inventory-list"),
    path(
        "api/inventory/<str:marketplace>/<path:sku>",
        apis.InventoryDetailApi.as_view(),
        name="inventory-detail",
    ),
    path("api/catalog/data-health", apis.DataHealthApi.as_view(), name="data-health-api"),
]
