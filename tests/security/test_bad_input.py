"""Bad input to every write endpoint: a 4xx that names the problem, and nothing written.

Each endpoint gets malformed JSON, a body that is not an object, wrong types, a 1 MB string,
a NUL byte, a lone surrogate, unknown and absurd ids, and absurd numbers where it takes
numbers. After each, every table and every file under MEDIA_ROOT is as it was. Run this file
on PostgreSQL too: a NUL byte must be refused before the database sees it.
"""

import copy
import io
import json
import zipfile
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contributions.models import Contribution
from tests.accounts.factories import DEFAULT_PASSWORD
from tests.security.conftest import RECEIPT_PDF, World

HUGE = "x" * 1_000_000
BIG_ID = 2**63  # one past the largest 64-bit id
UNKNOWN_ID = 987_654


@dataclass(frozen=True)
class Endpoint:
    actor: str
    method: str
    url: str  # with {world id keys}
    good: dict  # a body this endpoint would accept
    text: str | None = None  # a text field, as a path into `good` ("credits.0.weight")
    ids: str | None = None  # a field naming another object
    unknown_ok: bool = False  # an unknown id simply matches nothing (not an error)
    headers: dict[str, str] = field(default_factory=dict)


def credits(w: World) -> list:
    return [{"contribution": w.ids["offered"], "weight": "1"}]


ENDPOINTS = {
    "register": Endpoint("anonymous", "post", "/api/auth/register/",
                         {"username": "newbie", "email": "n@example.org", "password": "pw-1234567"},
                         text="username"),
    "token": Endpoint("anonymous", "post", "/api/auth/token/",
                      {"username": "ana", "password": DEFAULT_PASSWORD}, text="username"),
    "profile": Endpoint("author", "patch", "/api/auth/me/", {"bio": "Cello."}, text="bio"),
    "account-delete": Endpoint("author", "delete", "/api/auth/me/",
                               {"password": DEFAULT_PASSWORD}, text="password"),
    "upload": Endpoint("author", "post", "/api/contributions/",
                       {"title": "Verse", "text": "Words."}, text="title", ids="sources.0"),
    "edit": Endpoint("author", "patch", "/api/contributions/{work}/", {"title": "Renamed"},
                     text="title", ids="sources.0"),
    "comment": Endpoint("other", "post", "/api/contributions/{work}/comments/", {"body": "Nice."},
                        text="body", ids="parent"),
    "project-comment": Endpoint("other", "post", "/api/projects/{project}/comments/",
                                {"body": "In."}, text="body", ids="parent"),
    "follow": Endpoint("producer", "post", "/api/follows/", {"project": 0}, ids="project"),
    "follow-artist": Endpoint("producer", "post", "/api/follows/", {"artist": "ana"},
                              text="artist"),
    "report": Endpoint("producer", "post", "/api/reports/",
                       {"contribution": 0, "kind": "abuse", "text": "Copied."}, text="text",
                       ids="contribution"),
    "dismiss": Endpoint("staff", "post", "/api/reports/{report}/dismiss/", {"note": "Fine."},
                        text="note"),
    "report-take-down": Endpoint("staff", "post", "/api/reports/{report}/take-down/",
                                 {"reason": "Copied."}, text="reason"),
    "take-down": Endpoint("staff", "post", "/api/contributions/{work}/take-down/",
                          {"reason": "A court order."}, text="reason"),
    "mark-read": Endpoint("author", "post", "/api/notifications/read/", {"ids": [0]},
                          ids="ids.0", unknown_ok=True),
    "preferences": Endpoint("author", "put", "/api/notifications/preferences/",
                            {"mention": "off"}, text="mention"),
    "project": Endpoint("producer", "post", "/api/projects/", {"title": "Mine"}, text="title"),
    "project-edit": Endpoint("producer", "patch", "/api/projects/{project}/", {"brief": "B"},
                             text="brief"),
    "invite": Endpoint("producer", "post", "/api/projects/{project}/members/",
                       {"username": "bo"}, text="username"),
    "ask": Endpoint("producer", "post", "/api/projects/{project}/asks/",
                    {"kind": "audio", "description": "Drums", "quantity": 1},
                    text="description"),
    "ask-edit": Endpoint("producer", "patch", "/api/projects/{project}/asks/{ask}/",
                         {"description": "Drums"}, text="description"),
    "submit": Endpoint("author", "post", "/api/projects/{project}/submissions/",
                       {"contribution": 0, "message": "For you."}, text="message",
                       ids="contribution"),
    "resource": Endpoint("producer", "post", "/api/projects/{project}/resources/",
                         {"contribution": 0}, ids="contribution"),
    "accept": Endpoint("producer", "post", "/api/projects/{project}/submissions/{submission}/accept/",
                       {"note": "Yes."}, text="note"),
    "decline": Endpoint("producer", "post",
                        "/api/projects/{project}/submissions/{submission}/decline/",
                        {"note": "No."}, text="note"),
    "release": Endpoint("producer", "post", "/api/projects/{project}/release/",
                        {"credits": [], "commercial": False}, text="credits.0.weight",
                        ids="credits.0.contribution"),
    "split-preview": Endpoint("producer", "post", "/api/projects/{project}/split/preview/",
                              {"credits": []}, text="credits.0.weight",
                              ids="credits.0.contribution"),
    "revenue": Endpoint("producer", "post", "/api/projects/{released}/revenue/",
                        {"amount": "5.00", "currency": "USD", "note": "Streams"}, text="note",
                        headers={"HTTP_IDEMPOTENCY_KEY": "bad-1"}),
    "statements": Endpoint("staff", "post", "/api/payouts/statements/build/",
                           {"period": "2024-02"}, text="period"),
    # The draft: before a release a cost needs no receipt, which a JSON body cannot carry.
    "cost": Endpoint("producer", "post", "/api/projects/{draft}/costs/",
                     {"amount": "25.00", "currency": "USD", "note": "Studio day"}, text="note",
                     ids="borne_by"),
    "stream": Endpoint("producer", "post", "/api/projects/{released}/streams/",
                       {"name": "publishing", "contributor_pool": "1/2"}, text="name"),
    "publish": Endpoint("producer", "post", "/api/projects/{quiet}/proposals/",
                        {"credits": [], "commercial": False, "note": "A first go."}, text="note",
                        ids="credits.0.contribution"),
    "revise": Endpoint("producer", "post", "/api/proposals/{proposal}/revisions/",
                       {"credits": [], "commercial": False}, text="credits.0.weight",
                       ids="credits.0.contribution"),
    "proposal-comment": Endpoint("other", "post", "/api/proposals/{proposal}/comments/",
                                 {"body": "Fair to me."}, text="body", ids="parent"),
}  # fmt: skip


