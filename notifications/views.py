"""Inbox pages: one person's notices (mark one or all read) and their e-mail choices. Thin: parse, call one
service or selector, render. Nobody sees or changes another person's notices: every read is by ``request.user``."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.decorators.http import require_POST

from . import selectors, services
from .events import EVENTS

PAGE_SIZE = 50


def _back(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:inbox")


def inbox_view(request):
    page = Paginator(selectors.inbox(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page, "notices": page.object_list})


@require_POST
def mark_read_view(request, pk):
    services.notifications_mark_read(user=request.user, ids=[pk])
    return _back(request)


@require_POST
def mark_all_read_view(request):
    count = services.notifications_mark_read(user=request.user)
    messages.success(request, f"{count} notice(s) marked read.")
    return _back(request)


class PreferencesView(View):
    def get(self, request):
        return self._render(request, selectors.email_events_of(request.user))

    def post(self, request):
        chosen = request.POST.getlist("email_events")[: len(EVENTS) + 1]
        try:
            services.preference_update(user=request.user, email_events=chosen)
        except ValidationError as exc:
            return self._render(request, chosen, error=" ".join(exc.messages), status=400)
        messages.success(request, "Saved: the notices you ticked also come by e-mail.")
        return redirect("notifications:preferences")

    def _render(self, request, chosen, error="", status=200):
        events = [{"name": name, "label": label, "checked": name in chosen} for name, label in EVENTS.items()]
        return render(
            request,
            "notifications/preferences.html",
            {"events": events, "error": error, "has_email": bool(request.user.email)},
            status=status,
        )
