"""The load test runs only when asked for by marker (`pytest -m load`, as `make bench` does)."""

import pytest


def pytest_collection_modifyitems(config, items):
    if "load" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="a load test: `make bench` runs it (pytest -m load)")
    for item in items:
        if item.get_closest_marker("load"):
            item.add_marker(skip)
