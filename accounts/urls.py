from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import apis, views

urlpatterns = [
    # Pages
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"
    ),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("accounts/api-token/", views.api_token_page, name="api-token"),
    path("settings/", views.settings_page, name="settings"),
    path(
        "settings/users/<int:pk>/toggle-active/",
        views.user_active_toggle,
        name="user-toggle-active",
    ),
    # API
    path("api/auth/token", apis.TokenApi.as_view(), name="auth-token"),
    path("api/me", apis.MeApi.as_view(), name="me"),
    path("api/admin/audit-log", apis.AuditLogApi.as_view(), name="audit-log"),
]
