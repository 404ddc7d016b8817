from django.urls import path

from orders import apis, views

urlpatterns = [
    path("dashboard/", views.dashboard_page, name="dashboard"),
    path("orders/", views.orders_page, name="orders"),
    path("settings/amazon/", views.amazon_settings_page, name="amazon-settings"),
    path(
        "settings/amazon/<str:region>/test/",
        views.amazon_connection_test,
        name="amazon-connection-test-page",
    ),
    path("sync/", views.sync_status_page, name="sync-status"),
    path("sync/orders/", views.orders_sync_start_page, name="orders-sync-page"),
    path("api/sync/status", apis.SyncStatusApi.as_view(), name="sync-status-api"),
    path("api/dashboard/summary", apis.DashboardSummaryApi.as_view(), name="dashboard-summary"),
    path(
        "api/dashboard/timeseries",
        apis.DashboardTimeseriesApi.as_view(),
        name="dashboard-timeseries",
    ),
    path(
        "api/dashboard/top-products",
        apis.DashboardTopProductsApi.as_view(),
        name="dashboard-top-products",
    ),
    path(
        "api/dashboard/marketplaces",
        apis.DashboardMarketplacesApi.as_view(),
        name="dashboard-marketplaces",
    ),
    path("api/orders/sync", apis.OrdersSyncApi.as_view(), name="orders-sync"),
    path("api/orders", apis.OrdersApi.as_view(), name="orders-list"),
    path("api/orders/export", apis.OrdersExportApi.as_view(), name="orders-export"),
    path("api/amazon/connection", apis.SpApiConnectionApi.as_view(), name="amazon-connection"),
    path(
        "api/amazon/connection/test",
        apis.SpApiConnectionTestApi.as_view(),
        name="amazon-connection-test",
    ),
]
