"""Who may call each API endpoint: one row per method and route, one exact answer per actor.

A refused write leaves every table and every stored file as it was. The last test walks the
URL resolver: an API route added without a row here fails the suite until someone decides
who may call it.
"""

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.accounts.factories import DEFAULT_PASSWORD
from tests.contributions.uploads import png_upload
from tests.security.conftest import (
    ACTORS,
    AUTHOR_SECRET_TITLE,
    PRIVATE_METADATA,
    RECEIPT_PDF,
    World,
)

# Graphviz may be missing on a machine; the picture then says so with a 503 (for everyone).
SVG = 200 if shutil.which("dot") else 503


@dataclass(frozen=True)
class Row:
    method: str
    name: str  # the route's name in the `api` namespace
    # Answers in ACTORS order: anonymous author other producer coproducer staff.
    answers: str
    args: dict[str, str] = field(default_factory=dict)  # URL argument → a key of World.ids
    data: Callable[[World], dict] | None = None
    query: str = ""
    multipart: bool = False
    headers: dict[str, str] = field(default_factory=dict)

    def url(self, world: World) -> str:
        kwargs = {
            arg: world.rendition if key == "rendition" else world.ids[key]
            for arg, key in self.args.items()
        }
        return reverse(f"api:{self.name}", kwargs=kwargs) + self.query

    def expected(self, actor: str) -> int:
        codes = [int(code) for code in self.answers.split()]
        assert len(codes) == len(ACTORS), f"{self.name}: one answer per actor"
        return codes[ACTORS.index(actor)]

    @property
    def id(self) -> str:
        target = "-".join(self.args.values())
        return f"{self.method} {self.name}{'(' + target + ')' if target else ''}{self.query}"


W, P, D, R = (
    {"contribution_id": "work"},
    {"project_id": "project"},
    {"project_id": "draft"},
    {"project_id": "released"},
)


def credits(w: World) -> dict:
    return {"credits": [{"contribution": w.ids["offered"], "weight": "1"}], "commercial": False}