def _good(endpoint: Endpoint, world: World) -> dict:
    body = copy.deepcopy(endpoint.good)
    if "credits" in body:
        body["credits"] = credits(world)
    for key in ("contribution", "project"):
        if body.get(key) == 0:
            body[key] = world.ids["spare" if key == "contribution" else "project"]
    if body.get("ids") == [0]:
        body["ids"] = [world.ids["notification"]]
    return body


def _set(body: dict, path: str, value) -> dict:
    """A copy of `body` with the field at `path` ("credits.0.weight") set to `value`."""
    body = copy.deepcopy(body)
    *parents, last = path.split(".")
    if parents == [] and last.isdigit():
        raise AssertionError("a path starts with a field name")
    node = body
    for part in parents:
        if part.isdigit():
            node = node[int(part)]
        else:
            node = node.setdefault(part, [{}] if last.isdigit() else {})
    if last.isdigit():
        node[:] = [value]
    else:
        node[last] = value
    return body


@dataclass(frozen=True)
class Case:
    name: str
    body: str  # the raw request text
    says: str  # a phrase (or the field's name) the answer must contain
    status: tuple[int, ...] = (400,)


def _cases(endpoint: Endpoint, world: World) -> list[Case]:
    good = _good(endpoint, world)
    first = (endpoint.text or endpoint.ids or "x").split(".")[0]
    cases = [
        Case("malformed JSON", f'{{"{first}": ', "JSON parse error"),
        Case("not an object", "[1, 2, 3]", "expected a dictionary"),
        Case("NaN", json.dumps({**good, first: float("nan")}), "JSON parse error"),
    ]
    if endpoint.text:
        field_name = endpoint.text.split(".")[0]
        for name, value in [
            ("an object for text", {"nested": True}),
            ("a list for text", ["a", "b"]),
            ("1 MB of text", HUGE),
            ("a NUL byte", "before\x00after"),
        ]:
            cases.append(Case(name, json.dumps(_set(good, endpoint.text, value)), field_name))
        # json.dumps writes a lone surrogate as the escape "\ud800": legal JSON text.
        surrogate = json.dumps(_set(good, endpoint.text, "a\ud800b"))
        cases.append(Case("a lone surrogate", surrogate, "lone surrogate"))
    if endpoint.ids:
        field_name = endpoint.ids.split(".")[0]
        absurd = [("a 64-bit overflow id", BIG_ID), ("a negative id", -1), ("a word for an id", "x1"),
                  ("a fractional id", 1.5), ("an object for an id", {"id": 1})]  # fmt: skip
        if not endpoint.unknown_ok:
            absurd.append(("an unknown id", UNKNOWN_ID))
        for name, value in absurd:
            cases.append(Case(name, json.dumps(_set(good, endpoint.ids, value)), field_name))
    return cases


