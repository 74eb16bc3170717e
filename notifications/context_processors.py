"""Template context for every page: the signed-in person's unread notification count."""

from django.utils.functional import SimpleLazyObject

from notifications.selectors import unread_count as count_unread


def unread_count(request) -> dict:
    # Lazy: counted only when a template shows it (one indexed COUNT), never for visitors.
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notifications_unread": 0}
    return {"notifications_unread": SimpleLazyObject(lambda: count_unread(user=user))}