def receipt(name: str = "taxi.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, RECEIPT_PDF, content_type="application/pdf")


def results(w: World) -> dict:
    """The facilitator's answer for the world's batch: Dee's payment went through."""
    body = f"reference,status\nhitrec-{w.ids['dee_statement']},paid\n".encode()
    return {"file": SimpleUploadedFile("results.csv", body, content_type="text/csv")}


PROPOSAL, WITHDRAWN = {"proposal_id": "proposal"}, {"proposal_id": "withdrawn_proposal"}


ROWS = [
    # ---------------------------------------------------- anon author other prod  coprod staff
    Row("GET", "health", "200 200 200 200 200 200"),
    Row("GET", "schema", "200 200 200 200 200 200"),
    Row("GET", "docs", "200 200 200 200 200 200"),
    Row("GET", "licenses-allowed", "200 200 200 200 200 200", query="?sources=1"),
    # search: public to read, and it finds only public things (below).
    Row("GET", "search", "200 200 200 200 200 200", query="?q=night"),
    Row("GET", "search", "200 200 200 200 200 200", query="?q=verse&section=contributions&page=2"),
    Row("GET", "search", "400 400 400 400 400 400", query="?q=-night"),
    # accounts: one's own profile and exports only; a registration or a token for anyone.
    Row("POST", "register", "201 201 201 201 201 201",
        data=lambda w: {"username": "newbie", "email": "n@example.org", "password": "pw-12345678"}),
    Row("POST", "token", "200 200 200 200 200 200",
        data=lambda w: {"username": "ana", "password": DEFAULT_PASSWORD}),
    Row("GET", "me", "401 200 200 200 200 200"),
    Row("PATCH", "me", "401 200 200 200 200 200", data=lambda w: {"display_name": "New name"}),
    Row("DELETE", "me", "401 204 204 204 204 204", data=lambda w: {"password": DEFAULT_PASSWORD}),
    Row("POST", "me-export-request", "401 202 202 202 202 202"),
    # tokens: one's own; a new password needs the old one (each actor's is DEFAULT_PASSWORD).
    Row("POST", "password-reset", "202 202 202 202 202 202",
        data=lambda w: {"email": "ana@example.org"}),
    Row("POST", "password-reset-confirm", "400 400 400 400 400 400",
        data=lambda w: {"uid": "MQ", "token": "forged", "new_password": "another-long-7"}),
    Row("POST", "me-email", "401 200 200 200 200 200",
        data=lambda w: {"email": "moved@example.org", "password": DEFAULT_PASSWORD}),
    # Everyone in the world is verified: asking again is refused, by name.
    Row("POST", "me-email-verification", "401 400 400 400 400 400",
        data=lambda w: {"field": "email"}),
    Row("POST", "email-verify", "400 400 400 400 400 400", data=lambda w: {"token": "forged"}),
    # The mail provider's webhook answers only its shared secret (none is set here).
    Row("POST", "mail-bounces", "403 403 403 403 403 403",
        data=lambda w: {"RecordType": "Bounce", "Type": "HardBounce", "Email": "ana@example.org"}),
    Row("GET", "tokens", "401 200 200 200 200 200"),
    Row("POST", "tokens", "401 201 201 201 201 201", data=lambda w: {"name": "script"}),
    Row("DELETE", "token-detail", "401 204 404 404 404 404", args={"token_id": "api_token"}),
    Row("POST", "me-password", "401 204 204 204 204 204",
        data=lambda w: {"current_password": DEFAULT_PASSWORD,
                        "new_password": "another-long-phrase-7"}),
    Row("GET", "me-export", "401 200 404 404 404 404", args={"export_id": "export"}),
    Row("GET", "me-export-download", "401 200 404 404 404 404", args={"export_id": "export"}),
    # contributions: public to read; only the author edits, replaces or deletes.
    Row("GET", "contribution-list", "200 200 200 200 200 200"),
    Row("POST", "contribution-list", "401 201 201 201 201 201",
        data=lambda w: {"title": "A new verse", "text": "Words."}),
    Row("GET", "contribution-detail", "200 200 200 200 200 200", args=W),
    Row("GET", "contribution-detail", "200 200 200 200 200 200",
        args={"contribution_id": "tombstone"}),
    Row("PATCH", "contribution-detail", "401 200 403 403 403 403", args=W,
        data=lambda w: {"title": "Renamed"}),
    Row("PATCH", "contribution-detail", "401 400 403 403 403 403",
        args={"contribution_id": "tombstone"}, data=lambda w: {"title": "Back from the dead"}),
    Row("DELETE", "contribution-detail", "401 204 403 403 403 403", args=W),
    # The bass is credited in the proposals, which keep it (as a tombstone once deleted).
    Row("DELETE", "contribution-detail", "401 403 204 403 403 403",
        args={"contribution_id": "offered"}),
    Row("GET", "lineage", "200 200 200 200 200 200", args=W),
    Row("GET", "lineage-svg", " ".join([str(SVG)] * 6), args=W),
    Row("GET", "credits", "200 200 200 200 200 200", args=W),
    Row("GET", "original", "200 200 200 200 200 200", args=W),
    Row("PUT", "original", "401 200 403 403 403 403", args=W, multipart=True,
        data=lambda w: {"file": png_upload("new.png")}),
    Row("GET", "lineage-export", "200 200 200 200 200 200", args=W),
    Row("GET", "rendition", "200 200 200 200 200 200",
        args={"contribution_id": "work", "name": "rendition"}),
    # community: comments for anyone signed in; moderation by the work's author or staff.
    # The credit guard: a work's matches for its author, the producers of a project that took
    # it in, and staff; claims for the earlier work's author, answered by the remixer.
    Row("GET", "contribution-matches", "401 200 403 403 403 200", args=W),
    Row("GET", "contribution-matches", "401 403 200 200 200 200", args={"contribution_id": "offered"}),
    Row("GET", "contribution-matches", "401 403 200 403 403 200", args={"contribution_id": "quoting"}),
    Row("POST", "contribution-claims", "401 201 403 403 403 403",
        args={"contribution_id": "unclaimed_quoting"},
        data=lambda w: {"earlier": w.ids["unclaimed_poem"], "message": "That is my poem."}),
    Row("GET", "claim-list", "401 200 200 200 200 200"),
    Row("GET", "claim-detail", "401 200 200 404 404 200", args={"claim_id": "claim"}),
    Row("POST", "claim-accept", "401 403 200 404 404 403", args={"claim_id": "claim"}),
    Row("POST", "claim-decline", "401 403 200 404 404 403", args={"claim_id": "claim"},
        data=lambda w: {"reason": "I wrote it before her."}),
    Row("POST", "claim-decide", "401 403 403 404 404 200", args={"claim_id": "claim"},
        data=lambda w: {"accept": True, "reason": ""}),
    Row("POST", "claim-withdraw", "401 200 403 404 404 403", args={"claim_id": "claim"}),
    Row("GET", "contribution-comments", "200 200 200 200 200 200", args=W),
    Row("POST", "contribution-comments", "401 201 201 201 201 201", args=W,
        data=lambda w: {"body": "Nice."}),
    Row("POST", "contribution-take-down", "401 403 403 403 403 201", args=W,
        data=lambda w: {"reason": "A court order."}),
    Row("GET", "project-comments", "200 200 200 200 200 200", args=P),
    Row("GET", "project-comments", "404 404 404 200 200 200", args=D),
    Row("POST", "project-comments", "401 201 201 201 201 201", args=P,
        data=lambda w: {"body": "Count me in."}),
    Row("POST", "project-comments", "401 404 404 201 201 201", args=D,
        data=lambda w: {"body": "Peeking."}),
    Row("DELETE", "comment", "401 403 204 403 403 403", args={"comment_id": "comment"}),
    Row("DELETE", "comment", "401 404 404 204 403 403", args={"comment_id": "draft_comment"}),
    Row("POST", "comment-hide", "401 200 403 403 403 200", args={"comment_id": "comment"}),
    Row("POST", "comment-hide", "401 404 404 200 200 200", args={"comment_id": "draft_comment"}),
    Row("POST", "comment-unhide", "401 200 403 403 403 200", args={"comment_id": "hidden"}),
    Row("GET", "follows", "401 200 200 200 200 200"),
    Row("POST", "follows", "401 201 201 201 201 201", data=lambda w: {"project": w.ids["project"]}),
    Row("POST", "follows", "401 400 400 201 201 201", data=lambda w: {"project": w.ids["draft"]}),
    Row("DELETE", "follow", "401 404 204 404 404 404", args={"follow_id": "follow"}),
    Row("GET", "reports", "401 403 403 403 403 200"),
    Row("POST", "reports", "401 400 400 201 201 201",
        data=lambda w: {"contribution": w.ids["work"], "kind": "abuse", "text": "Not theirs."}),
    Row("POST", "report-dismiss", "401 403 403 403 403 200", args={"report_id": "report"}),
    Row("POST", "report-take-down", "401 403 403 403 403 201", args={"report_id": "report"},
        data=lambda w: {"reason": "Copied."}),
    # notifications: one's own.
    Row("GET", "notification-list", "401 200 200 200 200 200"),
    Row("POST", "notification-read", "401 200 200 200 200 200",
        data=lambda w: {"ids": [w.ids["notification"]]}),
    Row("GET", "notification-preferences", "401 200 200 200 200 200"),
    Row("PUT", "notification-preferences", "401 200 200 200 200 200",
        data=lambda w: {"mention": "off"}),
    # projects: drafts exist only for their members (and staff); producers run them.
    Row("GET", "project-list", "200 200 200 200 200 200"),
    Row("POST", "project-list", "401 201 201 201 201 201", data=lambda w: {"title": "Mine"}),
    Row("GET", "project-detail", "200 200 200 200 200 200", args=P),
    Row("GET", "project-detail", "404 404 404 200 200 200", args=D),
    Row("PATCH", "project-detail", "401 403 403 200 200 403", args=P,
        data=lambda w: {"brief": "Hijacked"}),
    Row("PATCH", "project-detail", "401 404 404 200 200 403", args=D,
        data=lambda w: {"brief": "Hijacked"}),
    Row("GET", "project-cover", "200 200 200 200 200 200", args=P),
    Row("PUT", "project-cover", "401 403 403 200 200 403", args=P, multipart=True,
        data=lambda w: {"file": png_upload("cover.png")}),
    Row("POST", "project-open", "401 404 404 200 200 403", args=D),
    Row("POST", "project-archive", "401 403 403 200 200 403", args=R),
    Row("GET", "project-members", "200 200 200 200 200 200", args=P),
    Row("GET", "project-members", "404 404 404 200 200 200", args=D),
    Row("POST", "project-members", "401 403 403 201 201 403", args=P,
        data=lambda w: {"username": "bo"}),
    Row("POST", "project-member-accept", "401 403 403 200 200 403", args=P),
    Row("DELETE", "project-member", "401 403 403 204 204 403",
        args={"project_id": "project", "user_id": "coproducer_user"}),
    Row("GET", "project-asks", "200 200 200 200 200 200", args=P),
    Row("GET", "project-asks", "404 404 404 200 200 200", args=D),
    Row("POST", "project-asks", "401 403 403 201 201 403", args=P,
        data=lambda w: {"kind": "audio", "description": "Drums"}),
    Row("PATCH", "project-ask", "401 403 403 200 200 403",
        args={"project_id": "project", "ask_id": "ask"}, data=lambda w: {"quantity": 2}),
    Row("GET", "project-submissions", "200 200 200 200 200 200", args=P),
    Row("GET", "project-submissions", "404 404 404 200 200 200", args=D),
    Row("POST", "project-submissions", "401 201 403 403 403 403", args=P,
        data=lambda w: {"contribution": w.ids["spare"]}),
    Row("POST", "project-resources", "401 403 403 201 201 403", args=P,
        data=lambda w: {"contribution": w.ids["spare"]}),
    Row("POST", "submission-accept", "401 403 404 200 200 403",
        args={"project_id": "project", "submission_id": "submission"}),
    Row("POST", "submission-decline", "401 403 404 200 200 403",
        args={"project_id": "project", "submission_id": "submission"}),
    Row("POST", "submission-withdraw", "401 200 404 403 403 403",
        args={"project_id": "project", "submission_id": "submission"}),
    Row("GET", "project-release", "200 200 200 200 200 200", args=R),
    Row("POST", "project-release", "401 403 403 201 201 403", args=P, data=credits),
    Row("GET", "project-split", "200 200 200 200 200 200", args=R),
    Row("POST", "project-split-preview", "401 403 403 200 200 200", args=P, data=credits),
    # revenue: the producers record it; they, staff and the people credited (the author) read it.
    Row("GET", "project-revenue", "403 200 403 200 200 200", args=R),
    Row("POST", "project-revenue", "401 403 403 201 201 403", args=R,
        data=lambda w: {"amount": "5.00", "currency": "USD"}, headers={"Idempotency-Key": "m-1"}),
    Row("POST", "project-revenue", "401 403 403 201 201 403", args=R,
        data=lambda w: {"amount": "5.00", "currency": "USD", "stream": "sync"},
        headers={"Idempotency-Key": "m-2"}),
    Row("GET", "project-split", "200 200 200 200 200 200", args=R, query="?stream=sync"),
    # streams decide a split, which is public; producers add them.
    Row("GET", "project-streams", "200 200 200 200 200 200", args=R),
    Row("GET", "project-streams", "404 404 404 200 200 200", args=D),
    Row("POST", "project-streams", "401 403 403 201 201 403", args=R,
        data=lambda w: {"name": "publishing", "contributor_pool": "1/2"}),
    Row("POST", "project-streams", "401 404 404 201 201 403", args=D,
        data=lambda w: {"name": "budget"}),
    # production costs: the producers record them; they, staff and the people credited in the
    # release (the author) read them and their receipts; the receipt also goes to whoever bore
    # the cost (here a producer; see the test below for a former one). Everyone sees a released
    # project's totals.
    Row("GET", "project-costs", "403 200 403 200 200 200", args=R),
    Row("GET", "project-costs", "404 404 404 200 200 200", args=D),
    Row("POST", "project-costs", "401 403 403 201 201 403", args=R, multipart=True,
        data=lambda w: {"amount": "12.50", "currency": "USD", "note": "Taxi to the studio",
                        "receipt": receipt()}),
    # After the release a cost without its receipt is refused.
    Row("POST", "project-costs", "401 403 403 400 400 403", args=R,
        data=lambda w: {"amount": "3.00", "currency": "USD", "note": "Strings",
                        "borne_by": w.ids["coproducer_user"]}),
    Row("POST", "project-costs", "401 403 403 201 201 403", args=R, multipart=True,
        data=lambda w: {"amount": "3.00", "currency": "USD", "note": "Strings",
                        "borne_by": w.ids["coproducer_user"], "receipt": receipt("s.pdf")}),
    Row("POST", "project-costs", "401 404 404 201 201 403", args=D,
        data=lambda w: {"amount": "3.00", "currency": "USD", "note": "Snacks"}),
    Row("GET", "project-cost-summary", "200 200 200 200 200 200", args=R),
    Row("GET", "project-cost-summary", "404 404 404 200 200 200", args=P),
    Row("GET", "project-cost-summary", "404 404 404 200 200 200", args=D),
    # The world's cost was recorded after the release by the producer, who bore it: only the
    # co-producer may agree to it.
    Row("POST", "project-cost-approve", "401 403 403 403 200 403",
        args={"project_id": "released", "cost_id": "cost"}),
    Row("POST", "project-cost-approve", "401 403 403 404 404 404",
        args={"project_id": "project", "cost_id": "cost"}),
    Row("POST", "project-cost-withdraw", "401 403 403 200 200 403",
        args={"project_id": "released", "cost_id": "cost"},
        data=lambda w: {"reason": "Recorded twice"}),
    Row("POST", "project-cost-withdraw", "401 403 403 404 404 404",
        args={"project_id": "project", "cost_id": "cost"},
        data=lambda w: {"reason": "Recorded twice"}),
    Row("GET", "project-cost-receipt", "404 200 404 200 200 200",
        args={"project_id": "released", "cost_id": "cost"}),
    Row("GET", "project-cost-receipt", "404 404 404 404 404 404",
        args={"project_id": "project", "cost_id": "cost"}),
    # payouts: one's own statements; staff build, issue and pay them.
    Row("GET", "payouts-me", "401 200 200 200 200 200"),
    Row("GET", "statement-list", "401 200 200 200 200 200"),
    Row("POST", "statement-issue-month", "401 403 403 403 403 202",
        data=lambda w: {"period": f"{timezone.now():%Y-%m}"}),
    Row("POST", "statement-build", "401 403 403 403 403 202",
        data=lambda w: {"period": "2024-02"}),
    Row("GET", "statement", "401 200 404 404 404 200", args={"statement_id": "statement"}),
    Row("GET", "statement", "401 200 404 404 404 200", args={"statement_id": "statement"},
        query="?format=csv"),
    Row("POST", "statement-issue", "401 404 404 403 404 200",
        args={"statement_id": "open_statement"}),
    Row("POST", "statement-pay", "401 403 404 404 404 200", args={"statement_id": "statement"}),
    Row("GET", "statement-runs", "401 403 403 403 403 200"),
    Row("GET", "statement-run", "401 403 403 403 403 200", args={"run_id": "run"}),
    # the world's run has not failed: staff are told only a failed one is tried again.
    Row("POST", "statement-run-retry", "401 403 403 403 403 400", args={"run_id": "run"}),
    # payout batches for the payment facilitator: staff only. (The author's issued statement
    # is the one a new batch gathers; Dee's is in the world's batch.)
    Row("GET", "payout-batches", "401 403 403 403 403 200"),
    Row("POST", "payout-batches", "401 403 403 403 403 201"),
    Row("GET", "payout-file", "401 403 403 403 403 200", args={"batch_id": "batch"}),
    Row("POST", "payout-results", "401 403 403 403 403 200", args={"batch_id": "batch"},
        multipart=True, data=results),
    # A batched statement is paid by the facilitator's result file, never by hand.
    Row("POST", "statement-pay", "401 404 404 404 404 400",
        args={"statement_id": "dee_statement"}),
    # payment proposals: read by whoever sees the project (a withdrawn one by its producers
    # and staff), published, revised, released and withdrawn by producers, accepted by the
    # people in it (the other artist, for the bass), discussed by anyone signed in.
    Row("GET", "project-proposals", "200 200 200 200 200 200", args=P),
    Row("GET", "project-proposals", "404 404 404 200 200 200", args=D),
    Row("POST", "project-proposals", "401 403 403 201 201 403", args={"project_id": "quiet"},
        data=lambda w: {**credits(w), "note": "A first go."}),
    Row("POST", "project-proposals", "401 403 403 400 400 403", args=P, data=credits),
    Row("POST", "project-proposals", "401 404 404 400 400 403", args=D, data=credits),
    Row("GET", "proposal", "200 200 200 200 200 200", args=PROPOSAL),
    Row("GET", "proposal", "404 404 404 200 200 200", args=WITHDRAWN),
    Row("GET", "proposal-revisions", "200 200 200 200 200 200", args=PROPOSAL),
    Row("GET", "proposal-revisions", "404 404 404 200 200 200", args=WITHDRAWN),
    Row("POST", "proposal-revisions", "401 403 403 201 201 403", args=PROPOSAL, data=credits),
    Row("POST", "proposal-revisions", "401 404 404 400 400 403", args=WITHDRAWN, data=credits),
    Row("GET", "proposal-revision", "200 200 200 200 200 200",
        args={"proposal_id": "proposal", "number": "first_revision"}),
    Row("GET", "proposal-revision", "404 404 404 200 200 200",
        args={"proposal_id": "withdrawn_proposal", "number": "first_revision"}),
    Row("GET", "proposal-diff", "200 200 200 200 200 200", args=PROPOSAL),
    Row("GET", "proposal-diff", "404 404 404 400 400 400", args=WITHDRAWN),  # one revision
    Row("GET", "proposal-comments", "200 200 200 200 200 200", args=PROPOSAL),
    Row("GET", "proposal-comments", "404 404 404 200 200 200", args=WITHDRAWN),
    Row("POST", "proposal-comments", "401 201 201 201 201 201", args=PROPOSAL,
        data=lambda w: {"body": "Fair to me.", "parent": w.ids["proposal_comment"]}),
    Row("POST", "proposal-comments", "401 404 404 400 400 400", args=WITHDRAWN,
        data=lambda w: {"body": "Too late?"}),
    Row("POST", "proposal-accept", "401 403 200 403 403 403", args=PROPOSAL),
    Row("POST", "proposal-accept", "401 404 404 400 400 400", args=WITHDRAWN),
    Row("POST", "proposal-release", "401 403 403 201 201 403", args=PROPOSAL),
    Row("POST", "proposal-withdraw", "401 403 403 200 200 403", args=PROPOSAL),
    Row("POST", "proposal-withdraw", "401 404 404 400 400 403", args=WITHDRAWN),
]  # fmt: skip

CASES = [pytest.param(row, actor, id=f"{row.id} as {actor}") for row in ROWS for actor in ACTORS]


@pytest.mark.parametrize(("row", "actor"), CASES)
def test_each_actor_gets_exactly_its_answer(row, actor, in_world, api_as, snapshot):
    client = api_as(actor)
    data = row.data(in_world) if row.data else None
    headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in row.headers.items()}
    before = snapshot() if row.method != "GET" else None

    response = getattr(client, row.method.lower())(
        row.url(in_world), data, format="multipart" if row.multipart else "json", **headers
    )

    assert response.status_code == row.expected(actor), response.content[:300]
    if response.status_code >= 400 and response.status_code != 503:
        # A refusal says why, reveals nothing of the object, and changes nothing at all.
        body = response.json()
        assert body.get("detail") or any(body.values()), body
        if response.status_code == 404:
            assert "Secret draft" not in response.content.decode()
        if before is not None:
            after = snapshot()
            assert after.changed_tables(before) == []
            assert after.files == before.files


