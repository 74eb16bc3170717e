"""Which language a person reads: their choice, else their browser's; and writing in it."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.utils import translation


def language_supported(code: str) -> bool:
    return code in dict(settings.LANGUAGES)


def language_of(user) -> str:
    """The language to write to a person in when they are not reading a page: emails,
    notifications, statements. Their choice, else the site's default (a browser's
    Accept-Language is only known while they read a page)."""
    chosen = getattr(user, "language", "") or ""
    return chosen if language_supported(chosen) else settings.LANGUAGE_CODE


@contextmanager
def writing_to(user) -> Iterator[str]:
    """Write in the person's language inside the block, e.g. an email or their statement."""
    language = language_of(user)
    with translation.override(language):
        yield language


class PreferredLanguageMiddleware:
    """A signed-in person's chosen language wins over the cookie and Accept-Language that
    LocaleMiddleware read (it runs before authentication, so it cannot know the person).
    Token-authenticated API clients are known only inside DRF: they get Accept-Language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        chosen = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if chosen and language_supported(chosen) and chosen != request.LANGUAGE_CODE:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        return self.get_response(request)


def message_of(error: BaseException | str) -> str:
    """A message in the reader's language: an ExplainedError or an Explained sentence
    (hitrec.messages) is translated and then filled in, a joined Explained part by part;
    anything else is shown as it is."""
    parts = getattr(error, "parts", ())
    if parts:
        return " ".join(message_of(part) for part in parts)
    message = getattr(error, "message", None)
    if not isinstance(message, str):
        return str(error)
    params = getattr(error, "params", None) or {}
    return translation.gettext(message) % params if params else translation.gettext(message)
