"""Forms of the pages: they check what a person typed; services decide what it means."""

from django import forms

from contributions.licenses import LICENSE_CHOICES
from contributions.models import Contribution
from royalties.currencies import CURRENCY_CHOICES


class SignupForm(forms.Form):
    username = forms.RegexField(
        r"^[\w.@+-]+\Z", max_length=150, help_text="Letters, digits and @ . + - _ only."
    )
    email = forms.EmailField()
    password = forms.CharField(widget=forms.PasswordInput, max_length=128, strip=False)


class ContributionFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "any kind"), *Contribution.Kind.choices], required=False)
    license = forms.ChoiceField(choices=[("", "any license"), *LICENSE_CHOICES], required=False)
    search = forms.CharField(required=False, max_length=200)
    ordering = forms.ChoiceField(
        choices=[
            ("-created_at", "newest first"),
            ("created_at", "oldest first"),
            ("title", "title"),
        ],
        required=False,
    )


class UploadForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=10_000
    )
    license = forms.ChoiceField(choices=LICENSE_CHOICES, initial="hitrec")
    file = forms.FileField(required=False, allow_empty_file=True)
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), required=False, strip=False,
        help_text="Or write the text here instead of uploading a file.",
    )  # fmt: skip
    sources = forms.CharField(
        required=False, max_length=500,
        help_text="Ids of the works this remixes, separated by commas.",
    )  # fmt: skip
    project = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean_sources(self) -> list[int]:
        raw = self.cleaned_data["sources"]
        ids = []
        for part in raw.replace(" ", ",").split(","):
            if not part:
                continue
            if not part.lstrip("#").isdigit():
                raise forms.ValidationError(f"“{part}” is not a contribution id.")
            ids.append(int(part.lstrip("#")))
        return ids


class ProjectForm(forms.Form):
    title = forms.CharField(max_length=200)
    brief = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), required=False, max_length=20_000
    )
    currency = forms.ChoiceField(choices=CURRENCY_CHOICES, initial="USD")
    contributor_pool = forms.CharField(
        max_length=40, initial="0.5", help_text="Share for contributors: 0.5, 1/2 or 50%."
    )
    upstream_share = forms.CharField(
        max_length=40, initial="0.25", help_text="Share a remix passes to its sources."
    )


class AskForm(forms.Form):
    kind = forms.ChoiceField(choices=Contribution.Kind.choices)
    description = forms.CharField(max_length=500)
    quantity = forms.IntegerField(min_value=1, max_value=1000, initial=1)


class SubmitForm(forms.Form):
    contribution = forms.IntegerField(min_value=1)
    ask = forms.IntegerField(min_value=1, required=False)
    message = forms.CharField(required=False, max_length=2000)


class DecisionForm(forms.Form):
    note = forms.CharField(required=False, max_length=2000)


class RevenueForm(forms.Form):
    amount = forms.CharField(max_length=40)
    note = forms.CharField(required=False, max_length=500)
    idempotency_key = forms.CharField(max_length=255, widget=forms.HiddenInput)
