from django.urls import path

from accounts.pages import NotBuiltPage

urlpatterns = [
    path(
        "alerts/",
        NotBuiltPage.as_view(
            title="Alerts",
            nav="alerts",
            issue=8,
            summary="Stock-outs coming, reorders due, stale data and failing syncs, with the "
            "numbers behind each.",
        ),
        name="alerts",
    ),
]