def _params():
    """(endpoint, case name) pairs; the cases are built per test, from that test's world."""
    names = [
        "malformed JSON", "not an object", "NaN", "an object for text", "a list for text",
        "1 MB of text", "a NUL byte", "a lone surrogate", "a 64-bit overflow id", "a negative id",
        "a word for an id", "a fractional id", "an object for an id", "an unknown id",
    ]  # fmt: skip
    for key, endpoint in ENDPOINTS.items():
        built = {c.name for c in _cases(endpoint, _FakeWorld())}
        for name in names:
            if name in built:
                yield pytest.param(key, name, id=f"{key}: {name}")


class _FakeWorld:
    """Enough of a World to list the cases at collection time (ids are placeholders)."""

    ids = {"offered": 1, "spare": 1, "project": 1, "notification": 1}


def _send(client, endpoint: Endpoint, world: World, body: str, content_type="application/json"):
    url = endpoint.url.format(**world.ids)
    return getattr(client, endpoint.method)(
        url, data=body, content_type=content_type, **endpoint.headers
    )


def _assert_refused(response, case: Case, before, snapshot) -> None:
    assert response.status_code in case.status, (response.status_code, response.content[:300])
    text = response.content.decode()
    assert case.says.lower() in text.lower(), text[:300]
    after = snapshot()
    assert after.changed_tables(before) == [], "a refused request wrote something"
    assert after.files == before.files, "a refused request stored a file"


@pytest.mark.parametrize(("key", "case_name"), list(_params()))
def test_bad_input_is_refused_and_changes_nothing(key, case_name, in_world, api_as, snapshot):
    endpoint = ENDPOINTS[key]
    [case] = [c for c in _cases(endpoint, in_world) if c.name == case_name]
    client = api_as(endpoint.actor)
    before = snapshot()

    response = _send(client, endpoint, in_world, case.body)

    _assert_refused(response, case, before, snapshot)


@pytest.mark.parametrize("key", list(ENDPOINTS))
def test_the_good_body_each_case_starts_from_is_accepted(key, in_world, api_as):
    """Only the bad part of each bad case is what gets it refused."""
    endpoint = ENDPOINTS[key]

    response = _send(
        api_as(endpoint.actor), endpoint, in_world, json.dumps(_good(endpoint, in_world))
    )

    assert response.status_code < 300, response.content[:300]


# --- numbers: amounts, weights, shares, quantities, months, pages ----------------------------


