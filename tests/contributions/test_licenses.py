"""The license rules, one test per rule, each refusal in words a person understands."""

import pytest

from contributions.licenses import (
    LICENSES,
    Work,
    allowed_remix_licenses,
    commercial_release_refusals,
    remix_refusals,
)


def work(license: str, id: int = 1, title: str = "Night Bus") -> Work:
    return Work(id=id, title=title, license=license)


def test_the_fixed_set_of_license_slugs():
    assert list(LICENSES) == [
        "hitrec", "cc0", "cc-by", "cc-by-sa", "cc-by-nc", "cc-by-nc-sa", "cc-by-nd",
        "all-rights-reserved",
    ]  # fmt: skip


@pytest.mark.parametrize("license", ["cc-by-nd", "all-rights-reserved"])
def test_nd_and_all_rights_reserved_cannot_be_remixed(license):
    problems = remix_refusals("cc-by", [work(license)])

    assert len(problems) == 1
    assert problems[0].startswith("“Night Bus” (#1) cannot be used as a source")
    assert allowed_remix_licenses([work(license)]) == []


def test_nd_refusal_names_the_rule():
    assert "NoDerivatives" in remix_refusals("cc-by", [work("cc-by-nd")])[0]
    assert "reserved all rights" in remix_refusals("cc-by", [work("all-rights-reserved")])[0]


def test_share_alike_forces_the_same_license():
    assert remix_refusals("cc-by-sa", [work("cc-by-sa")]) == []
    [problem] = remix_refusals("cc-by", [work("cc-by-sa")])
    assert problem == (
        "“Night Bus” (#1) is licensed CC BY-SA 4.0; ShareAlike: a remix must carry the same "
        "license, CC BY-SA, so this remix cannot be CC BY 4.0."
    )
    assert allowed_remix_licenses([work("cc-by-sa")]) == ["cc-by-sa"]


def test_noncommercial_forces_a_noncommercial_remix():
    assert remix_refusals("cc-by-nc", [work("cc-by-nc")]) == []
    assert remix_refusals("cc-by-nc-sa", [work("cc-by-nc")]) == []
    for license in ["hitrec", "cc0", "cc-by", "cc-by-sa", "all-rights-reserved"]:
        [problem] = remix_refusals(license, [work("cc-by-nc")])
        assert "NonCommercial" in problem
    assert allowed_remix_licenses([work("cc-by-nc")]) == ["cc-by-nc", "cc-by-nc-sa"]


def test_noncommercial_share_alike_forces_exactly_itself():
    assert allowed_remix_licenses([work("cc-by-nc-sa")]) == ["cc-by-nc-sa"]
    assert remix_refusals("cc-by-nc", [work("cc-by-nc-sa")])


def test_attribution_cannot_be_waived_by_cc0():
    [problem] = remix_refusals("cc0", [work("cc-by")])
    assert "Attribution" in problem
    assert "cc0" not in allowed_remix_licenses([work("cc-by")])
    assert remix_refusals("all-rights-reserved", [work("cc-by")]) == []


def test_cc0_sources_allow_any_license():
    assert allowed_remix_licenses([work("cc0")]) == list(LICENSES)


def test_hitrec_work_stays_hitrec():
    assert allowed_remix_licenses([work("hitrec")]) == ["hitrec"]
    [problem] = remix_refusals("cc-by", [work("hitrec")])
    assert "stays under it" in problem


def test_sources_that_no_single_license_honours_are_refused_with_that_reason():
    sources = [work("cc-by-sa", 1, "Loop"), work("cc-by-nc", 2, "Verse")]

    problems = remix_refusals("cc-by-sa", sources)

    assert allowed_remix_licenses(sources) == []
    assert problems[-1] == "No single license honours all of these sources together."
    assert any("“Verse” (#2)" in p for p in problems)


def test_several_sources_narrow_the_choice_together():
    sources = [work("cc-by", 1), work("cc-by-nc", 2), work("cc0", 3)]
    assert allowed_remix_licenses(sources) == ["cc-by-nc", "cc-by-nc-sa"]
    assert remix_refusals("cc-by-nc-sa", sources) == []


def test_an_unknown_license_is_named():
    assert remix_refusals("gpl", []) == ["“gpl” is not a license hitrec knows."]


def test_a_commercial_release_may_not_contain_noncommercial_work():
    lineage = [work("hitrec", 1, "Song"), work("cc-by-nc", 2, "Sample"), work("cc-by", 3)]

    [problem] = commercial_release_refusals(lineage)

    assert problem.startswith("“Sample” (#2) is licensed CC BY-NC 4.0, which forbids commercial")
    assert commercial_release_refusals([work("hitrec"), work("cc-by-sa")]) == []
