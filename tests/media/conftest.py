"""Fixtures for the media pipeline tests: generated sample files and an output folder."""

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.media import samples


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """`sample("wav")` makes tests/media/samples.py's `wav` file once per session."""
    directory = tmp_path_factory.mktemp("samples")
    made: dict[str, Path] = {}

    def make(name: str) -> Path:
        if name not in made:
            made[name] = getattr(samples, name)(directory)
        return made[name]

    return make


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    """Where renditions go; deliberately not created, the pipeline must create it."""
    return tmp_path / "out"