# --- what each actor sees in the answers it is allowed ---------------------------------------


def _ids(response) -> set[int]:
    assert response.status_code == 200
    return {item["id"] for item in response.json()["results"]}


@pytest.mark.parametrize(
    ("url", "key", "seen_by"),
    [
        ("/api/projects/", "draft", {"producer", "coproducer", "staff"}),
        ("/api/projects/?mine=true", "draft", {"producer", "coproducer"}),
        ("/api/projects/{project}/submissions/", "submission",
         {"author", "producer", "coproducer", "staff"}),
        ("/api/payouts/statements/", "statement", {"author", "staff"}),
        ("/api/payouts/statements/", "open_statement", {"producer", "staff"}),
        ("/api/notifications/", "notification", {"author"}),
        ("/api/follows/", "follow", {"other"}),
        ("/api/reports/", "report", {"staff"}),
        ("/api/projects/{project}/proposals/", "proposal", set(ACTORS)),
        ("/api/projects/{project}/proposals/", "withdrawn_proposal",
         {"producer", "coproducer", "staff"}),
        ("/api/projects/{released}/costs/", "cost",
         {"author", "producer", "coproducer", "staff"}),
        ("/api/payouts/batches/", "batch", {"staff"}),
        ("/api/claims/", "claim", {"author", "other", "staff"}),
    ],
)  # fmt: skip
def test_lists_hold_only_what_the_actor_may_see(url, key, seen_by, in_world, api_as):
    for actor in ACTORS:
        response = api_as(actor).get(url.format(**in_world.ids))
        if response.status_code in (401, 403):
            assert actor not in seen_by
            continue
        assert (in_world.ids[key] in _ids(response)) == (actor in seen_by), actor


