"""API token pages: create (the raw value is shown once), list, revoke."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from . import selectors, services
from .forms import TokenForm
from .models import ApiToken


class TokenListView(View):
    def render_page(self, form, *, new_token=None, raw=None, status=200):
        context = {
            "form": form,
            "tokens": selectors.token_list(user=self.request.user),
            "new_token": new_token,
            "raw_token": raw,
        }
        return render(self.request, "accounts/token_list.html", context, status=status)

    def get(self, request):
        return self.render_page(TokenForm())

    def post(self, request):
        form = TokenForm(request.POST)
        if not form.is_valid():
            return self.render_page(form, status=400)
        try:
            token, raw = services.token_create(user=request.user, **form.cleaned_data)
        except PermissionDenied as exc:
            form.add_error("project", str(exc))
            return self.render_page(form, status=400)
        return self.render_page(TokenForm(), new_token=token, raw=raw)


class TokenRevokeView(View):
    def post(self, request, pk):
        token = get_object_or_404(ApiToken, pk=pk, user=request.user)
        services.token_revoke(token=token, actor=request.user)
        messages.success(request, f"Token “{token.name}” revoked; requests using it now get 401.")
        return redirect("token-list")


def _sso_view(view_class):
    """mozilla-django-oidc's views, open to anonymous visitors and answering 404 while single sign-on is off (they
    read their settings when called, so an operator's change needs no code change)."""
    view = view_class.as_view()

    @login_not_required
    def sso(request, *args, **kwargs):
        if not settings.OIDC_ENABLED:
            raise Http404("Single sign-on is not configured.")
        return view(request, *args, **kwargs)

    return sso


sso_authenticate = _sso_view(OIDCAuthenticationRequestView)
sso_callback = _sso_view(OIDCAuthenticationCallbackView)


class PasswordLoginView(auth_views.LoginView):
    """The login page: the single sign-on button when it is configured, the password form unless it is turned off."""

    def post(self, request, *args, **kwargs):
        if not settings.PLUMBLINE_LOCAL_LOGIN:
            return HttpResponseForbidden("Passwords are turned off here: sign in with single sign-on.")
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs,
            sso_enabled=settings.OIDC_ENABLED,
            sso_name=settings.PLUMBLINE_OIDC_PROVIDER_NAME,
            sso_failed=self.request.GET.get("sso") == "failed",
            local_login=settings.PLUMBLINE_LOCAL_LOGIN,
        )


class PasswordChangeView(auth_views.PasswordChangeView):
    def dispatch(self, request, *args, **kwargs):
        if not settings.PLUMBLINE_LOCAL_LOGIN:
            raise Http404("Passwords are turned off here: your identity provider manages sign-in.")
        return super().dispatch(request, *args, **kwargs)
