"""The fixed set of licenses and the rules for remixing and releasing work under them (no Django)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hitrec.messages import Explained, gettext_noop


@dataclass(frozen=True)
class License:
    slug: str
    name: str
    remixable: bool
    commercial: bool
    share_alike: bool
    attribution: bool
    url: str


LICENSES: dict[str, License] = {
    lic.slug: lic
    for lic in (
        License("hitrec", gettext_noop("hitrec license"), True, True, True, True, "/licenses/hitrec/"),
        License("cc0", "CC0 1.0", True, True, False, False, "https://creativecommons.org/publicdomain/zero/1.0/"),
        License("cc-by", "CC BY 4.0", True, True, False, True, "https://creativecommons.org/licenses/by/4.0/"),
        License("cc-by-sa", "CC BY-SA 4.0", True, True, True, True, "https://creativecommons.org/licenses/by-sa/4.0/"),
        License("cc-by-nc", "CC BY-NC 4.0", True, False, False, True, "https://creativecommons.org/licenses/by-nc/4.0/"),
        License("cc-by-nc-sa", "CC BY-NC-SA 4.0", True, False, True, True, "https://creativecommons.org/licenses/by-nc-sa/4.0/"),
        License("cc-by-nd", "CC BY-ND 4.0", False, True, False, True, "https://creativecommons.org/licenses/by-nd/4.0/"),
        License("all-rights-reserved", gettext_noop("All rights reserved"), False, True, False, True, ""),
    )
}  # fmt: skip
LICENSE_CHOICES = [(lic.slug, lic.name) for lic in LICENSES.values()]
DEFAULT_LICENSE = "hitrec"


@dataclass(frozen=True)
class Work:
    """What the rules need to know of a contribution: who it is (for messages) and its license."""

    id: int
    title: str
    license: str


def describe(work: Work) -> str:
    return f"“{work.title}” (#{work.id})"


def named(work: Work) -> dict[str, object]:
    """The parameters that name a work in a message: “%(title)s” (#%(id)s)."""
    return {"title": work.title, "id": work.id}


def source_refusals(source: Work) -> list[Explained]:
    """Why this work cannot be a remix source at all (empty when it can)."""
    lic = LICENSES[source.license]
    if lic.remixable:
        return []
    if source.license == "cc-by-nd":
        message = gettext_noop(
            "“%(title)s” (#%(id)s) cannot be used as a source: its license, CC BY-ND "
            "(NoDerivatives), does not allow remixes."
        )
    else:
        message = gettext_noop(
            "“%(title)s” (#%(id)s) cannot be used as a source: its author reserved all rights, "
            "so it cannot be remixed."
        )
    return [Explained(message, **named(source))]


# Translators: the rule a source's license sets on its remixes. %(title)s and %(id)s name the
# source, %(license)s is its license, %(chosen)s the license chosen for the remix.
_RULES = {
    "hitrec": gettext_noop(
        "“%(title)s” (#%(id)s) is licensed %(license)s; work under the hitrec license stays "
        "under it when remixed, so this remix cannot be %(chosen)s."
    ),
    "cc-by-sa": gettext_noop(
        "“%(title)s” (#%(id)s) is licensed %(license)s; ShareAlike: a remix must carry the same "
        "license, CC BY-SA, so this remix cannot be %(chosen)s."
    ),
    "cc-by-nc-sa": gettext_noop(
        "“%(title)s” (#%(id)s) is licensed %(license)s; NonCommercial-ShareAlike: a remix must "
        "carry the same license, CC BY-NC-SA, so this remix cannot be %(chosen)s."
    ),
    "cc-by-nc": gettext_noop(
        "“%(title)s” (#%(id)s) is licensed %(license)s; NonCommercial: a remix must also forbid "
        "commercial use (CC BY-NC or CC BY-NC-SA), so this remix cannot be %(chosen)s."
    ),
    "cc-by": gettext_noop(
        "“%(title)s” (#%(id)s) is licensed %(license)s; Attribution: a remix cannot waive the "
        "credit it owes (CC0 is not allowed), so this remix cannot be %(chosen)s."
    ),
}


def _requirement(source: Work) -> frozenset[str] | None:
    """The licenses a remix of this source may carry, if restricted (`_RULES` says why)."""
    slug = source.license
    if slug == "hitrec":
        return frozenset({"hitrec"})
    if slug == "cc-by-sa":
        return frozenset({"cc-by-sa"})
    if slug == "cc-by-nc-sa":
        return frozenset({"cc-by-nc-sa"})
    if slug == "cc-by-nc":
        return frozenset({"cc-by-nc", "cc-by-nc-sa"})
    if slug == "cc-by":
        return frozenset(set(LICENSES) - {"cc0"})
    return None  # cc0: anything goes


def allowed_remix_licenses(sources: Iterable[Work]) -> list[str]:
    """The licenses a remix of all these sources may carry, in the platform's order."""
    allowed = set(LICENSES)
    for source in sources:
        if source_refusals(source):
            return []
        requirement = _requirement(source)
        if requirement:
            allowed &= requirement
    return [slug for slug in LICENSES if slug in allowed]


def licenses_remixable_into(license: str) -> list[str]:
    """The licenses of the works that may be a source of a remix under `license`: the browse
    filter "may be remixed into a work under X", read off the same rules as a remix."""
    return [
        slug
        for slug in LICENSES
        if license in allowed_remix_licenses([Work(id=0, title="", license=slug)])
    ]


def commercial_licenses() -> list[str]:
    """The licenses under which a work may be in a commercial release. A remix keeps its
    sources' non-commercial terms (`_requirement`), so a work under one of these has no
    non-commercial work upstream, unless a source's licence changed after it was taken in
    (the link keeps the licence it was taken under, and the release checks the lineage)."""
    return [slug for slug, lic in LICENSES.items() if lic.commercial]


NO_SINGLE_LICENSE = gettext_noop("No single license honours all of these sources together.")


def remix_refusals(license: str, sources: Sequence[Work]) -> list[Explained]:
    """Every reason a remix under `license` may not use these sources (empty when it may)."""
    if license not in LICENSES:
        return [
            Explained(gettext_noop("“%(license)s” is not a license hitrec knows."), license=license)
        ]
    problems: list[Explained] = []
    for source in sources:
        problems += source_refusals(source)
    if problems:
        return problems
    chosen = LICENSES[license].name
    for source in sources:
        requirement = _requirement(source)
        if requirement and license not in requirement:
            problems.append(
                Explained(
                    _RULES[source.license],
                    **named(source),
                    license=LICENSES[source.license].name,
                    chosen=chosen,
                )
            )
    if problems and not allowed_remix_licenses(sources):
        problems.append(Explained(NO_SINGLE_LICENSE))
    return problems


def commercial_release_refusals(works: Iterable[Work]) -> list[Explained]:
    """Why a commercial release may not contain these works (its whole lineage)."""
    return [
        Explained(
            gettext_noop(
                "“%(title)s” (#%(id)s) is licensed %(license)s, which forbids commercial use, and "
                "it is in this work's lineage: release it as non-commercial or remove it."
            ),
            **named(work),
            license=LICENSES[work.license].name,
        )
        for work in works
        if not LICENSES[work.license].commercial
    ]


def remix_licenses_explained(sources: Sequence[Work]) -> tuple[list[str], Explained]:
    """The licenses a remix of these sources may carry, and a sentence saying why (the upload
    page and `GET /api/licenses/allowed/` show the same words).

    The sentence is an `Explained`; when several sources are refused it is their sentences
    joined, and its `parts` hold each of them, to be translated one by one."""
    allowed = allowed_remix_licenses(sources)
    problems = [problem for source in sources for problem in source_refusals(source)]
    if len(problems) == 1:
        return allowed, problems[0]
    if problems:
        joined = Explained(" ".join(problems))
        joined.parts = tuple(problems)
        return allowed, joined
    if not sources:
        return allowed, Explained(gettext_noop("An original work may carry any license."))
    if not allowed:
        return allowed, Explained(NO_SINGLE_LICENSE)
    return allowed, Explained(
        gettext_noop("These sources allow: %(licenses)s."),
        licenses=", ".join(LICENSES[slug].name for slug in allowed),
    )
