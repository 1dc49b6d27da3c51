from . import permissions


def roles(request):
    user = getattr(request, "user", None)
    return {
        "user_is_admin": permissions.is_admin(user),
        "user_is_reviewer": permissions.is_reviewer(user),
    }
