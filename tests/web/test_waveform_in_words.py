"""A track's waveform, drawn by the page's script, is named for those who cannot see it."""

import pytest

from media.models import Rendition
from tests.contributions.factories import ContributionFactory

pytestmark = pytest.mark.django_db


def test_the_waveform_says_what_it_shows(client):
    track = ContributionFactory(
        title="Harbour Hum", kind="audio", text="", duration_s=125.4, codec="mp3"
    )
    Rendition.objects.create(
        contribution=track, role="waveform", name="waveform.json", mime="application/json",
        file=f"renditions/{track.id}/waveform.json",
    )  # fmt: skip

    page = client.get(f"/contributions/{track.id}/").content.decode()

    assert (
        'role="img" aria-label="The waveform of Harbour Hum: how loud it is over its 125 seconds."'
        in page
    )
