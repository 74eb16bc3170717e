"""Tags as the API, the pages and the services take them (a work's, an ask's, skills), normalised."""

import re
from collections.abc import Sequence

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from hitrec.i18n import message_of
from hitrec.messages import ExplainedError
from hitrec.tags import MAX_TAG_CHARS, tags_normalised

# What one typed tag may be before it is normalised ("Lo Fi", accents and all): bounded so
# that a megabyte of text is refused by name, not normalised.
MAX_TYPED_TAG_CHARS = 100
# Tags typed in one text box are separated by commas, or by spaces when there is no comma.
_COMMAS = re.compile(r"\s*,\s*")
_SPACES = re.compile(r"\s+")


class RepeatedField(serializers.ListField):
    """A list, repeatable in a form or a query (`tags=a&tags=b`) or a JSON list; a single
    comma-separated value is accepted too (`a,b`)."""

    def get_value(self, dictionary):
        if hasattr(dictionary, "getlist") and self.field_name in dictionary:
            values = [v for v in dictionary.getlist(self.field_name) if v != ""]
            if len(values) == 1 and isinstance(values[0], str) and "," in values[0]:
                values = [v.strip() for v in values[0].split(",") if v.strip()]
            return values
        return super().get_value(dictionary)


class TagsField(RepeatedField):
    """Tags as typed ("Lo Fi"); taken in their one spelling (`lo-fi`), at most MAX_TAGS,
    each once; a tag with no letter or digit, or too many, is refused by name."""

    child = serializers.CharField(max_length=MAX_TYPED_TAG_CHARS)

    def to_internal_value(self, data):
        tags = super().to_internal_value(data)
        try:
            return tags_normalised(tags)
        except ExplainedError as exc:
            raise serializers.ValidationError(message_of(exc)) from exc


class TagsTextField(forms.CharField):
    """Tags typed in one text box on a page: separated by commas ("double bass, cello" is
    `double-bass` and `cello`), or by spaces when there is no comma ("cello viola"); cleaned
    into their one spelling, or refused with the reason."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 2_000)
        kwargs.setdefault(
            "help_text",
            _(
                "Separated by commas, or by spaces if there is no comma: “double bass, cello” or "
                "“cello viola”."
            ),
        )
        super().__init__(**kwargs)

    def to_python(self, value) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        if self.max_length is not None:
            # The text as typed is bounded; the validators below see the list of tags.
            validators.MaxLengthValidator(self.max_length)(text)
        separators = _COMMAS if "," in text else _SPACES
        typed = [part for part in separators.split(text) if part]
        too_long = next((part for part in typed if len(part) > MAX_TYPED_TAG_CHARS), None)
        if too_long is not None:
            raise forms.ValidationError(
                _("“%(tag)s…” is too long for a tag.") % {"tag": too_long[:MAX_TAG_CHARS]}
            )
        try:
            return tags_normalised(typed)
        except ExplainedError as exc:
            raise forms.ValidationError(message_of(exc)) from exc

    def prepare_value(self, value):
        # A list (the initial tags, or those cleaned) is shown as the person would type it.
        return ", ".join(value) if isinstance(value, list | tuple) else value


def tags_checked(texts: Sequence[str], *, field: str = "tags") -> list[str]:
    """A service's tags in their one spelling, or a ValidationError naming `field`."""
    try:
        return tags_normalised(texts)
    except ExplainedError as exc:
        raise ValidationError({field: [message_of(exc)]}) from exc
