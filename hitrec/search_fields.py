"""A search box as the API and the pages take it: the words read, or refused with the reason."""

from django import forms
from rest_framework import serializers

from hitrec.i18n import message_of
from hitrec.messages import ExplainedError
from hitrec.search import MAX_QUERY_CHARS, query_parsed


class SearchTextField(serializers.CharField):
    """What people typed, at most MAX_QUERY_CHARS, that `query_parsed` can read; its length
    and blankness are checked first, as for any text."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", MAX_QUERY_CHARS)
        super().__init__(**kwargs)

    def run_validation(self, data=serializers.empty):
        text = super().run_validation(data)
        try:
            query_parsed(text)
        except ExplainedError as exc:
            raise serializers.ValidationError(message_of(exc)) from exc
        return text


class SearchTextFormField(forms.CharField):
    """The same for a page's form; an empty box is no search, not a mistake."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", MAX_QUERY_CHARS)
        super().__init__(**kwargs)

    def clean(self, value) -> str:
        text = super().clean(value)
        if text:
            try:
                query_parsed(text)
            except ExplainedError as exc:
                raise forms.ValidationError(message_of(exc)) from exc
        return text
