"""The label of a stored choice, in the reader's language: {{ work|label:"kind" }}."""

import functools

from django import template
from django.utils import translation

register = template.Library()


@functools.lru_cache(maxsize=512)
def _labels(model: type, field_name: str, language: str) -> dict:
    # Model.get_FOO_display() rebuilds and hashes the whole choice list, translating every
    # label, on each call: on a list page that is most of the translation work (bench:
    # pages-i18n). The labels of a field in one language never change while a process runs.
    field = model._meta.get_field(field_name)
    return {value: str(text) for value, text in field.flatchoices}


@register.filter
def label(obj, field_name: str) -> str:
    value = getattr(obj, field_name)
    language = translation.get_language() or ""
    return _labels(type(obj), field_name, language).get(value, value)
