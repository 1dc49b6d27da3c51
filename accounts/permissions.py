"""The permission rules, in one place, used by pages, the API and the admin alike.

Roles: admins do everything; reviewers read everything and approve; team members edit their own teams'
projects; viewers read. Every signed-in user can read the inventory: governance works in the open.
A project-scoped CI token acts only on its project.
"""

from rest_framework import permissions

from .models import ApiToken


def is_admin(user):
    return bool(user and user.is_authenticated and user.is_plumbline_admin)


def is_reviewer(user):
    return bool(user and user.is_authenticated and user.is_reviewer)


def can_view_project(user, project):
    return bool(user and user.is_authenticated)


def member_team_ids(user):
    if not (user and user.is_authenticated):
        return set()
    cached = getattr(user, "_plumbline_team_ids", None)
    if cached is None:
        cached = set(user.teams.values_list("id", flat=True))
        user._plumbline_team_ids = cached
    return cached


def can_edit_team_projects(user, team_id):
    if is_admin(user):
        return True
    return bool(user and user.is_authenticated and user.role == user.Role.MEMBER and team_id in member_team_ids(user))


def can_edit_project(user, project):
    return can_edit_team_projects(user, project.team_id)


def can_create_project(user):
    return is_admin(user) or bool(
        user and user.is_authenticated and user.role == user.Role.MEMBER and member_team_ids(user)
    )


def editable_team_ids(user):
    """Team ids the user may create or edit projects in; ``None`` means every team."""
    if is_admin(user):
        return None
    if user and user.is_authenticated and user.role == user.Role.MEMBER:
        return member_team_ids(user)
    return set()


def can_review(user):
    return is_reviewer(user)


def separation_of_duties(user, *, project, submitted_by_id):
    """Why ``user`` may not approve or return an assessment of ``project`` (``None`` when nothing stands in the
    way): the submitter, the project's business and technical owners and the owning team's members are too close
    to it, whatever their role."""
    if not (user and user.is_authenticated):
        return "Sign in to review assessments."
    if submitted_by_id == user.pk:
        return "You submitted this assessment; someone else has to approve it (separation of duties)."
    if project.business_owner_id == user.pk:
        return "You are the project's business owner; someone outside the project has to approve it."
    if project.technical_owner_id == user.pk:
        return "You are the project's technical owner; someone outside the project has to approve it."
    if project.team_id in member_team_ids(user):
        return "You are a member of the team that owns this project; someone outside the team has to approve it."
    return None


def can_manage_approvals(user):
    """Approver groups and the approval policy are set by admins."""
    return is_admin(user)


def can_close_condition(user, *, owner_id, project):
    """A condition of an approval is closed by its owner, the project's team or an admin."""
    return bool(user and user.is_authenticated and (owner_id == user.pk or can_edit_project(user, project)))


def can_assign_sections(user, assessment):
    """Who hands out parts of a draft: its creator or the project's business or technical owner (while they may
    still edit the project), and admins."""
    if is_admin(user):
        return True
    project = assessment.project
    owners = {assessment.created_by_id, project.business_owner_id, project.technical_owner_id}
    return bool(user and user.is_authenticated and user.pk in owners and can_edit_project(user, project))


def can_be_assigned(user, project):
    """A part of an assessment goes to someone who can answer it: an active member of the project's team."""
    return bool(user and user.is_active and user.role == user.Role.MEMBER and project.team_id in member_team_ids(user))


def can_discard_or_withdraw(user, assessment):
    """Discarding a draft and withdrawing a submission before its decision are the project team's calls."""
    return can_edit_project(user, assessment.project)


def can_manage_teams(user):
    """Creating teams and changing their members is an admin task."""
    return is_admin(user)


def can_manage_users(user):
    return is_admin(user)


def can_import_inventory(user):
    """Importing may create projects; each row is then checked against ``can_edit_team_projects``."""
    return can_create_project(user)


def can_manage_token(user, token):
    return bool(user and user.is_authenticated and (token.user_id == user.pk or is_admin(user)))


def token_of(request):
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiToken) else None


def token_allows_project(request, project_id):
    """A project-scoped token reaches only its project; sessions and unscoped tokens are not limited here."""
    token = token_of(request)
    return token is None or token.project_id is None or token.project_id == project_id


def can_manage_webhooks(user, team_id):
    """A team's webhooks (register, read their delivery log, redeliver, delete): its members and admins."""
    return can_edit_team_projects(user, team_id)


def webhook_team_ids(user):
    """Team ids whose webhooks the user may see and manage; ``None`` means every team."""
    return editable_team_ids(user)


def can_propose_thresholds(user, project):
    """A project's evaluation thresholds are proposed by its team (and admins); never by a CI token."""
    return can_edit_project(user, project)


def can_decide_thresholds(user, project, proposal):
    """Reviewers and admins approve or reject proposed thresholds, but never their own proposal."""
    return can_review(user) and proposal.proposed_by_id != user.pk


def can_push_evidence(user, project):
    """Pushing CI evidence is editing the project: a CI token works only while its owner may still edit it."""
    return can_edit_project(user, project)


class TokenScopePermission(permissions.BasePermission):
    """Limits what a token may do: read tokens only read; CI tokens only reach endpoints that allow CI.

    A project-scoped token is refused by endpoints that are about no single project (``allow_project_tokens =
    False``: token management, teams, portfolio reports), so it can neither mint a broader token nor act beyond
    its project there; elsewhere the object check keeps it to its project.
    """

    message = "This API token's scope does not allow this request."

    def has_permission(self, request, view):
        token = token_of(request)
        if token is None:
            return True
        if token.project_id is not None and not getattr(view, "allow_project_tokens", True):
            self.message = "A project-scoped API token cannot use this endpoint; use a token without a project."
            return False
        if token.scope == ApiToken.Scope.CI:
            return bool(getattr(view, "allow_ci_tokens", False))
        if token.scope == ApiToken.Scope.READ:
            return request.method in permissions.SAFE_METHODS
        return True

    def has_object_permission(self, request, view, obj):
        token = token_of(request)
        if token is None or token.project_id is None:
            return True
        project_id = getattr(obj, "project_id", None)
        if project_id is None and obj.__class__.__name__ == "Project":
            project_id = obj.pk
        return project_id == token.project_id


class CanEditProjectOrReadOnly(permissions.BasePermission):
    """Writes need edit rights on the object's project; reads need a login."""

    message = "You can only change projects of your own team."

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        project = obj if obj.__class__.__name__ == "Project" else obj.project
        return can_edit_project(request.user, project)


class CanManageTeamsOrReadOnly(permissions.BasePermission):
    message = "Only admins can create or change teams."

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or can_manage_teams(request.user)


class CanManageApprovals(permissions.BasePermission):
    message = "Only admins can change approver groups and the approval policy."

    def has_permission(self, request, view):
        return can_manage_approvals(request.user)


class CanManageUsers(permissions.BasePermission):
    """Users and their team memberships, read or written, are for admins (emails and roles are personal)."""

    message = "Only admins can list, create or change users."

    def has_permission(self, request, view):
        return can_manage_users(request.user)


DEFAULT_API_PERMISSIONS = [permissions.IsAuthenticated, TokenScopePermission]