def test_a_hidden_comment_is_readable_only_by_its_moderators(in_world, api_as):
    url = f"/api/contributions/{in_world.ids['work']}/comments/"
    for actor in ACTORS:
        [hidden] = [c for c in api_as(actor).get(url).json()["results"] if c["hidden"]]
        revealed = hidden["body"] == "Buy cheap followers!"
        assert revealed == (actor in {"author", "staff"}), actor
        assert hidden["hidden_by"] == "the author"


def test_payout_lines_are_ones_own(in_world, api_as):
    for actor in ACTORS[1:]:
        body = api_as(actor).get("/api/payouts/me/").json()
        titles = {line["contribution_title"] for line in body["lines"]}
        assert (AUTHOR_SECRET_TITLE in titles) == (actor == "author"), actor
        assert bool(body["balances"]) == (actor in {"author", "producer"}), actor


def test_only_the_author_and_staff_download_the_original_with_its_metadata(in_world, api_as):
    url = f"/api/contributions/{in_world.ids['work']}/original"
    for actor in ACTORS:
        response = api_as(actor).get(url)
        got = b"".join(response.streaming_content)
        assert got.startswith(b"\x89PNG")
        assert (PRIVATE_METADATA.encode() in got) == (actor in {"author", "staff"}), actor
        assert response["Content-Disposition"].startswith("attachment")


