"""Webhook pages: the list with the form to add one (the secret is shown once), one webhook with its delivery log,
redelivery and removal. Thin: parse, call one service or selector, render."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views import View
from django.views.decorators.http import require_POST

from accounts import permissions as rules

from . import selectors, services
from .events import EVENTS
from .forms import EndpointForm


def _endpoint(request, pk):
    endpoint = selectors.endpoint_for(user=request.user, pk=pk)
    if endpoint is None:
        raise Http404("No such webhook, or not one of your teams'.")
    return endpoint


class EndpointListView(View):
    def render_page(self, form, *, created=None, secret=None, status=200):
        context = {
            "form": form,
            "endpoints": selectors.endpoint_list(user=self.request.user),
            "can_add": rules.webhook_team_ids(self.request.user) != set(),
            "created": created,
            "secret": secret,
            "events": EVENTS,
        }
        return render(self.request, "webhooks/endpoint_list.html", context, status=status)

    def get(self, request):
        return self.render_page(EndpointForm(user=request.user))

    def post(self, request):
        form = EndpointForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.render_page(form, status=400)
        data = form.cleaned_data
        try:
            endpoint, secret = services.endpoint_create(
                actor=request.user,
                team=data["team"],
                project=data["project"],
                url=data["url"],
                format=data["format"],
                event_names=data["events"],
                description=data["description"],
            )
        except PermissionDenied:
            raise
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            return self.render_page(form, status=400)
        return self.render_page(EndpointForm(user=request.user), created=endpoint, secret=secret)


class EndpointDetailView(View):
    def get(self, request, pk):
        endpoint = _endpoint(request, pk)
        page = Paginator(selectors.delivery_list(endpoint=endpoint), 25).get_page(request.GET.get("page"))
        return render(request, "webhooks/endpoint_detail.html", {"endpoint": endpoint, "page": page})


@require_POST
def delivery_redeliver(request, pk, delivery_id):
    endpoint = _endpoint(request, pk)
    delivery = endpoint.deliveries.filter(pk=delivery_id).first()
    if delivery is None:
        raise Http404("No such delivery.")
    services.delivery_redeliver(actor=request.user, delivery=delivery)
    messages.success(request, f"{delivery.event} {delivery.event_id} is being sent again; refresh to see the attempt.")
    return redirect("webhooks:endpoint-detail", pk=endpoint.pk)


@require_POST
def endpoint_delete(request, pk):
    endpoint = _endpoint(request, pk)
    services.endpoint_delete(actor=request.user, endpoint=endpoint)
    messages.success(request, f"Webhook {endpoint.url} removed; it receives no more events.")
    return redirect("webhooks:endpoint-list")