NUMBERS = [
    # endpoint, field path, value, phrase in the answer
    ("revenue", "amount", "-5.00", "amount"),
    ("revenue", "amount", "0", "amount"),
    ("revenue", "amount", "0.001", "amount"),
    ("revenue", "amount", "1e308", "amount"),
    ("revenue", "amount", "NaN", "amount"),
    ("revenue", "amount", "9" * 40, "amount"),
    ("revenue", "amount", "9" * 41, "amount"),
    ("revenue", "currency", "EUR", "currency"),
    ("release", "credits.0.weight", "0", "weight"),
    ("release", "credits.0.weight", "-1", "weight"),
    ("release", "credits.0.weight", "1/0", "divides by zero"),
    ("release", "credits.0.weight", "9" * 25 + "/3", "too large"),
    ("release", "credits.0.weight", "1/" + "9" * 25, "too large"),
    ("release", "credits.0.weight", 2**63, "weight"),
    ("release", "credits.0.weight", True, "weight"),
    ("release", "commercial", "perhaps", "commercial"),
    ("split-preview", "credits.0.weight", "1e5", "weight"),
    ("project", "contributor_pool", "2", "between 0 and 1"),
    ("project", "contributor_pool", "-0.5", "contributor_pool"),
    ("project", "contributor_pool", "1/" + "9" * 30, "contributor_pool"),
    ("project", "upstream_share", "100%", "less than 1"),
    ("project", "currency", "XYZ", "currency"),
    ("ask", "quantity", -1, "quantity"),
    ("ask", "quantity", 0, "quantity"),
    ("ask", "quantity", 2**63, "quantity"),
    ("ask", "kind", "hologram", "kind"),
    ("ask-edit", "quantity", 1001, "quantity"),
    ("ask-edit", "status", "done", "status"),
    # tags on asks, skills on a profile: each a tag once normalised, at most 20
    ("ask", "tags", ["cello", "?!"], "is not a tag"),
    ("ask", "tags", [f"t{n}" for n in range(21)], "At most 20 tags"),
    ("ask", "tags", ["x" * 101], "tags"),
    ("ask", "tags", [HUGE], "tags"),
    ("ask", "tags", "cello", "tags"),
    ("ask-edit", "tags", ["\x00"], "null characters"),
    ("ask-edit", "tags", [{"name": "cello"}], "tags"),
    ("profile", "skills", ["cello", "—"], "is not a tag"),
    ("profile", "skills", [f"s{n}" for n in range(21)], "At most 20 tags"),
    ("profile", "skills", ["y" * 101], "skills"),
    ("profile", "skills", {"cello": True}, "skills"),
    ("preferences", "ask_for_you", "immediate", "ask_for_you"),
    ("statements", "period", "9999-12", "period"),
    ("statements", "period", "0000-01", "period"),
    ("statements", "period", "2024-13", "YYYY-MM"),
    ("preferences", "released", "sometimes", "released"),
    ("preferences", "hologram", "off", "hologram"),
    ("report", "kind", "boredom", "kind"),
    ("register", "email", "not-an-email", "email"),
    ("register", "username", "ana", "taken"),
    ("register", "username", "spoof\u202egnp.exe", "username"),
    ("invite", "username", "nobody-by-that-name", "username"),
    ("token", "password", "wrong", "password"),
    ("account-delete", "password", "wrong", "password"),
    ("upload", "license", "WTFPL", "license"),
    ("upload", "sources", [1, 1], "twice"),
    # production costs
    ("cost", "amount", "-5.00", "amount"),
    ("cost", "amount", "0", "amount"),
    ("cost", "amount", "0.001", "amount"),
    ("cost", "amount", "1e308", "amount"),
    ("cost", "amount", "Infinity", "amount"),
    ("cost", "amount", "9" * 40, "amount"),
    ("cost", "amount", "9" * 41, "amount"),
    ("cost", "currency", "EUR", "currency"),
    ("cost", "currency", "usd", "currency"),
    ("cost", "note", "", "note"),
    ("cost", "note", "   ", "note"),
    ("cost", "borne_by", "ana", "borne_by"),
    # revenue streams
    ("stream", "name", "Sync Rights", "name"),
    ("stream", "name", "../../etc", "name"),
    ("stream", "name", "", "name"),
    ("stream", "name", "x" * 41, "name"),
    ("stream", "name", "sync", "already has a stream"),
    ("stream", "contributor_pool", "3/2", "between 0 and 1"),
    ("stream", "contributor_pool", "-1/2", "contributor_pool"),
    ("stream", "contributor_pool", "150%", "contributor_pool"),
    ("stream", "contributor_pool", "abc", "contributor_pool"),
    ("stream", "contributor_pool", "1/0", "contributor_pool"),
    ("stream", "contributor_pool", "9" * 40, "contributor_pool"),
    ("stream", "contributor_pool", "1/" + "9" * 38, "contributor_pool"),
    ("stream", "contributor_pool", "9" * 41, "contributor_pool"),
    ("stream", "recoups_costs", "perhaps", "recoups_costs"),
    ("revenue", "stream", "nonesuch", "no revenue stream"),
    ("revenue", "stream", "Bad Name!", "stream"),
    # payment proposals
    ("publish", "credits", [], "at least one"),
    ("publish", "credits.0.weight", "0", "weight"),
    ("publish", "credits.0.weight", "-1", "weight"),
    ("publish", "credits.0.weight", "1/0", "divides by zero"),
    ("publish", "credits.0.weight", "9" * 25 + "/3", "too large"),
    ("publish", "credits.0.weight", 2**63, "weight"),
    ("publish", "commercial", "perhaps", "commercial"),
    ("publish", "note", "x" * 2001, "note"),
    ("revise", "credits", [], "at least one"),
    ("revise", "credits.0.weight", "1e5", "weight"),
    ("revise", "credits.0.weight", "1/" + "9" * 25, "too large"),
    ("revise", "note", "before\x00after", "note"),
    ("revise", "note", HUGE, "note"),
    ("proposal-comment", "body", "x" * 5001, "5000"),
    ("proposal-comment", "body", "   ", "body"),
    ("proposal-comment", "parent", 0, "parent"),
]


@pytest.mark.parametrize(
    ("key", "path", "value", "says"), NUMBERS, ids=[f"{n[0]}: {n[1]}={n[2]!r:.30}" for n in NUMBERS]
)
def test_absurd_values_are_refused_and_change_nothing(
    key, path, value, says, in_world, api_as, snapshot
):
    endpoint = ENDPOINTS[key]
    body = _set(_good(endpoint, in_world), path, value)
    before = snapshot()

    response = _send(api_as(endpoint.actor), endpoint, in_world, json.dumps(body))

    # A wrong password is refused as a 400 (token, deletion); nothing else here may pass.
    _assert_refused(response, Case(key, "", says, status=(400, 409)), before, snapshot)


