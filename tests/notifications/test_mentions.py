"""@mentions: existing people only, each once, never the writer."""

import pytest

from hitrec.events import TextPublished, announce
from notifications.mentions import mention_candidates
from notifications.models import Notification
from tests.accounts.factories import UserFactory


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hi @ana", [["ana"]]),
        ("thanks @ana.", [["ana.", "ana"]]),
        ("@ana, @bo_2 and @c-d!", [["ana"], ["bo_2"], ["c-d"]]),
        ("write to ana@example.org", []),
        ("@@ana and a lone @", []),
    ],
)
def test_mention_candidates(text, expected):
    assert mention_candidates(text) == expected


@pytest.mark.django_db
def test_a_mention_tells_each_existing_person_once_but_not_the_writer(
    django_capture_on_commit_callbacks,
):
    ana, bo, dot = (
        UserFactory(username="ana"),
        UserFactory(username="bo"),
        UserFactory(username="d.j."),
    )

    with django_capture_on_commit_callbacks(execute=True):
        announce(TextPublished(
            text="@ana and @ANA, meet @ghost; @bo wrote this. Thanks @d.j.",
            actor_id=bo.id, url="/contributions/7/#comment-3", place="contribution", title="Loop",
        ))  # fmt: skip

    rows = Notification.objects.order_by("recipient_id")
    assert [(n.recipient, n.kind, n.link) for n in rows] == [
        (ana, "mention", "/contributions/7/#comment-3"),
        (dot, "mention", "/contributions/7/#comment-3"),
    ]
    assert rows[0].text.startswith("bo mentioned you in a comment on “Loop”: “@ana and @ANA")


@pytest.mark.django_db
def test_a_mention_never_links_off_the_site(django_capture_on_commit_callbacks):
    UserFactory(username="ana")
    with django_capture_on_commit_callbacks(execute=True):
        announce(TextPublished(
            text="@ana look", actor_id=UserFactory().id, url="https://evil.example/",
            place="project", title="Tram",
        ))  # fmt: skip

    assert Notification.objects.get().link == ""


@pytest.mark.django_db
def test_each_person_mentioned_is_told_in_their_language(django_capture_on_commit_callbacks):
    UserFactory(username="ana", language="es")
    UserFactory(username="fay")
    bo = UserFactory(username="bo")

    with django_capture_on_commit_callbacks(execute=True):
        announce(TextPublished(
            text="@ana @fay listen", actor_id=bo.id, url="/proposals/3/#comment-9",
            place="proposal", title="Tram",
        ))  # fmt: skip

    said = dict(Notification.objects.values_list("recipient__username", "text"))
    assert said["fay"] == (
        "bo mentioned you in a comment on the payment proposal for “Tram”: “@ana @fay listen”"
    )
    assert said["ana"] == (
        "bo te mencionó en un comentario sobre la propuesta de pago de “Tram”: “@ana @fay listen”"
    )
