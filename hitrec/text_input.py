"""Checking what people type into free-text fields: trimmed, bounded, no NUL characters."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def clean_text(
    value: str | None, *, field: str, limit: int, what: str, required: bool = True
) -> str:
    """The text trimmed, or a ValidationError on `field` that says what is wrong with it.

    `what` names the text in the messages, in the reader's language (`_("a comment")`).
    NUL is refused here rather than by the database: PostgreSQL cannot store it in text.
    """
    value = (value or "").strip()
    if required and not value:
        # Translators: %(what)s names the text, e.g. “a comment”.
        raise ValidationError({field: [_("Write %(what)s; it cannot be empty.") % {"what": what}]})
    if len(value) > limit:
        raise ValidationError(
            {
                field: [
                    # Translators: %(what)s names the text, e.g. “A comment”.
                    _("%(what)s is %(length)s characters; the limit is %(limit)s.")
                    % {
                        "what": what.capitalize(),
                        "length": f"{len(value):,}",
                        "limit": f"{limit:,}",
                    }
                ]
            }
        )
    if "\x00" in value:
        raise ValidationError(
            {
                field: [
                    # Translators: %(what)s names the text, e.g. “A comment”.
                    _("%(what)s may not contain NUL characters.") % {"what": what.capitalize()}
                ]
            }
        )
    return value
