"""What every page view shares: a refused action, or a form filled in wrongly, told to the
person as messages on the page they return to (the API's counterpart is hitrec.api's
exception handler)."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest
from django.utils.translation import gettext as _


def problems_of(exc: ValidationError | PermissionDenied) -> list[str]:
    """The sentences a refusal carries, field errors included, in order."""
    if isinstance(exc, PermissionDenied):
        return [str(exc)]
    if hasattr(exc, "error_dict"):
        return [message for messages_ in exc.message_dict.values() for message in messages_]
    return list(exc.messages)


def refusal_report(request: HttpRequest, exc: ValidationError | PermissionDenied) -> None:
    for problem in problems_of(exc):
        messages.error(request, problem)


@contextmanager
def refusals_reported(request: HttpRequest) -> Iterator[None]:
    """Run a page's action: a service's refusal (ValidationError, PermissionDenied) becomes
    messages on the page, and the rest of the block (its success message) is skipped."""
    try:
        yield
    except (ValidationError, PermissionDenied) as exc:
        refusal_report(request, exc)


def form_report(request: HttpRequest, form: Form) -> None:
    """A form filled in wrongly, told as messages ("Quantity: …") on the page returned to."""
    for name, errors in form.errors.items():
        label = (
            form.fields[name].label or name.replace("_", " ").capitalize()
            if name in form.fields
            else ""
        )
        for error in errors:
            # Translators: a form's field and what is wrong with it, e.g. “Quantity: …”.
            shown = _("%(field)s: %(error)s") % {"field": label, "error": error}
            messages.error(request, shown if label else str(error))


def form_errors_apply(form: Form, exc: ValidationError) -> None:
    """A service's refusal shown on the form itself, next to the fields it names."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
