from django.urls import path

from accounts.pages import NotBuiltPage
from orders import apis, views

urlpatterns = [
    path(
        "dashboard/",
        NotBuiltPage.as_view(
            title="Dashboard",
            nav="dashboard",
            issue=5,
            summary="Sales, refunds, Amazon fees, COGS and true profit per day, marketplace "
            "and SKU, once orders arrive from Amazon.",
        ),
        name="dashboard",
    ),
    path("settings/amazon/", views.amazon_settings_page, name="amazon-settings"),
    path(
        "settings/amazon/<str:region>/test/",
        views.amazon_connection_test,
        name="amazon-connection-test-page",
    ),
    path("api/amazon/connection", apis.SpApiConnectionApi.as_view(), name="amazon-connection"),
    path(
        "api/amazon/connection/test",
        apis.SpApiConnectionTestApi.as_view(),
        name="amazon-connection-test",
    ),
]
