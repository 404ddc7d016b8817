from django.urls import path

from ads import apis, views

urlpatterns = [
    path("ads/", views.ads_page, name="ads"),
    path("ads/attribution/", views.attribution_page, name="ads-attribution"),
    path("api/ads/account", apis.AdsAccountApi.as_view(), name="ads-account"),
    path("api/ads/account/connect", apis.AdsAccountConnectApi.as_view(), name="ads-connect"),
    path("api/ads/profiles", apis.AdsProfilesApi.as_view(), name="ads-profiles"),
    path("api/ads/sync", apis.AdsSyncApi.as_view(), name="ads-sync"),
    path("api/ads/backfill", apis.AdsBackfillApi.as_view(), name="ads-backfill"),
    path("api/ads/dashboard/summary", apis.AdsSummaryApi.as_view(), name="ads-summary"),
    path("api/ads/dashboard/timeseries", apis.AdsTimeseriesApi.as_view(), name="ads-timeseries"),
    path(
        "api/ads/attribution/sku-profitability",
        apis.SkuProfitabilityApi.as_view(),
        name="ads-sku-profitability",
    ),
    path(
        "api/ads/attribution/sku-timeseries",
        apis.SkuTimeseriesApi.as_view(),
        name="ads-sku-timeseries",
    ),
    path("api/reports/amazon", apis.AmazonReportApi.as_view(), name="amazon-report"),
    path("api/ads/sku-cost", apis.SkuCostApi.as_view(), name="ads-sku-cost"),
    path("api/ads/sku-cost/<str:sku>", apis.SkuCostDeleteApi.as_view(), name="ads-sku-cost-delete"),
]
