"""The fixed set of licenses and the rules for remixing and releasing work under them (no Django)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


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
        License("hitrec", "hitrec license", True, True, True, True, "/licenses/hitrec/"),
        License("cc0", "CC0 1.0", True, True, False, False, "https://creativecommons.org/publicdomain/zero/1.0/"),
        License("cc-by", "CC BY 4.0", True, True, False, True, "https://creativecommons.org/licenses/by/4.0/"),
        License("cc-by-sa", "CC BY-SA 4.0", True, True, True, True, "https://creativecommons.org/licenses/by-sa/4.0/"),
        License("cc-by-nc", "CC BY-NC 4.0", True, False, False, True, "https://creativecommons.org/licenses/by-nc/4.0/"),
        License("cc-by-nc-sa", "CC BY-NC-SA 4.0", True, False, True, True, "https://creativecommons.org/licenses/by-nc-sa/4.0/"),
        License("cc-by-nd", "CC BY-ND 4.0", False, True, False, True, "https://creativecommons.org/licenses/by-nd/4.0/"),
        License("all-rights-reserved", "All rights reserved", False, True, False, True, ""),
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


def source_refusals(source: Work) -> list[str]:
    """Why this work cannot be a remix source at all (empty when it can)."""
    lic = LICENSES[source.license]
    if lic.remixable:
        return []
    if source.license == "cc-by-nd":
        reason = "its license, CC BY-ND (NoDerivatives), does not allow remixes"
    else:
        reason = "its author reserved all rights, so it cannot be remixed"
    return [f"{describe(source)} cannot be used as a source: {reason}."]


def _requirement(source: Work) -> tuple[frozenset[str], str] | None:
    """The licenses a remix of this source may carry, and the rule that says so, if restricted."""
    slug = source.license
    if slug == "hitrec":
        return frozenset({"hitrec"}), "work under the hitrec license stays under it when remixed"
    if slug == "cc-by-sa":
        return frozenset({"cc-by-sa"}), "ShareAlike: a remix must carry the same license, CC BY-SA"
    if slug == "cc-by-nc-sa":
        return (
            frozenset({"cc-by-nc-sa"}),
            "NonCommercial-ShareAlike: a remix must carry the same license, CC BY-NC-SA",
        )
    if slug == "cc-by-nc":
        return (
            frozenset({"cc-by-nc", "cc-by-nc-sa"}),
            "NonCommercial: a remix must also forbid commercial use (CC BY-NC or CC BY-NC-SA)",
        )
    if slug == "cc-by":
        return (
            frozenset(set(LICENSES) - {"cc0"}),
            "Attribution: a remix cannot waive the credit it owes (CC0 is not allowed)",
        )
    return None  # cc0: anything goes


def allowed_remix_licenses(sources: Iterable[Work]) -> list[str]:
    """The licenses a remix of all these sources may carry, in the platform's order."""
    allowed = set(LICENSES)
    for source in sources:
        if source_refusals(source):
            return []
        requirement = _requirement(source)
        if requirement:
            allowed &= requirement[0]
    return [slug for slug in LICENSES if slug in allowed]


def remix_refusals(license: str, sources: Sequence[Work]) -> list[str]:
    """Every reason a remix under `license` may not use these sources (empty when it may)."""
    if license not in LICENSES:
        return [f"“{license}” is not a license hitrec knows."]
    problems: list[str] = []
    for source in sources:
        problems += source_refusals(source)
    if problems:
        return problems
    chosen = LICENSES[license].name
    for source in sources:
        requirement = _requirement(source)
        if requirement and license not in requirement[0]:
            allowed, rule = requirement
            problems.append(
                f"{describe(source)} is licensed {LICENSES[source.license].name}; {rule}, "
                f"so this remix cannot be {chosen}."
            )
    if problems and not allowed_remix_licenses(sources):
        problems.append("No single license honours all of these sources together.")
    return problems


def commercial_release_refusals(works: Iterable[Work]) -> list[str]:
    """Why a commercial release may not contain these works (its whole lineage)."""
    return [
        f"{describe(work)} is licensed {LICENSES[work.license].name}, which forbids commercial "
        "use, and it is in this work's lineage: release it as non-commercial or remove it."
        for work in works
        if not LICENSES[work.license].commercial
    ]


def remix_licenses_explained(sources: Sequence[Work]) -> tuple[list[str], str]:
    """The licenses a remix of these sources may carry, and a sentence saying why (the upload
    page and `GET /api/licenses/allowed/` show the same words)."""
    allowed = allowed_remix_licenses(sources)
    problems = [problem for source in sources for problem in source_refusals(source)]
    if problems:
        return allowed, " ".join(problems)
    if not sources:
        return allowed, "An original work may carry any license."
    if not allowed:
        return allowed, "No single license honours all of these sources together."
    return allowed, f"These sources allow: {', '.join(LICENSES[slug].name for slug in allowed)}."