def test_a_receipt_is_a_download_for_whoever_bore_the_cost_even_after_leaving(in_world, api_as):
    from accounts.models import User
    from projects.models import Project
    from projects.services import member_remove
    from royalties.services import production_cost_record

    released = Project.objects.get(pk=in_world.ids["released"])
    cop = User.objects.get(pk=in_world.ids["coproducer_user"])
    cost = production_cost_record(
        project=released, actor=released.owner, amount="7.00", currency=released.currency,
        note="Cello strings", borne_by=cop,
        receipt=SimpleUploadedFile("strings.pdf", RECEIPT_PDF, content_type="application/pdf"),
    )  # fmt: skip
    member_remove(project=released, actor=released.owner, user_id=cop.id)
    url = f"/api/projects/{released.id}/costs/{cost.id}/receipt"

    for actor in ACTORS:
        response = api_as(actor).get(url)
        may = actor in {"author", "producer", "coproducer", "staff"}
        assert response.status_code == (200 if may else 404), actor
        if may:
            assert b"".join(response.streaming_content) == RECEIPT_PDF
            assert response["Content-Disposition"].startswith("attachment")
            assert response["X-Content-Type-Options"] == "nosniff"
    # No longer a producer, the bearer reads the receipt but not the project's books.
    assert api_as("coproducer").get(f"/api/projects/{released.id}/costs/").status_code == 403


