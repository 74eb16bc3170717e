"""Forms of the pages: they check what a person typed; services decide what it means."""

import datetime as dt
from collections.abc import Iterable

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from contributions.filters import MAX_DURATION_FILTER_S, ranges_refused
from contributions.licenses import LICENSE_CHOICES
from contributions.models import Contribution
from hitrec.currencies import CURRENCY_CHOICES
from hitrec.i18n import message_of
from hitrec.search_fields import SearchTextFormField
from hitrec.tag_fields import TagsTextField
from projects.search import SECTIONS
from royalties.payout_files import PayoutFileError, result_file_text
from royalties.periods import PeriodError, parse_period


class SignupForm(forms.Form):
    username = forms.RegexField(
        r"^[\w.@+-]+\Z", max_length=150, label=_("Username"),
        help_text=_("Letters, digits and @ . + - _ only."),
    )  # fmt: skip
    email = forms.EmailField(label=_("Email"))
    password = forms.CharField(
        widget=forms.PasswordInput, max_length=128, strip=False, label=_("Password")
    )


class BareFieldsNamed:
    """For forms whose fields a template shows without a <label> (one-line filters and
    inline forms): each control carries its label as `aria-label`, so a screen reader names
    it."""

    fields: dict

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for name, field in self.fields.items():
            field.widget.attrs.setdefault(
                "aria-label", str(field.label or name.replace("_", " ").capitalize())
            )


class TagsInput(forms.TextInput):
    """One text box of tags, also read from repeated `?tag=` parameters (a tag's link, the
    API's spelling), so that either URL is the same search."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return ", ".join(v for v in values if v)


class ContributionFilterForm(BareFieldsNamed, forms.Form):
    kind = forms.ChoiceField(
        choices=[("", _("any kind")), *Contribution.Kind.choices], required=False,
        label=_("Kind"),
    )  # fmt: skip
    license = forms.ChoiceField(
        choices=[("", _("any license")), *LICENSE_CHOICES], required=False, label=_("License")
    )
    search = SearchTextFormField(label=_("Search"))
    tag = TagsTextField(
        label=_("Tags"), widget=TagsInput,
        help_text=_("Separated by commas, or by spaces if there is no comma; works with every "
                    "one of them."),
    )  # fmt: skip
    commercial = forms.BooleanField(required=False, label=_("Usable in a commercial release"))
    remixable_into = forms.ChoiceField(
        choices=[("", _("remixable into any license")), *LICENSE_CHOICES], required=False,
        label=_("May be remixed into a work under"),
    )  # fmt: skip
    duration_min = forms.FloatField(
        required=False, min_value=0, max_value=MAX_DURATION_FILTER_S,
        label=_("At least (seconds)"), widget=forms.NumberInput(attrs={"step": "any"}),
    )  # fmt: skip
    duration_max = forms.FloatField(
        required=False, min_value=0, max_value=MAX_DURATION_FILTER_S,
        label=_("At most (seconds)"), widget=forms.NumberInput(attrs={"step": "any"}),
    )  # fmt: skip
    created_after = forms.DateField(
        required=False, label=_("Created on or after"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    created_before = forms.DateField(
        required=False, label=_("Created on or before"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    ordering = forms.ChoiceField(
        choices=[
            ("-created_at", _("newest first")),
            ("created_at", _("oldest first")),
            # Translators: an order of a list of works: by title.
            ("title", _("title")),
        ],
        required=False,
        label=_("Ordering"),
    )

    # Shown folded away unless one of them is chosen.
    MORE = (
        "tag", "commercial", "remixable_into", "duration_min", "duration_max", "created_after",
        "created_before",
    )  # fmt: skip

    def more(self) -> list[forms.BoundField]:
        return [self[name] for name in self.MORE]

    def more_chosen(self) -> bool:
        return any(self[name].value() not in (None, "", False) for name in self.MORE)

    def clean(self) -> dict:
        cleaned = super().clean()
        for field, messages in ranges_refused(cleaned).items():
            for message in messages:
                self.add_error(field, message)
        return cleaned

    def filters(self) -> dict:
        """The filters chosen, as `contribution_list` takes them (the form must be valid)."""
        # Not by truth: a shortest duration of 0 s is a choice (works that have a duration).
        chosen = {
            k: v for k, v in self.cleaned_data.items() if v is not None and v is not False
            and not (isinstance(v, str | list) and not v)
        }  # fmt: skip
        if "tag" in chosen:
            chosen["tags"] = chosen.pop("tag")
        return chosen


class ProjectFilterForm(forms.Form):
    has_open_ask = forms.BooleanField(required=False, label=_("Only projects asking for work"))


class SearchForm(forms.Form):
    """The search page's form (GET, so a search is a link); the query language is read, and
    refused with its reason, by hitrec.search.query_parsed."""

    q = SearchTextFormField(
        label=_("Search for"),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )  # fmt: skip
    section = forms.ChoiceField(
        choices=[(name, name) for name in SECTIONS], required=False, widget=forms.HiddenInput
    )
    page = forms.IntegerField(min_value=1, max_value=1000, required=False, widget=forms.HiddenInput)


class UploadForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("Title"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=10_000,
        label=_("Description"),
    )  # fmt: skip
    license = forms.ChoiceField(
        choices=LICENSE_CHOICES,
        initial="hitrec",
        widget=forms.Select(attrs={"aria-label": _("License")}),
        label=_("License"),
    )
    file = forms.FileField(required=False, allow_empty_file=True, label=_("File"))
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), required=False, strip=False,
        label=_("Text"), help_text=_("Or write the text here instead of uploading a file."),
    )  # fmt: skip
    sources = forms.CharField(
        required=False, max_length=500, label=_("Sources"),
        help_text=_("Ids of the works this remixes, separated by commas."),
    )  # fmt: skip
    project = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean_sources(self) -> list[int]:
        raw = self.cleaned_data["sources"]
        ids = []
        for part in raw.replace(" ", ",").split(","):
            if not part:
                continue
            digits = part.lstrip("#")
            # ASCII digits only ("²".isdigit() is true), and a 64-bit id at most.
            if not (digits.isascii() and digits.isdigit() and int(digits) < 2**63):
                raise forms.ValidationError(
                    _("“%(part)s” is not a contribution id.") % {"part": part[:40]}
                )
            ids.append(int(part.lstrip("#")))
        return ids


class SourceAddForm(forms.Form):
    """The credit guard's "add it as a source": the earlier work, from a hidden field."""

    source = forms.IntegerField(min_value=1, max_value=2**63 - 1, label=_("Source"))


class ProjectForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("Title"))
    brief = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), required=False, max_length=20_000,
        label=_("Brief"),
    )  # fmt: skip
    currency = forms.ChoiceField(choices=CURRENCY_CHOICES, initial="USD", label=_("Currency"))
    contributor_pool = forms.CharField(
        max_length=40, initial="0.5", label=_("Contributor pool"),
        help_text=_("Share for contributors: 0.5, 1/2 or 50%."),
    )  # fmt: skip
    upstream_share = forms.CharField(
        max_length=40, initial="0.25", label=_("Upstream share"),
        help_text=_("Share a remix passes to its sources."),
    )  # fmt: skip


class AskForm(BareFieldsNamed, forms.Form):
    kind = forms.ChoiceField(choices=Contribution.Kind.choices, label=_("Kind"))
    description = forms.CharField(max_length=500, label=_("Description"))
    quantity = forms.IntegerField(min_value=1, max_value=1000, initial=1, label=_("Quantity"))
    tags = TagsTextField(
        label=_("Skills it takes, as tags"),
        widget=forms.TextInput(attrs={"placeholder": _("tags: cello, strings")}),
    )


class SubmitForm(forms.Form):
    contribution = forms.IntegerField(min_value=1, label=_("Contribution"))
    ask = forms.IntegerField(min_value=1, required=False, label=_("Ask"))
    message = forms.CharField(required=False, max_length=2000, label=_("Message"))


class DecisionForm(forms.Form):
    note = forms.CharField(required=False, max_length=2000, label=_("Note"))


