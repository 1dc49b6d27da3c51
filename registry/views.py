"""Inventory pages. Views parse the request, check ``accounts.permissions``, and call one service or selector."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from accounts import permissions
from config import limits

from . import exporters, importers, selectors, services
from .filtersets import ProjectFilterSet
from .forms import ComponentForm, ImportForm, ProjectForm
from .models import Component

PAGE_SIZES = (25, 50, 100)


def _page_size(request):
    size = limits.parse_int(request.GET.get("page_size", PAGE_SIZES[0]), default=PAGE_SIZES[0])
    return size if size in PAGE_SIZES else PAGE_SIZES[0]


def _require(allowed, message):
    if not allowed:
        raise PermissionDenied(message)


def _apply_errors(form, exc: ValidationError):
    """Put a service's ValidationError on the form, on the field it names when the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class ProjectListView(View):
    def get(self, request):
        filterset = ProjectFilterSet(request.GET, queryset=selectors.project_list())
        paginator = Paginator(filterset.qs, _page_size(request))
        page = paginator.get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        sort_query = query.copy()
        sort_query.pop("ordering", None)
        return render(
            request,
            "registry/project_list.html",
            {
                "filterset": filterset,
                "page": page,
                "projects": page.object_list,
                "query": query.urlencode(),
                "sort_query": sort_query.urlencode(),
                "can_create": permissions.can_create_project(request.user),
                "page_sizes": PAGE_SIZES,
                "page_size": paginator.per_page,
            },
        )


class ProjectExportView(View):
    """The filtered inventory as CSV or YAML, in the format ``import_inventory`` reads back."""

    def get(self, request, fmt):
        filterset = ProjectFilterSet(request.GET, queryset=selectors.project_list())
        projects = filterset.qs.prefetch_related("components")
        if fmt == "csv":
            body, content_type = exporters.export_csv(projects), "text/csv; charset=utf-8"
        else:
            body, content_type = exporters.export_yaml(projects), "application/yaml; charset=utf-8"
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="plumbline-inventory.{fmt}"'
        return response


class ProjectDetailView(View):
    def get(self, request, slug):
        project = selectors.project_detail(slug=slug)
        full_history = request.GET.get("history") == "all"
        return render(
            request,
            "registry/project_detail.html",
            {
                "project": project,
                "components": project.components.all(),
                "history": selectors.project_history(project=project, limit=1000 if full_history else 10),
                "history_total": project.changes.count(),
                "full_history": full_history,
                "can_edit": permissions.can_edit_project(request.user, project),
            },
        )


class ProjectCreateView(View):
    def dispatch(self, request, *args, **kwargs):
        _require(
            permissions.can_create_project(request.user),
            "Only admins and team members can create projects. Ask an admin to add you to a team.",
        )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, "registry/project_form.html", {"form": ProjectForm(user=request.user)})

    def post(self, request):
        form = ProjectForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                project = services.project_create(
                    actor=request.user, tags=form.cleaned_data["tags"], **form.service_kwargs()
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, f"Project “{project}” created.")
                return redirect(project)
        return render(request, "registry/project_form.html", {"form": form}, status=400)


class ProjectEditView(View):
    def dispatch(self, request, slug):
        self.project = selectors.project_detail(slug=slug)
        _require(
            permissions.can_edit_project(request.user, self.project),
            "You can only change projects of your own team.",
        )
        return super().dispatch(request, slug)

    def get(self, request, slug):
        form = ProjectForm(instance=self.project, user=request.user)
        return render(request, "registry/project_form.html", {"form": form, "project": self.project})

    def post(self, request, slug):
        # The form validates on its own copy: a ModelForm writes cleaned values onto its instance, and the
        # service must see the stored values to record before/after and to send stage moves through the gate.
        form = ProjectForm(request.POST, instance=selectors.project_detail(slug=slug), user=request.user)
        if form.is_valid():
            try:
                services.project_update(
                    actor=request.user,
                    project=self.project,
                    tags=form.cleaned_data["tags"],
                    **form.service_kwargs(),
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, "Changes saved.")
                return redirect(self.project)
        return render(request, "registry/project_form.html", {"form": form, "project": self.project}, status=400)


class ProjectArchiveView(View):
    restore = False

    def post(self, request, slug):
        project = selectors.project_detail(slug=slug)
        _require(permissions.can_edit_project(request.user, project), "You can only archive your own team's projects.")
        if self.restore:
            services.project_restore(actor=request.user, project=project)
            messages.success(request, f"“{project}” restored to the inventory.")
        else:
            services.project_archive(actor=request.user, project=project)
            messages.success(request, f"“{project}” archived. It is hidden from the inventory until restored.")
        return redirect(project)


class ComponentFormView(View):
    def dispatch(self, request, slug, pk=None):
        self.project = selectors.project_detail(slug=slug)
        _require(
            permissions.can_edit_project(request.user, self.project),
            "You can only change components of your own team's projects.",
        )
        self.component = get_object_or_404(Component, project=self.project, pk=pk) if pk else None
        return super().dispatch(request, slug, pk)

    def render_form(self, form, status=200):
        context = {"form": form, "project": self.project, "component": self.component}
        return render(self.request, "registry/component_form.html", context, status=status)

    def get(self, request, slug, pk=None):
        return self.render_form(ComponentForm(project=self.project, instance=self.component))

    def post(self, request, slug, pk=None):
        form = ComponentForm(request.POST, project=self.project, instance=self.component)
        if form.is_valid():
            try:
                if self.component is None:
                    services.component_create(actor=request.user, project=self.project, **form.service_kwargs())
                else:
                    services.component_update(actor=request.user, component=self.component, **form.service_kwargs())
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, "Component saved.")
                return redirect(self.project)
        return self.render_form(form, status=400)


class ComponentDeleteView(ComponentFormView):
    def get(self, request, slug, pk=None):
        context = {"project": self.project, "component": self.component}
        return render(request, "registry/component_confirm_delete.html", context)

    def post(self, request, slug, pk=None):
        services.component_delete(actor=request.user, component=self.component)
        messages.success(request, f"Component “{self.component.name}” deleted.")
        return redirect(self.project)


class TeamListView(View):
    def get(self, request):
        return render(request, "registry/team_list.html", {"teams": selectors.team_list()})


class TeamDetailView(View):
    def get(self, request, slug):
        team = selectors.team_detail(slug=slug)
        projects = selectors.project_list().filter(team=team, archived_at__isnull=True).order_by("name")
        return render(request, "registry/team_detail.html", {"team": team, "projects": projects})


class ImportView(View):
    def dispatch(self, request, *args, **kwargs):
        _require(
            permissions.can_import_inventory(request.user),
            "Only admins and team members can import projects.",
        )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, "registry/import.html", {"form": ImportForm()})

    def post(self, request):
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, "registry/import.html", {"form": form}, status=400)
        upload = form.cleaned_data["files"]
        result = importers.import_files(
            [(upload.name, upload.read())], actor=request.user, dry_run=form.cleaned_data["dry_run"]
        )
        if result.ok and not result.dry_run:
            messages.success(request, f"Imported {result.summary()}.")
            return redirect(reverse("registry:project-list"))
        status = 200 if result.ok else 400
        return render(request, "registry/import.html", {"form": form, "result": result}, status=status)


def home(request):
    return redirect("registry:project-list")