def test_the_payout_file_holds_the_batch_and_only_staff_get_it(in_world, api_as):
    url = f"/api/payouts/batches/{in_world.ids['batch']}/file.csv"

    response = api_as("staff").get(url)

    assert response["Content-Type"].startswith("text/csv")
    header, *rows = response.content.decode().splitlines()
    assert header == "payee_email,amount,currency,reference"
    assert rows == [f"dee@example.org,25.00,USD,hitrec-{in_world.ids['dee_statement']}"]
    for actor in ("author", "other", "producer", "coproducer"):
        assert b"dee@example.org" not in api_as(actor).get(url).content


def test_marking_someone_elses_notification_read_marks_nothing(in_world, api_as):
    from notifications.models import Notification

    notification_id = in_world.ids["notification"]
    for actor in ("other", "producer", "coproducer", "staff"):
        response = api_as(actor).post(
            "/api/notifications/read/", {"ids": [notification_id]}, format="json"
        )
        assert response.json()["marked"] == 0
    assert Notification.objects.get(pk=notification_id).read_at is None


def test_the_contribution_filter_by_project_does_not_open_a_draft(in_world, api_as):
    from contributions.models import Contribution
    from projects.models import Project
    from projects.services import resource_add

    draft = Project.objects.get(pk=in_world.ids["draft"])
    resource_add(
        project=draft,
        actor=draft.owner,
        contribution=Contribution.objects.get(pk=in_world.ids["offered"]),
    )
    for actor in ACTORS:
        found = _ids(api_as(actor).get(f"/api/contributions/?project={draft.id}"))
        assert (in_world.ids["offered"] in found) == (actor in {"producer", "coproducer", "staff"})