@pytest.mark.parametrize(
    "url",
    [
        "/api/contributions/?page=-1",
        f"/api/contributions/?page={BIG_ID}",
        "/api/contributions/?page=abc",
        f"/api/contributions/{BIG_ID}/",
        f"/api/contributions/{10**30}/lineage/",
        f"/api/projects/{BIG_ID}/",
        f"/api/projects/{BIG_ID}/submissions/",
        f"/api/payouts/statements/{BIG_ID}/",
        f"/api/auth/me/exports/{BIG_ID}/",
        f"/api/payouts/batches/{BIG_ID}/file.csv",
        f"/api/projects/{BIG_ID}/streams/",
        f"/api/projects/{BIG_ID}/costs/",
        f"/api/projects/{{released}}/costs/{BIG_ID}/receipt",
        "/api/projects/{project}/proposals/?page=-1",
        f"/api/proposals/{BIG_ID}/",
        f"/api/proposals/{{proposal}}/revisions/{10**30}/",
        f"/api/proposals/{{proposal}}/diff/?to={BIG_ID}",
        f"/api/proposals/{{proposal}}/comments/?page={BIG_ID}",
        "/api/projects/{released}/split/?stream=nonesuch",
        "/api/projects/{released}/split/?stream=%00",
        "/api/projects/{released}/split/?stream=" + "x" * 5000,
    ],
)
def test_absurd_pages_and_ids_in_urls_are_a_404(url, in_world, api_as):
    response = api_as("staff").get(url.format(**in_world.ids))

    assert response.status_code == 404
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("kind=hologram", "kind"),
        ("license=%00", "license"),
        ("search=%00", "search"),
        ("search=" + "x" * 300, "search"),
        ("project=-1", "project"),
        (f"project={BIG_ID}x", "project"),
        ("ordering=password", "ordering"),
        ("commercial=%00", "commercial"),
        ("remixable_into=" + "x" * 5000, "remixable_into"),
        ("duration_min=-0.5", "duration_min"),
        ("duration_min=NaN", "duration_min"),
        ("duration_max=1e400", "duration_max"),
        ("duration_min=10&duration_max=9", "duration_max"),
        ("created_after=0000-00-00", "created_after"),
        ("created_before=%00", "created_before"),
        ("created_after=99999-01-01", "created_after"),
        ("created_after=2026-02-02&created_before=2026-02-01", "created_before"),
        ("tag=%00", "tag"),
    ],
)
def test_bad_filters_are_a_400_naming_the_filter(query, says, in_world, api_as):
    response = api_as("other").get(f"/api/contributions/?{query}")

    assert response.status_code == 400
    assert says in response.json()


# What people type into a search box, at its worst: refused with the problem named (400 from
# the API, the form's error on the page) or searched and finding nothing; never a 500.
SEARCHES = [
    ("", "blank"),
    ("x" * 10_000, "200 characters"),
    ("cello\x00", "Null characters"),
    ("\x00", "Null characters"),
    ('"', "Type a word"),
    ('"""', "Type a word"),
    ("-", "Type a word"),
    ("--", "Type a word"),
    ("or", "Type a word"),
    ("or or OR", "Type a word"),
    ("!!!", "Type a word"),
    ("&|", "Type a word"),
    ("&", "Type a word"),
    ("<->", "Type a word"),
    ("-cello", "leave out"),
    ("-cello or -viola", "leave out"),
    (" ".join(["w"] * 17), "at most 16 words"),
    ('"unbalanced quote', None),  # a phrase to the end, as PostgreSQL reads it
    ('cello "', None),
    ("cello -", None),
    ("a:* & b | !c", None),  # tsquery's syntax is plain punctuation here
    ("NEAR(a b) AND c*", None),  # and so is FTS5's
    ("\u202eolleh", None),
    ("½ ² Ⅷ", None),
    ("'; DROP TABLE contributions_contribution; --", None),
]


@pytest.mark.parametrize(("q", "says"), SEARCHES, ids=[repr(q[:20]) for q, _ in SEARCHES])
def test_a_bad_search_is_a_400_naming_the_problem_or_finds_nothing(q, says, in_world, api_as):
    client = api_as("other")
    answers = [
        client.get("/api/search/", {"q": q}),
        client.get("/api/search/", {"q": q, "section": "artists"}),
        client.get("/api/contributions/", {"search": q}),
    ]
    for response in answers:
        assert response.status_code in (200, 400), response.content[:300]
        if says is None:
            assert response.status_code == 200, response.content[:300]
        elif response.status_code == 400:
            assert says in response.content.decode(), response.content[:300]
    assert [r.status_code for r in answers[:2]] == [200, 200] if says is None else [400, 400]

    page = client.get(reverse("web:search"), {"q": q})

    assert page.status_code == 200
    if says is not None and q:
        assert says in page.content.decode()


@pytest.mark.parametrize(
    ("query", "says"),
    [("from=abc", "from"), ("from=0", "from"), ("to=-1", "to"), ("to=1", "only one revision")],
)
def test_a_bad_revision_to_compare_is_a_400_naming_it(query, says, in_world, api_as):
    response = api_as("other").get(f"/api/proposals/{in_world.ids['proposal']}/diff/?{query}")

    assert response.status_code == 400
    assert says in response.content.decode()


