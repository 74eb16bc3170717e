"""Who may open each page and press each button, signed in with a session like a browser.

Pages refuse in their own ways: the login page for the anonymous, 404 for a draft outside
its team, 403 for the producer's desk, and, for an action the person may not take, a
redirect back with a message saying why. So each answer is a status plus what happened to
the database: `saved` (something changed), `refused` (nothing changed, an error message
queued), `same` (nothing changed and nothing needed saying), `form` (the form shown again
with its errors, nothing changed), `login` (sent to log in, nothing changed).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib.messages import constants, get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from notifications.services import unsubscribe_token
from tests.accounts.factories import DEFAULT_PASSWORD
from tests.security.conftest import ACTORS, AUTHOR_SECRET_TITLE, World

# The page namespaces this file answers for (other apps' pages have their own tests).
NAMESPACES = ("web", "community", "notifications", "accounts", "claims")


@dataclass(frozen=True)
class PageRow:
    method: str
    name: str  # namespace:name
    # Answers in ACTORS order: anonymous author other producer coproducer staff.
    answers: str
    args: Callable[[World], dict] = field(default=lambda w: {})
    data: Callable[[World], dict] | None = None

    def expected(self, actor: str) -> str:
        answers = self.answers.split()
        assert len(answers) == len(ACTORS), f"{self.name}: one answer per actor"
        return answers[ACTORS.index(actor)]


def ids(**keys: str) -> Callable[[World], dict]:
    return lambda w: {arg: w.ids[key] for arg, key in keys.items()}


def fixed(**values) -> Callable[[World], dict]:
    return lambda w: values


W, P, D, R = (
    ids(contribution_id="work"),
    ids(project_id="project"),
    ids(project_id="draft"),
    ids(project_id="released"),
)


def receipt(w: World) -> dict:
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    return {"amount": "12.00", "note": "Strings", "receipt": SimpleUploadedFile("r.pdf", pdf)}


def paid_results(w: World) -> dict:
    rows = f"reference,status\nhitrec-{w.ids['dee_statement']},paid\n"
    return {"file": SimpleUploadedFile("results.csv", rows.encode())}


def all_kinds(delivery: str) -> Callable[[World], dict]:
    from notifications.models import Kind

    return lambda w: {kind.value: delivery for kind in Kind}


ROWS = [
    # ------------------------------------------------ anon   author  other   prod   coprod staff
    PageRow("GET", "web:home", "200 200 200 200 200 200"),
    PageRow("GET", "web:signup", "200 200 200 200 200 200"),
    PageRow("GET", "web:login", "200 200 200 200 200 200"),
    PageRow("POST", "web:logout", "same same same same same same"),
    PageRow("GET", "web:artist", "200 200 200 200 200 200", args=fixed(username="ana")),
    PageRow("GET", "web:browse", "200 200 200 200 200 200"),
    PageRow("GET", "web:search", "200 200 200 200 200 200"),
    PageRow("GET", "web:tag", "200 200 200 200 200 200", args=fixed(tag="lo-fi")),
    PageRow("GET", "web:upload", "login 200 200 200 200 200"),
    PageRow("POST", "web:upload", "login saved saved saved saved saved",
            data=lambda w: {"title": "Page verse", "license": "hitrec", "text": "Words."}),
    PageRow("GET", "web:contribution", "200 200 200 200 200 200", args=W),
    PageRow("GET", "web:contribution", "200 200 200 200 200 200",
            args=ids(contribution_id="tombstone")),
    PageRow("GET", "web:projects", "200 200 200 200 200 200"),
    PageRow("GET", "web:project-new", "login 200 200 200 200 200"),
    PageRow("POST", "web:project-new", "login saved saved saved saved saved",
            data=fixed(title="Mine", currency="USD", contributor_pool="0.5",
                       upstream_share="0.25")),
    PageRow("GET", "web:project", "200 200 200 200 200 200", args=P),
    PageRow("GET", "web:project", "404 404 404 200 200 200", args=D),
    PageRow("GET", "web:project", "200 200 200 200 200 200", args=R),
    PageRow("POST", "web:contribution-source-add", "login saved refused refused refused refused",
            args=ids(contribution_id="spare"), data=lambda w: {"source": w.ids["work"]}),
    PageRow("POST", "web:project-submit", "login saved refused refused refused refused", args=P,
            data=lambda w: {"contribution": w.ids["spare"]}),
    PageRow("POST", "web:project-submit", "login 404 404 refused refused refused", args=D,
            data=lambda w: {"contribution": w.ids["spare"]}),
    PageRow("POST", "web:project-open", "login 404 404 saved saved refused", args=D),
    PageRow("POST", "web:project-revenue", "login refused refused saved saved refused", args=R,
            data=fixed(amount="5.00", note="streams", idempotency_key="page-1")),
    PageRow("GET", "web:desk", "login 403 403 200 200 403", args=P),
    PageRow("GET", "web:desk", "login 404 404 200 200 403", args=D),
    PageRow("POST", "web:desk-ask", "login refused refused saved saved refused", args=P,
            data=fixed(kind="audio", description="Drums", quantity="1")),
    PageRow("POST", "web:desk-decide", "login refused refused saved saved refused",
            args=lambda w: {"project_id": w.ids["project"],
                            "submission_id": w.ids["submission"], "decision": "accept"}),
    PageRow("POST", "web:desk-decide", "login 404 404 404 404 404",
            args=lambda w: {"project_id": w.ids["released"],
                            "submission_id": w.ids["submission"], "decision": "decline"}),
    PageRow("POST", "web:desk-release", "login refused refused saved saved refused", args=P,
            data=lambda w: {f"weight-{w.ids['offered']}": "1", "confirm": "yes"}),
    PageRow("GET", "web:desk", "login 403 403 200 200 403", args=R),
    PageRow("POST", "web:desk-cost", "login refused refused saved saved refused", args=R,
            data=receipt),
    PageRow("POST", "web:desk-cost", "login 404 404 saved saved refused", args=D,
            data=fixed(amount="3.00", note="Snacks")),
    # Recorded by the producer, who bore it: only the co-producer may agree to it.
    PageRow("POST", "web:desk-cost-approve", "login refused refused refused saved refused",
            args=ids(project_id="released", cost_id="cost")),
    PageRow("POST", "web:desk-cost-approve", "login 404 404 404 404 404",
            args=ids(project_id="project", cost_id="cost")),
    PageRow("POST", "web:desk-cost-withdraw", "login refused refused saved saved refused",
            args=ids(project_id="released", cost_id="cost"), data=fixed(reason="Recorded twice")),
    PageRow("POST", "web:desk-cost-withdraw", "login 404 404 404 404 404",
            args=ids(project_id="project", cost_id="cost"), data=fixed(reason="Recorded twice")),
    PageRow("POST", "web:desk-stream", "login refused refused saved saved refused", args=R,
            data=fixed(name="publishing")),
    PageRow("POST", "web:project-revenue", "login refused refused saved saved refused", args=R,
            data=fixed(amount="5.00", stream="sync", idempotency_key="page-2")),
    PageRow("GET", "web:dashboard", "login 200 200 200 200 200"),
    PageRow("GET", "web:hitrec-license", "200 200 200 200 200 200"),
    PageRow("GET", "web:staff-payouts", "login 403 403 403 403 200"),
    PageRow("GET", "web:staff-audit", "login 403 403 403 403 200"),
    PageRow("POST", "web:staff-payout-batch-create", "login 403 403 403 403 saved"),
    PageRow("POST", "web:staff-statement-issue", "login 403 403 403 403 saved",
            data=lambda w: {"period": f"{timezone.now():%Y-%m}"}),
    PageRow("POST", "web:staff-statement-run-retry", "login 403 403 403 403 refused",
            args=ids(run_id="run")),
    PageRow("POST", "web:staff-statement-run", "login 403 403 403 403 saved",
            data=fixed(period="2024-03")),
    PageRow("POST", "web:staff-payout-results", "login 403 403 403 403 saved",
            args=ids(batch_id="batch"), data=paid_results),
    # community
    PageRow("POST", "community:contribution-comment", "login saved saved saved saved saved",
            args=W, data=fixed(body="Nice.")),
    PageRow("GET", "community:contribution-report", "login 200 200 200 200 200", args=W),
    PageRow("POST", "community:contribution-report", "login form form saved saved saved",
            args=W, data=fixed(kind="abuse", text="Not theirs.")),
    PageRow("POST", "community:project-comment", "login 404 404 saved saved saved", args=D,
            data=fixed(body="Peeking.")),
    PageRow("POST", "community:comment-hide", "login saved refused refused refused saved",
            args=ids(comment_id="comment")),
    PageRow("POST", "community:comment-hide", "login 404 404 saved saved saved",
            args=ids(comment_id="draft_comment")),
    PageRow("POST", "community:comment-unhide", "login saved refused refused refused saved",
            args=ids(comment_id="hidden")),
    PageRow("POST", "community:comment-delete", "login refused saved refused refused refused",
            args=ids(comment_id="comment")),
    PageRow("POST", "community:comment-delete", "login 404 404 saved refused refused",
            args=ids(comment_id="draft_comment")),
    PageRow("POST", "community:artist-follow", "login refused same saved saved saved",
            args=fixed(username="ana")),
    PageRow("POST", "community:artist-unfollow", "login same saved same same same",
            args=fixed(username="ana")),
    PageRow("POST", "community:project-follow", "login 404 404 saved saved saved", args=D),
    PageRow("POST", "community:project-unfollow", "login 404 404 same same same", args=D),
    # claims: the claimant (the author, whose poem Bo's text quotes), the remixer (the other
    # artist) and staff; for anyone else a claim does not exist.
    PageRow("GET", "claims:list", "login 200 200 200 200 200"),
    PageRow("GET", "claims:claim", "login 200 200 404 404 200", args=ids(claim_id="claim")),
    PageRow("POST", "claims:accept", "login refused saved 404 404 refused",
            args=ids(claim_id="claim")),
    PageRow("POST", "claims:decline", "login refused saved 404 404 refused",
            args=ids(claim_id="claim"), data=fixed(reason="I wrote it before her.")),
    PageRow("POST", "claims:decide", "login refused refused 404 404 saved",
            args=ids(claim_id="claim"), data=fixed(accept="yes", reason="")),
    PageRow("POST", "claims:withdraw", "login saved refused 404 404 refused",
            args=ids(claim_id="claim")),
    PageRow("POST", "claims:create", "login saved refused refused refused refused",
            args=ids(contribution_id="unclaimed_quoting"),
            data=lambda w: {"earlier": w.ids["unclaimed_poem"], "message": "That is my poem."}),
    # notifications
    PageRow("GET", "notifications:list", "login 200 200 200 200 200"),
    PageRow("POST", "notifications:read", "login saved same same same same",
            data=lambda w: {"id": w.ids["notification"]}),
    PageRow("GET", "notifications:unsubscribe", "200* 200* 200* 200* 200* 200*",
            args=lambda w: {"token": unsubscribe_token(user_id=w.ids["author_user"],
                                                       kind="released")}),
    PageRow("GET", "notifications:unsubscribe", "400 400 400 400 400 400",
            args=fixed(token="forged:token")),
    PageRow("GET", "notifications:settings", "login 200 200 200 200 200"),
    PageRow("POST", "notifications:settings", "login saved saved saved saved saved",
            data=all_kinds("off")),
    # accounts
    PageRow("GET", "accounts:settings", "login 200 200 200 200 200"),
    PageRow("POST", "accounts:export", "login saved saved saved saved saved"),
    PageRow("GET", "accounts:password-reset", "200 200 200 200 200 200"),
    PageRow("POST", "accounts:email", "login saved saved saved saved saved",
            data=fixed(email="moved@example.org", password=DEFAULT_PASSWORD)),
    PageRow("POST", "accounts:email-verification", "login refused refused refused refused refused",
            data=fixed(field="email")),
    PageRow("GET", "accounts:address-verify", "200 200 200 200 200 200",
            args=fixed(token="forged")),
    PageRow("POST", "accounts:address-verify", "400 400 400 400 400 400",
            args=fixed(token="forged")),
    PageRow("POST", "accounts:password-reset", "200 200 200 200 200 200",
            data=fixed(email="ana@example.org")),
    PageRow("GET", "accounts:password-reset-confirm", "400 400 400 400 400 400",
            args=fixed(uid="MQ", token="forged")),
    PageRow("POST", "accounts:password", "login saved saved saved saved saved",
            data=fixed(current_password=DEFAULT_PASSWORD,
                       new_password="another-long-phrase-7")),
    PageRow("POST", "accounts:token-create", "login 201* 201* 201* 201* 201*",
            data=fixed(name="script", days="7")),
    PageRow("POST", "accounts:token-revoke", "login saved 404 404 404 404",
            args=ids(token_id="api_token")),
    PageRow("POST", "accounts:skills", "login saved saved saved saved saved",
            data=fixed(skills="cello, double-bass")),
    PageRow("POST", "accounts:language", "login saved saved saved saved saved",
            data=fixed(language="es")),
    # two-factor sign-in (staff's sessions have passed it: their pages need it)
    PageRow("GET", "accounts:two-factor", "login 200 200 200 200 200"),
    PageRow("POST", "accounts:two-factor", "login 200* 200* 200* 200* 200*",
            data=fixed(step="begin")),
    PageRow("POST", "accounts:recovery-codes", "login 403 403 403 403 201*"),
    PageRow("POST", "accounts:two-factor-remove", "login same same same same saved",
            data=fixed(password=DEFAULT_PASSWORD)),
    PageRow("GET", "accounts:second-factor", "login 200 200 200 200 200"),
    PageRow("POST", "accounts:language-choose", "same saved saved saved saved saved",
            data=fixed(language="es", next="/")),
    PageRow("POST", "accounts:delete", "login saved saved saved saved saved",
            data=fixed(password=DEFAULT_PASSWORD)),
    PageRow("POST", "accounts:delete", "login form form form form form",
            data=fixed(password="not-my-password")),
]  # fmt: skip

CASES = [
    pytest.param(row, actor, id=f"{row.method} {row.name}#{n} as {actor}")
    for n, row in enumerate(ROWS)
    for actor in ACTORS
]


def _errors(response) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request) if m.level == constants.ERROR]


@pytest.mark.parametrize(("row", "actor"), CASES)
def test_each_actor_gets_exactly_its_answer(row, actor, in_world, page_as, snapshot):
    client = page_as(actor)
    url = reverse(row.name, kwargs=row.args(in_world))
    data = row.data(in_world) if row.data else {}
    expected = row.expected(actor)
    # Reading a page changes nothing (the one-click unsubscribe link aside, marked with *).
    watched = row.method != "GET" or expected.endswith("*")
    before = snapshot() if watched else None

    response = getattr(client, row.method.lower())(url, data)

    after = snapshot() if watched else None
    changed = watched and (after.changed_tables(before) != [] or after.files != before.files)
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("web:login"))
        assert not changed
    elif expected == "saved":
        assert response.status_code == 302, response.content[:300]
        assert changed, _errors(response)
    elif expected == "refused":
        assert response.status_code == 302
        assert not changed, after.changed_tables(before)
        assert _errors(response), "a refusal says why"
    elif expected == "same":
        assert response.status_code == 302
        assert not changed, after.changed_tables(before)
    elif expected == "form":
        assert response.status_code in (200, 400)
        assert b"errorlist" in response.content or b'class="error' in response.content
        assert not changed
    else:
        assert response.status_code == int(expected.rstrip("*")), response.content[:300]
        assert changed == expected.endswith("*"), after.changed_tables(before)
    if response.status_code == 404:
        assert b"Secret draft" not in response.content


# --- what each person's own pages show -----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "shown_to"),
    [
        ("web:dashboard", AUTHOR_SECRET_TITLE, {"author"}),
        ("notifications:list", "Day Tram", {"author"}),
        # Staff's own claims by default; everyone's only when they ask (?scope=all).
        ("claims:list", "Quoting 71", {"author", "other"}),
        ("accounts:settings", "ready, until", {"author"}),
        ("web:projects", "Secret draft", {"producer", "coproducer", "staff"}),
        ("web:home", "Secret draft", set()),
    ],
)
def test_private_pages_show_only_ones_own(name, text, shown_to, in_world, page_as):
    for actor in ACTORS:
        response = page_as(actor).get(reverse(name))
        if response.status_code == 302:
            assert actor not in shown_to
            continue
        assert (text in response.content.decode()) == (actor in shown_to), actor


def test_the_desk_shows_pending_submissions_to_producers_only(in_world, page_as):
    url = reverse("web:project", args=[in_world.ids["project"]])
    for actor in ACTORS:
        page = page_as(actor).get(url).content.decode()
        # The project page lists accepted work only; a pending submission stays on the desk.
        assert "Sketch" not in page or actor == "author"


# --- every page route has its rows ---------------------------------------------------------


def _page_names() -> set[str]:
    names: set[str] = set()
    for top in get_resolver().url_patterns:
        if isinstance(top, URLResolver) and top.namespace in NAMESPACES:
            names |= {f"{top.namespace}:{p.name}" for p in top.url_patterns if p.name}
    return names


def test_every_page_has_a_row():
    covered = {row.name for row in ROWS}
    assert _page_names() - covered == set(), "add rows for these pages to ROWS"
    assert covered - _page_names() == set(), "these rows name pages that no longer exist"


def test_staff_without_a_second_factor_get_no_more_than_anyone(in_world, snapshot):
    """Signed in with a password alone, a staff member is an ordinary person: every page
    and button only staff may use answers them as it answers someone who is not staff,
    and nothing changes (accounts/two_factor.py)."""
    client = Client()
    client.force_login(in_world.user("staff"))
    people = ("author", "other", "producer", "coproducer")
    # What only staff get: an answer no other signed-in person gets.
    staff_only = [
        row for row in ROWS
        if all(row.expected("staff") != row.expected(person) for person in people)
    ]  # fmt: skip
    assert staff_only, "the matrix has staff-only rows"
    for row in staff_only:
        url = reverse(row.name, kwargs=row.args(in_world))
        before = snapshot()
        response = getattr(client, row.method.lower())(url, row.data(in_world) if row.data else {})
        after = snapshot()
        assert response.status_code != 200 or row.expected("other") == "200", (row.name, url)
        assert after.changed_tables(before) == [] or row.expected("other") == "saved", row.name