def test_search_finds_only_public_things_whoever_asks(in_world, api_as):
    """A draft is its team's business and a tombstone is gone from view, even for their
    owners: search answers everyone alike (it is read from the public documents)."""
    for actor in ACTORS:
        for q in ("secret draft", "old idea", "sketch"):
            body = api_as(actor).get("/api/search/", {"q": q}).json()
            titles = {item["title"] for item in body["contributions"]["results"]}
            titles |= {item["title"] for item in body["projects"]["results"]}
            assert titles & {"Secret draft", "Old idea"} == set(), (actor, q)
        people = api_as(actor).get("/api/search/", {"q": "example.org", "section": "artists"})
        assert people.json()["artists"]["results"] == [], actor  # addresses are not searched
        assert b"@example.org" not in api_as(actor).get("/api/search/", {"q": "ana"}).content


# --- every API route has its rows --------------------------------------------------------


def _api_routes() -> set[tuple[str, str]]:
    api = next(p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "api")
    routes: set[tuple[str, str]] = set()

    def walk(patterns) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
                continue
            view = pattern.callback.view_class
            for method in view.http_method_names:
                if method not in ("head", "options") and hasattr(view, method):
                    routes.add((method.upper(), pattern.name))

    walk(api.url_patterns)
    return routes


# Routes whose rows are still to be written, listed by name so the gap stays visible (none
# now); a route neither here nor in ROWS fails the test.
PENDING: set[tuple[str, str]] = set()


