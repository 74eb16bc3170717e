"""Fuzzing the API from its own schema: whatever a signed-in client sends, no 5xx comes back,
and every answer has a status, a content type and a body the schema at /api/schema/ allows.

Schemathesis generates requests for every operation (valid ones, and deliberately invalid
ones) against a live server over real HTTP. `make test` runs a short pass (a few examples
an operation, well under a minute); `make fuzz` (`pytest -m fuzz`) runs a long one.
"""

import os
import time
from dataclasses import dataclass

import hypothesis
import hypothesis.errors
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.accounts.factories import UserFactory
from tests.contributions.factories import ContributionFactory
from tests.projects.factories import make_project

# Operations left out, and why: they end the fuzzing user or start heavy jobs over and over.
EXCLUDED = [
    ("DELETE", "/api/auth/me/"),  # closes the fuzzing account
    ("POST", "/api/auth/me/export/"),  # builds a data-export archive per request
]
VALID_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Invalid input must be refused with a 4xx that the schema describes, never a 5xx.
INVALID_CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]


@dataclass
class Target:
    schema: schemathesis.BaseSchema
    base_url: str
    headers: dict[str, str]


@pytest.fixture
def target(live_server, transactional_db) -> Target:
    """A live server, a signed-in artist with a token, and a few objects with small ids for
    the generated ids to hit (the rest of the time they get a 404, which is fine too)."""
    artist = UserFactory(username="fuzzer")
    token = Token.objects.create(user=artist)
    other = UserFactory()
    ContributionFactory(author=artist, title="Fuzzed verse")
    ContributionFactory(author=other, title="Someone else's verse")
    make_project(owner=artist, title="Fuzzed project")
    make_project(owner=other, title="Someone else's project")
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/?format=json")
    for method, path in EXCLUDED:
        schema = schema.exclude(method=method, path=path)
    return Target(
        schema=schema,
        base_url=live_server.url,
        headers={"Authorization": f"Token {token.key}"},
    )


def fuzz_operation(target: Target, operation, *, mode, checks, examples: int):
    """A Hypothesis test of one operation: `examples` generated cases, each sent and checked."""

    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=examples <= 10,  # the short pass is the same every run
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        case.call_and_validate(
            base_url=target.base_url, headers=target.headers, checks=checks, timeout=30
        )

    return run


def fuzz(target: Target, *, examples: int, budget_s: float) -> tuple[list[str], int]:
    """Runs every operation with `examples` valid and invalid cases each; the failures found,
    one line each (with the case as a curl command), and how many operations were run."""
    failures: list[str] = []
    operations = [result.ok() for result in target.schema.get_all_operations()]
    deadline = time.monotonic() + budget_s
    for operation in operations:
        for mode, checks in (
            (schemathesis.GenerationMode.POSITIVE, VALID_CHECKS),
            (schemathesis.GenerationMode.NEGATIVE, INVALID_CHECKS),
        ):
            if time.monotonic() > deadline:
                failures.append(f"time budget of {budget_s:.0f} s spent before {operation.label}")
                return failures, len(operations)
            run = fuzz_operation(target, operation, mode=mode, checks=checks, examples=examples)
            try:
                run()
            except hypothesis.errors.Unsatisfiable:
                continue  # nothing invalid can be sent to an operation that takes no input
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - report every one
                failures.append(f"{operation.label} ({mode.value}): {str(exc).strip()[:1500]}")
    return failures, len(operations)


def test_a_short_fuzzing_pass_finds_no_server_error_and_no_schema_mismatch(target):
    failures, operations = fuzz(target, examples=3, budget_s=300)

    assert operations > 50  # the whole API was loaded from its schema
    assert failures == [], "\n\n".join(failures)


@pytest.fixture
def long_run_selected(request):
    """The long run goes only when asked for (`-m fuzz`), never as part of `make test`."""
    if "fuzz" not in (request.config.option.markexpr or ""):
        pytest.skip("the long fuzzing run: make fuzz (pytest -m fuzz)")


@pytest.mark.fuzz
def test_a_long_fuzzing_pass_finds_no_server_error_and_no_schema_mismatch(
    long_run_selected, target
):
    examples = int(os.environ.get("HITREC_FUZZ_EXAMPLES", "100"))
    failures, _ = fuzz(target, examples=examples, budget_s=3600)

    assert failures == [], "\n\n".join(failures)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/api/contributions/abc/", "/api/nothing-here/", "/api/projects/1/%C2%BB/"]
)
def test_an_unknown_api_url_answers_in_json_like_every_api_404(client, path):
    # Found by the fuzzing: a non-integer id matched no route and got Django's HTML page.
    response = client.get(path)

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.django_db
def test_an_unknown_page_keeps_the_html_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_an_id_too_large_for_the_database_is_refused_not_a_crash(client):
    # Found by the fuzzing: a 30-digit source id reached SQLite and overflowed (a 500).
    response = client.get("/api/licenses/allowed/", {"sources": "1," + "9" * 30})

    assert response.status_code == 400
    assert "contribution ids" in response.json()["sources"][0]
