"""API token pages: create (the raw value is shown once), list, revoke."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

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
