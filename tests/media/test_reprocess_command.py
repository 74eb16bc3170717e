"""`manage.py reprocess` re-runs jobs, chosen by kind or failure, and reports what happened."""

from io import StringIO

import pytest
from django.core.management import call_command

from contributions.models import Contribution
from tests.contributions.factories import ContributionFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_reprocess_failed_text_contributions():
    broken = ContributionFactory(status="failed", error="old reason", text="Now *fine*.")
    fine = ContributionFactory(status="ready", text="Untouched.")
    out, err = StringIO(), StringIO()

    call_command("reprocess", "--failed", stdout=out, stderr=err)

    broken.refresh_from_db()
    fine.refresh_from_db()
    assert (broken.status, broken.error) == ("ready", "")
    assert "<em>fine</em>" in broken.metadata["html"]
    assert fine.metadata == {}  # not chosen, not re-run
    assert "Reprocessed 1 contributions: 1 ready." in out.getvalue()
    assert "queueing" in err.getvalue()  # the progress bar


def test_reprocess_by_kind_skips_other_kinds():
    text = ContributionFactory(status="ready")

    call_command("reprocess", "--kind", "image", stdout=StringIO(), stderr=StringIO())

    assert Contribution.objects.get(pk=text.pk).metadata == {}