@pytest.mark.parametrize("author", [str(BIG_ID), "²", "9" * 40, "ana\x00", "\u202eana"], ids=repr)
def test_an_absurd_author_filter_finds_nothing(author, in_world, api_as):
    response = api_as("other").get("/api/contributions/", {"author": author})

    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json()["results"] == []


# --- text that is odd but fine is kept exactly ---------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "Cello 🎻 and 👩🏽‍🎤",  # emoji, skin tone, zero-width joiner
        "Cafe\u0301 Noir",  # a combining accent, not precomposed
        "Zalgo z\u0336\u0317a\u0338\u0349",
        "left \u202eright\u202c back",  # an RTL override, closed
        "مرحبا hello שלום",
    ],
    ids=["emoji", "combining", "zalgo", "rtl-override", "mixed-scripts"],
)
def test_odd_but_valid_unicode_is_kept_exactly(title, in_world, api_as):
    response = api_as("author").post(
        "/api/contributions/", {"title": title, "text": title}, format="json"
    )

    assert response.status_code == 201
    work = Contribution.objects.get(pk=response.json()["id"])
    assert (work.title, work.text) == (title, title)
    page = api_as("anonymous").get(f"/api/contributions/{work.id}/")
    assert page.json()["title"] == title


# --- files whose name or type lies -----------------------------------------------------------


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return buffer.getvalue()


LIARS = {
    "html as png": (b"<!doctype html><html><script>alert(1)</script></html>", "a.png", "image/png"),
    "svg as png": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "a.png",
        "image/png",
    ),
    "shell script as png": (b"#!/bin/sh\nrm -rf ~\n", "a.png", "image/png"),
    "zip as mp3": (_zip(), "song.mp3", "audio/mpeg"),
    "pdf as jpeg": (b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n", "a.jpg", "image/jpeg"),
    "elf program as jpeg": (b"\x7fELF\x02\x01\x01" + b"\x00" * 60, "a.jpg", "image/jpeg"),
    "random bytes as png": (bytes(range(256)) * 4, "a.png", "image/png"),
    "empty file": (b"", "a.png", "image/png"),
}

UPLOADS = {
    "upload": ("author", "post", "/api/contributions/", {"title": "Liar"}, "file"),
    "replace": ("author", "put", "/api/contributions/{work}/original", {}, "file"),
    "cover": ("producer", "put", "/api/projects/{project}/cover", {}, "file"),
}


@pytest.mark.parametrize("where", list(UPLOADS))
@pytest.mark.parametrize("liar", list(LIARS))
def test_files_that_lie_about_their_type_are_refused(where, liar, in_world, api_as, snapshot):
    actor, method, url, fields, field_name = UPLOADS[where]
    content, name, content_type = LIARS[liar]
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    before = snapshot()

    response = getattr(api_as(actor), method)(
        url.format(**in_world.ids), {**fields, field_name: upload}, format="multipart"
    )

    assert response.status_code == 400, response.content[:300]
    problems = " ".join(response.json()[field_name])
    assert any(
        phrase in problems
        for phrase in ("does not accept this kind of file", "must be an image", "empty")
    ), problems
    after = snapshot()
    assert after.changed_tables(before) == []
    assert after.files == before.files


def test_plain_text_named_png_becomes_text_never_a_served_file(in_world, api_as):
    """What a file is comes from its content: a script without `#!` is words, kept as text."""
    upload = SimpleUploadedFile("a.png", b"alert(document.cookie)", content_type="image/png")

    response = api_as("author").post(
        "/api/contributions/", {"title": "Sneaky", "file": upload}, format="multipart"
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["media"]["url"]) == ("text", None)
    assert not Contribution.objects.get(pk=body["id"]).file


def test_a_png_that_is_junk_inside_fails_processing_with_a_reason(
    in_world, api_as, django_capture_on_commit_callbacks
):
    """The magic number gets it in; decoding finds it out, and nothing is served."""
    upload = SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"junk" * 64, "image/png")

    with django_capture_on_commit_callbacks(execute=True):
        response = api_as("author").post(
            "/api/contributions/", {"title": "Broken", "file": upload}, format="multipart"
        )

    work = Contribution.objects.get(pk=response.json()["id"])
    assert (work.status, work.renditions.count()) == ("failed", 0)
    assert work.error
    assert api_as("other").get(f"/api/contributions/{work.id}/original").status_code == 404


def test_malformed_json_to_a_file_endpoint_is_an_unsupported_media_type(in_world, api_as, snapshot):
    before = snapshot()

    response = api_as("producer").put(
        f"/api/projects/{in_world.ids['project']}/cover",
        data='{"file": ',
        content_type="application/json",
    )

    assert response.status_code == 415
    assert "Unsupported media type" in response.json()["detail"]
    assert snapshot() == before


