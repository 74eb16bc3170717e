"""Forms of the community pages: they check what a person typed; services decide what it means."""

from django import forms
from django.utils.translation import gettext_lazy as _

from community.models import COMMENT_MAX_CHARS, REPORT_MAX_CHARS, Report


class CommentForm(forms.Form):
    body = forms.CharField(
        max_length=COMMENT_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Markdown works. Mention someone with @username to tell them."),
    )  # fmt: skip
    parent = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class ReportForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[
            (Report.Kind.ABUSE, _("Abuse: it harasses, threatens or demeans someone")),
            (
                Report.Kind.INFRINGEMENT,
                _("Infringement: it uses work without its owner's permission"),
            ),
        ],
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("What is wrong"),
        max_length=REPORT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("For infringement, say whose work it is and where the original can be found."),
    )
