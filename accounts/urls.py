from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.PasswordLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("oidc/authenticate/", views.sso_authenticate, name="oidc_authentication_init"),
    path("oidc/callback/", views.sso_callback, name="oidc_authentication_callback"),
    path("tokens/", views.TokenListView.as_view(), name="token-list"),
    path("tokens/<int:pk>/revoke/", views.TokenRevokeView.as_view(), name="token-revoke"),
]
