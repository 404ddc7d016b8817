from django.urls import path

from accounts.pages import NotBuiltPage

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
]