class RevenueForm(forms.Form):
    amount = forms.CharField(max_length=40, label=_("Amount"))
    note = forms.CharField(required=False, max_length=500, label=_("Note"))
    idempotency_key = forms.CharField(max_length=255, widget=forms.HiddenInput)
    # A name, not a choice among rows: the service says which streams the project has.
    stream = forms.SlugField(required=False, max_length=40, widget=forms.Select, label=_("Stream"))

    def __init__(self, *args, streams: Iterable[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stream"].widget.attrs.pop("maxlength", None)  # not an attribute of <select>
        self.fields["stream"].widget.choices = [
            ("", _("no stream (the release's own split)")),
            *((name, name) for name in streams),
        ]


class CostForm(forms.Form):
    """A production cost: the amount in the project's currency, what for, who paid."""

    amount = forms.CharField(max_length=40, label=_("Amount"), help_text=_("e.g. 250.00"))
    note = forms.CharField(max_length=500, label=_("What for"), help_text=_("e.g. a studio day."))
    borne_by = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, empty_label=None, label=_("Borne by"),
        help_text=_("The producer who paid, and is paid back first."),
    )  # fmt: skip
    receipt = forms.FileField(
        required=False, label=_("Receipt"), help_text=_("A PDF, JPEG, PNG or WebP, up to 10 MB.")
    )

    def __init__(self, *args, bearers: QuerySet[User], currency: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if currency:  # the project's own: its accounts are kept in one currency
            # Translators: %(currency)s is a currency code such as EUR.
            self.fields["amount"].label = _("Amount (%(currency)s)") % {"currency": currency}
        self.fields["borne_by"].queryset = bearers
        self.fields["borne_by"].label_from_instance = lambda user: user.username


class CostWithdrawForm(forms.Form):
    reason = forms.CharField(max_length=500, label=_("Reason"), help_text=_("e.g. recorded twice."))


class StreamForm(forms.Form):
    name = forms.SlugField(
        max_length=40, label=_("Name"),
        # Translators: publishing, master, sync and budget are stream names people type.
        help_text=_("publishing, master, sync, budget… (letters, digits, - and _)"),
    )  # fmt: skip
    contributor_pool = forms.CharField(
        required=False, max_length=40, label=_("Contributor pool"),
        help_text=_(
            "Share for contributors: 0.5, 1/2 or 50%. Empty: the project's (100% for budget)."
        ),
    )  # fmt: skip
    recoups_costs = forms.TypedChoiceField(
        choices=[("", _("as its name says (budget: no)")), ("yes", _("yes")), ("no", _("no"))],
        coerce=lambda value: value == "yes", empty_value=None, required=False,
        label=_("Pays back costs first"),
    )  # fmt: skip

    def __init__(self, *args, credited: dict[int, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if credited:  # released: a stream may pay only some of the credits
            self.fields["contributions"] = forms.TypedMultipleChoiceField(
                choices=[(cid, f"#{cid} {title}") for cid, title in credited.items()],
                coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
                label=_("Pays only"),
                help_text=_("The credited works it pays (their sources are paid through the "
                "lineage as ever). None ticked: every credit."),
            )  # fmt: skip


class StatementRunForm(forms.Form):
    """The month whose statements staff build for everyone."""

    period = forms.CharField(
        max_length=20, label=_("Month"), widget=forms.TextInput(attrs={"type": "month"}),
        # Translators: how a month is typed; keep it as is (the form reads YYYY-MM).
        help_text=_("YYYY-MM"),
    )  # fmt: skip

    def clean_period(self) -> dt.date:
        try:
            return parse_period(self.cleaned_data["period"])
        except PeriodError as exc:
            raise forms.ValidationError(message_of(exc)) from exc


class PayoutResultsForm(forms.Form):
    """The payment facilitator's result file: CSV text with reference and status columns."""

    file = forms.FileField(label=_("Result file"))

    def clean_file(self) -> str:
        try:
            return result_file_text(self.cleaned_data["file"].read())
        except PayoutFileError as exc:
            raise forms.ValidationError(message_of(exc)) from None


class AuditFilterForm(forms.Form):
    """The audit log's filters; every one optional, the URL shareable."""

    action = forms.CharField(
        max_length=64, required=False, label=_("Action"),
        help_text=_("e.g. payout, cost.record, contribution.take_down"),
    )  # fmt: skip
    person = forms.CharField(
        max_length=150, required=False, label=_("Username (who acted, or whom it concerned)")
    )
    since = forms.DateField(
        required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"})
    )
