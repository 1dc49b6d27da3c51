from . import selectors


def inbox(request):
    """The unread count in the header (one query per page for a signed-in user)."""
    user = getattr(request, "user", None)
    return {"inbox_unread": selectors.unread_count(user) if user is not None and user.is_authenticated else 0}
