"""The search page: works, projects and artists matching a query, over the selector that
GET /api/search/ uses. A plain GET form, so a search (and each page of it) is a link."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from projects.search import site_search
from web import forms

# All three sections: the first few of each, and a link to the rest of a section.
FIRST_FEW = 10
SECTION_PAGE = 20
_TITLES = {
    "contributions": (_("Works"), _("All the works found")),
    "projects": (_("Projects"), _("All the projects found")),
    "artists": (_("Artists"), _("All the artists found")),
}


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    found: object  # WorksFound, ProjectsFound or ArtistsFound
    more_label: str
    more: str | None = None  # the whole section, when only its first few are shown
    previous: str | None = None
    next: str | None = None
    page: int = 1


def _link(q: str, section: str, page: int = 1) -> str:
    query = {"q": q, "section": section} | ({"page": page} if page > 1 else {})
    return "?" + urlencode(query)


def search(request):
    form = forms.SearchForm(request.GET or None)
    context: dict = {"form": form, "sections": [], "corrected": None, "q": ""}
    if not (form.is_valid() and form.cleaned_data["q"]):
        return render(request, "web/search.html", context)
    q, one = form.cleaned_data["q"], form.cleaned_data["section"] or None
    page = (form.cleaned_data["page"] or 1) if one else 1
    found = site_search(
        text=q, section=one, page=page, page_size=SECTION_PAGE if one else FIRST_FEW
    )
    sections = []
    for name, (title, more_label) in _TITLES.items():
        result = getattr(found, name)
        if result is None:
            continue
        if one:
            more_after = found.offset + found.limit < result.count
            sections.append(
                Section(
                    name,
                    str(title),
                    result,
                    str(more_label),
                    page=page,
                    previous=_link(q, name, page - 1) if page > 1 else None,
                    next=_link(q, name, page + 1) if more_after else None,
                )  # fmt: skip
            )
        else:
            more = _link(q, name) if result.count > len(result.found) else None
            sections.append(Section(name, str(title), result, str(more_label), more=more))
    works = found.contributions
    context.update(
        q=q,
        section=one,
        sections=sections,
        corrected=works.corrected.typed() if works and works.corrected else None,
        everything="?" + urlencode({"q": q}),
    )
    return render(request, "web/search.html", context)