# --- money files: receipts of costs, the facilitator's result file -------------------------


def test_a_cost_borne_by_someone_outside_the_production_is_refused(in_world, api_as, snapshot):
    """Revenue pays costs back first: letting anyone bear one would route money around the
    split."""
    endpoint = ENDPOINTS["cost"]
    body = {**_good(endpoint, in_world), "borne_by": in_world.ids["author_user"]}
    before = snapshot()

    response = _send(api_as("producer"), endpoint, in_world, json.dumps(body))

    _assert_refused(response, Case("", "", "a producer of the project"), before, snapshot)


RECEIPTS = {
    # name: (content, file name, content type, phrase in the answer)
    "html named .pdf": (b"<!doctype html><html><script>alert(1)</script></html>", "r.pdf",
                        "application/pdf", "must be a PDF, JPEG, PNG or WebP"),
    "svg named .png": (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script>'
                       b"</svg>", "r.png", "image/png", "must be a PDF, JPEG, PNG or WebP"),
    "zip named .pdf": (_zip(), "r.pdf", "application/pdf", "must be a PDF, JPEG, PNG or WebP"),
    "empty file": (b"", "r.pdf", "application/pdf", "empty"),
    "a PDF over 10 MB": (RECEIPT_PDF + b"0" * 10_000_000, "big.pdf", "application/pdf",
                         "limited to 10 MB"),
}  # fmt: skip


@pytest.mark.parametrize("name", list(RECEIPTS))
def test_a_receipt_that_is_not_a_pdf_or_picture_is_refused(name, in_world, api_as, snapshot):
    content, filename, content_type, says = RECEIPTS[name]
    receipt = SimpleUploadedFile(filename, content, content_type=content_type)
    form = {**_good(ENDPOINTS["cost"], in_world), "receipt": receipt}
    before = snapshot()

    response = api_as("producer").post(
        f"/api/projects/{in_world.ids['released']}/costs/", form, format="multipart"
    )

    _assert_refused(response, Case(name, "", says), before, snapshot)
    assert "receipt" in response.json()


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [("borne_by", str(BIG_ID), "borne_by"), ("borne_by", "²", "borne_by"),
     ("amount", "1,000.00", "amount"), ("note", "before\x00after", "note")],
)  # fmt: skip
def test_a_cost_sent_as_a_form_is_checked_like_json(field, value, says, in_world, api_as, snapshot):
    receipt = SimpleUploadedFile("r.pdf", RECEIPT_PDF, content_type="application/pdf")
    form = {**_good(ENDPOINTS["cost"], in_world), field: value, "receipt": receipt}
    before = snapshot()

    response = api_as("producer").post(
        f"/api/projects/{in_world.ids['released']}/costs/", form, format="multipart"
    )

    _assert_refused(response, Case(field, "", says), before, snapshot)


RESULT_FILES = {
    # name: (the file, with {dee} for the reference of the world's one payment; the phrase)
    "not UTF-8": (b"reference,status,message\nhitrec-{dee},failed,Compte ferm\xe9\n", "UTF-8"),
    "no header row": (b"hitrec-{dee},paid\n", "missing: reference, status"),
    "no status column": (b"reference,result\nhitrec-{dee},paid\n", "missing: status"),
    "an unknown reference": (b"reference,status\nhitrec-987654,paid\n", "not in batch"),
    "a formula for a reference": (b"reference,status\n=HYPERLINK(\"x\"),paid\n", "not in batch"),
    "a NUL in the reference": (b"reference,status\nhitrec-{dee}\x00,paid\n", "NUL byte"),
    "a NUL in the message": (b"reference,status,message\nhitrec-{dee},failed,no\x00\n", "NUL byte"),
    "a status that is neither": (b"reference,status\nhitrec-{dee},maybe\n",
                                 "is not paid or failed"),
    "a reference twice": (b"reference,status\nhitrec-{dee},paid\nhitrec-{dee},failed\n",
                          "already appears on line 2"),
    "no reference": (b"reference,status\n,paid\n", "no reference"),
    "an empty file": (b"", "empty"),
}  # fmt: skip


def _result_file(content: bytes, world: World) -> SimpleUploadedFile:
    body = content.replace(b"{dee}", str(world.ids["dee_statement"]).encode())
    return SimpleUploadedFile("results.csv", body, content_type="text/csv")


def _post_results(client, world: World, content: bytes):
    return client.post(
        f"/api/payouts/batches/{world.ids['batch']}/results/",
        {"file": _result_file(content, world)},
        format="multipart",
    )


@pytest.mark.parametrize("name", list(RESULT_FILES))
def test_a_bad_result_file_is_refused_whole(name, in_world, api_as, snapshot):
    content, says = RESULT_FILES[name]
    before = snapshot()

    response = _post_results(api_as("staff"), in_world, content)

    _assert_refused(response, Case(name, "", says), before, snapshot)
    assert "file" in response.json()