def test_every_api_route_and_method_has_a_row():
    covered = {(row.method, row.name) for row in ROWS}
    routes = _api_routes()

    assert routes - covered - PENDING == set(), "add rows for these routes to ROWS"
    assert covered - routes == set(), "these rows name routes that no longer exist"
    assert PENDING - routes == set(), "these pending routes are gone: drop them from PENDING"


def test_staff_by_token_or_without_a_second_factor_get_no_more_than_anyone(in_world, snapshot):
    """A staff member's API token, or their session signed in with a password alone, acts as
    an ordinary person (accounts/two_factor.py): every staff-only route answers them as it
    answers someone who is not staff, and nothing changes."""
    from django.test import Client
    from rest_framework.test import APIClient

    from accounts.services import api_token_create

    staff = in_world.user("staff")
    _token, key = api_token_create(user=staff, name="staff script")
    by_token = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    by_password = Client()
    by_password.force_login(staff)
    people = ("author", "other", "producer", "coproducer")
    staff_only = [
        row for row in ROWS
        if all(row.expected("staff") != row.expected(person) for person in people)
    ]  # fmt: skip
    assert staff_only, "the matrix has staff-only routes"
    for client in (by_token, by_password):
        for row in staff_only:
            before = snapshot()
            data = row.data(in_world) if row.data else None
            if isinstance(client, APIClient):
                options = {"format": "multipart" if row.multipart else "json"}
            else:
                options = {}  # a browser's form post; the body hardly matters to a refusal
            response = getattr(client, row.method.lower())(row.url(in_world), data, **options)
            assert response.status_code >= 400, (row.name, response.status_code)
            # A token's use is noted on it; nothing else may change.
            changed = set(snapshot().changed_tables(before)) - {"accounts.ApiToken"}
            assert changed == set(), row.name
