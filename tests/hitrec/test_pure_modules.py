"""The pure money and lineage modules import neither Django nor Celery: they can be reasoned
about, tested and benchmarked alone, and a worker of another kind could run them."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PURE = [
    "royalties.splits",
    "royalties.splits.flows",
    "royalties.apportion",
    "royalties.periods",
    "royalties.money",
    "royalties.payout_files",
    "projects.policy",
    "contributions.licenses",
    "hitrec.gcpause",
]


@pytest.mark.parametrize("module", PURE)
def test_a_pure_module_imports_neither_django_nor_celery(module):
    # A fresh interpreter: this one has long loaded both.
    check = (
        f"import sys, {module}; "
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & {'django', 'celery', 'kombu'}); "
        "print(','.join(loaded))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter, a fixed program
        [sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, check=True,
        env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip

    assert result.stdout.strip() == "", f"{module} loads {result.stdout.strip()}"