def test_a_result_file_that_contradicts_an_earlier_one_is_refused(in_world, api_as, snapshot):
    staff = api_as("staff")
    assert _post_results(staff, in_world, b"reference,status\nhitrec-{dee},paid\n").json() == {
        "paid": 1, "failed": 0, "unchanged": 0}  # fmt: skip
    before = snapshot()

    response = _post_results(staff, in_world, b"reference,status\nhitrec-{dee},failed\n")

    _assert_refused(response, Case("", "", "already recorded as paid"), before, snapshot)


def test_a_result_file_is_taken_up_to_20_mb_and_refused_past_it(in_world, api_as, snapshot):
    """The limit is the result file's own (not the 1 MB of a text contribution), and a file
    past it is refused while it streams in."""
    staff = api_as("staff")
    padding = b"\n" * 2_000_000  # blank lines are skipped: a 2 MB file with one payment
    response = _post_results(staff, in_world, b"reference,status\nhitrec-{dee},paid\n" + padding)
    assert response.status_code == 200, response.content[:300]
    assert response.json()["paid"] == 1
    before = snapshot()

    response = _post_results(staff, in_world, b"reference,status\n" + b"\n" * 21_000_000)

    _assert_refused(response, Case("", "", "limited to 20 MB", status=(413,)), before, snapshot)


def test_a_result_file_sent_as_json_is_an_unsupported_media_type(in_world, api_as, snapshot):
    before = snapshot()

    response = api_as("staff").post(
        f"/api/payouts/batches/{in_world.ids['batch']}/results/",
        {"file": "reference,status"},
        format="json",
    )

    assert response.status_code == 415
    assert snapshot() == before


# --- pages ---------------------------------------------------------------------------------


PAGE_CASES = [
    # actor, page, arguments, form, phrase the page (or its message) shows
    ("author", "web:upload", {}, {"title": "T\x00", "license": "hitrec", "text": "W"}, "Null"),
    ("author", "web:upload", {}, {"title": HUGE, "license": "hitrec", "text": "W"}, "at most 200"),
    ("author", "web:upload", {}, {"title": "T", "license": "hitrec", "text": "W",
                                   "sources": "²"}, "not a contribution id"),
    ("author", "web:upload", {}, {"title": "T", "license": "hitrec", "text": "W",
                                   "sources": str(BIG_ID)}, "not a contribution id"),
    ("author", "web:upload", {}, {"title": "T", "license": "hitrec", "text": "W",
                                   "sources": str(UNKNOWN_ID)}, "There is no contribution"),
    ("producer", "web:desk-release", {"project_id": "project"},
     {"weight-{offered}": "9" * 5000, "confirm": "yes"}, "too many digits"),
    ("producer", "web:desk-release", {"project_id": "project"},
     {"weight-{offered}": "1/" + "9" * 30, "confirm": "yes"}, "too large"),
    ("producer", "web:project-revenue", {"project_id": "released"},
     {"amount": "-5", "idempotency_key": "p-1"}, "amount"),
    ("producer", "web:desk-ask", {"project_id": "project"},
     {"kind": "audio", "description": "D", "quantity": "-1"}, "Quantity: Ensure"),
    ("other", "community:contribution-comment", {"contribution_id": "work"},
     {"body": "\x00"}, "Null"),
    ("producer", "web:project-revenue", {"project_id": "released"},
     {"amount": "9" * 50, "idempotency_key": "p-2"}, "Amount: Ensure"),
    ("author", "web:project-submit", {"project_id": "project"},
     {"contribution": "abc"}, "Contribution: Enter a whole number"),
    # Marking read is silent either way; what matters is no 500 and nothing marked.
    ("author", "notifications:read", {}, {"id": str(BIG_ID)}, ""),
]  # fmt: skip


@pytest.mark.parametrize(
    ("actor", "name", "args", "form", "says"),
    PAGE_CASES,
    ids=[f"{c[1]}: {str(c[3])[:40]!r}" for c in PAGE_CASES],
)
def test_pages_refuse_bad_input_and_change_nothing(
    actor, name, args, form, says, in_world, page_as, snapshot
):
    from django.contrib.messages import get_messages

    client = page_as(actor)
    url = reverse(name, kwargs={k: in_world.ids[v] for k, v in args.items()})
    form = {k.format(**in_world.ids): v for k, v in form.items()}
    before = snapshot()

    response = client.post(url, form)

    assert response.status_code in (200, 302, 400)
    shown = response.content.decode() + " ".join(
        str(m.message) for m in get_messages(response.wsgi_request)
    )
    assert says.lower() in shown.lower()
    after = snapshot()
    assert after.changed_tables(before) == []
    assert after.files == before.files
