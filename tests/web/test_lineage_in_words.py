"""A work's page says its lineage in words, as nested lists beside the picture: what it
builds on (and what that builds on), and where it was remixed (and remixed again)."""

import re

import pytest

from contributions.lineage import lineage_get, lineage_outline
from contributions.models import RemixLink
from tests.contributions.factories import ContributionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def diamond():
    """Loop ← Beat and Loop ← Bass; Song remixes both; Cover remixes Song."""
    loop = ContributionFactory(title="Loop")
    beat, bass = ContributionFactory(title="Beat"), ContributionFactory(title="Bass")
    song, cover = ContributionFactory(title="Song"), ContributionFactory(title="Cover")
    for source, remix in ((loop, beat), (loop, bass), (beat, song), (bass, song), (song, cover)):
        RemixLink.objects.create(source=source, remix=remix)
    return {"loop": loop, "beat": beat, "bass": bass, "song": song, "cover": cover}


def titles(items) -> list:
    return [
        (item.node.title, item.seen, titles(item.children)) if item.children else
        (item.node.title, item.seen)
        for item in items
    ]  # fmt: skip


def test_the_outline_nests_each_step_and_names_a_work_reached_twice_once_in_full(diamond):
    outline = lineage_outline(lineage_get(contribution_id=diamond["song"].id, depth=3))

    assert titles(outline["up"]) == [
        ("Beat", False, [("Loop", False)]),
        ("Bass", False, [("Loop", True)]),  # the diamond: Loop is listed once in full
    ]
    assert titles(outline["down"]) == [("Cover", False)]


def test_an_original_that_nobody_remixed_has_an_empty_outline():
    alone = ContributionFactory(title="Alone")

    assert lineage_outline(lineage_get(contribution_id=alone.id, depth=3)) == {
        "up": (),
        "down": (),
    }


def test_the_page_shows_the_lineage_in_words_beside_the_picture(client, diamond):
    page = client.get(f"/contributions/{diamond['song'].id}/").content.decode()

    outline = re.search(r"<details id=\"lineage-in-words\".*?</details>", page, re.S).group(0)
    assert 'aria-describedby="lineage-in-words"' in page
    assert "Song builds on:" in outline
    assert re.search(r">Beat</a>.*?<ul>.*?>Loop</a>", outline, re.S)
    assert "listed above" in outline
    assert re.search(r"Remixed in:.*?>Cover</a>", outline, re.S)


def test_the_page_counts_the_lineage_exactly(client, diamond):
    page = client.get(f"/contributions/{diamond['beat'].id}/").content.decode()

    counts = re.search(r"<p class=\"muted\" data-lineage-counts>(.*?)</p>", page, re.S).group(1)
    assert "1 remix ·" in counts  # Song
    assert "2 works made from it in all" in counts  # Song and Cover
    assert "it builds on 1 work" in counts  # Loop
    assert "data-lineage-cut" not in page


def test_a_popular_works_page_lists_its_nearest_relatives_and_offers_the_whole_lineage(
    client, monkeypatch
):
    from web.views import contributions as views

    hub = ContributionFactory(title="Hub")
    for n in range(6):
        RemixLink.objects.create(source=hub, remix=ContributionFactory(title=f"Remix {n}"))
    monkeypatch.setattr(views, "LINEAGE_LISTED", 4)  # stands in for 200 of thousands

    page = client.get(f"/contributions/{hub.id}/").content.decode()

    outline = re.search(r"<details id=\"lineage-in-words\".*?</details>", page, re.S).group(0)
    assert re.findall(r">(Remix \d)</a>", outline) == ["Remix 0", "Remix 1", "Remix 2"]
    assert "Its nearest 3 relatives are listed here." in outline
    assert f'href="/api/contributions/{hub.id}/lineage/export"' in outline
    assert "6 remixes ·" in page
