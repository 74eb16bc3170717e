"""Checking what people type into free-text fields: trimmed, bounded, no NUL characters."""

from django.core.exceptions import ValidationError


def clean_text(
    value: str | None, *, field: str, limit: int, what: str, required: bool = True
) -> str:
    """The text trimmed, or a ValidationError on `field` that says what is wrong with it.

    NUL is refused here rather than by the database: PostgreSQL cannot store it in text.
    """
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: [f"Write {what}; it cannot be empty."]})
    if len(value) > limit:
        raise ValidationError(
            {field: [f"{what.capitalize()} is {len(value):,} characters; the limit is {limit:,}."]}
        )
    if "\x00" in value:
        raise ValidationError({field: [f"{what.capitalize()} may not contain NUL characters."]})
    return value
