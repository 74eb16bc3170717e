"""Use cases of projects: open one, run it with co-producers, take submissions, release it."""

import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from contributions.licenses import Work, commercial_release_refusals, named, source_refusals
from contributions.lineage import closure_get
from contributions.models import Contribution
from hitrec.events import announce
from hitrec.i18n import message_of
from hitrec.storage import files_delete_on_commit, files_kept_only_if_saved
from hitrec.tag_fields import tags_checked
from hitrec.tag_rows import tag_rows_replace
from media.errors import MediaRefused
from media.images import process_image
from projects.events import AskPosted, AskTagged, ProjectReleased, SubmissionDecided
from projects.models import (
    Ask,
    AskTag,
    Project,
    ProjectMember,
    Release,
    ReleaseCredit,
    ReleaseEdge,
    ReleaseNode,
    Submission,
)
from projects.policy import PolicyError, check_policy, parse_share
from projects.selectors import is_producer, licenses_as_agreed, release_credit_problems

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# --- helpers -------------------------------------------------------------------------------


_ONLY_PRODUCERS_EDIT = gettext_lazy("Only the producers of “%(title)s” can edit it.")
_ONLY_PRODUCERS_COVER = gettext_lazy("Only the producers of “%(title)s” can change its cover.")
_ONLY_PRODUCERS_STATUS = gettext_lazy("Only the producers of “%(title)s” can change its status.")
_ONLY_PRODUCERS_INVITE = gettext_lazy("Only the producers of “%(title)s” can invite co-producers.")
_ONLY_PRODUCERS_REMOVE = gettext_lazy("Only the producers of “%(title)s” can remove co-producers.")
_ONLY_PRODUCERS_POST_ASKS = gettext_lazy("Only the producers of “%(title)s” can post asks.")
_ONLY_PRODUCERS_EDIT_ASKS = gettext_lazy("Only the producers of “%(title)s” can edit asks.")
_ONLY_PRODUCERS_RESOURCES = gettext_lazy("Only the producers of “%(title)s” can add resources.")
_ONLY_PRODUCERS_DECIDE = gettext_lazy("Only the producers of “%(title)s” can decide submissions.")
_ONLY_PRODUCERS_RELEASE = gettext_lazy("Only the producers of “%(title)s” can release it.")


def _require_producer(project: Project, actor: User, refusal: "StrOrPromise") -> None:
    """`refusal` names the project with %(title)s (one of the _ONLY_PRODUCERS_...)."""
    if not is_producer(project=project, user=actor):
        raise PermissionDenied(refusal % {"title": project.title})


def _locked(project: Project) -> Project:
    return Project.objects.select_for_update().get(pk=project.pk)


def _require_not_frozen(project: Project) -> None:
    if project.is_frozen:
        raise ValidationError(
            _("“%(title)s” was released; its credits and policy are frozen for ever.")
            % {"title": project.title}
        )


def _policy(contributor_pool: str | None, upstream_share: str | None, project: Project):
    errors: dict[str, list[str]] = {}
    pool, upstream = project.contributor_pool, project.upstream_share
    try:
        if contributor_pool is not None:
            pool = parse_share(contributor_pool, name=_("The contributor pool"))
    except PolicyError as exc:
        errors["contributor_pool"] = [message_of(exc)]
    try:
        if upstream_share is not None:
            upstream = parse_share(upstream_share, name=_("The upstream share"))
    except PolicyError as exc:
        errors["upstream_share"] = [message_of(exc)]
    if not errors:
        for problem in check_policy(contributor_pool=pool, upstream_share=upstream):
            field = "contributor_pool" if "pool" in problem else "upstream_share"
            errors.setdefault(field, []).append(message_of(problem.as_error()))
    if errors:
        raise ValidationError(errors)
    return pool, upstream


def _policy_apply(
    project: Project, *, contributor_pool: str | None, upstream_share: str | None
) -> None:
    """Parse and check the typed policy, and store it on the project as exact fractions."""
    pool, upstream = _policy(contributor_pool, upstream_share, project)
    project.pool_numerator, project.pool_denominator = pool.numerator, pool.denominator
    project.upstream_numerator = upstream.numerator
    project.upstream_denominator = upstream.denominator


# --- projects ------------------------------------------------------------------------------


@transaction.atomic
def project_create(
    *,
    owner: User,
    title: str,
    brief: str = "",
    currency: str = "USD",
    contributor_pool: str | None = None,
    upstream_share: str | None = None,
) -> Project:
    """A producer starts a project (as a draft) with its brief and split policy."""
    project = Project(owner=owner, title=title, brief=brief, currency=currency)
    _policy_apply(project, contributor_pool=contributor_pool, upstream_share=upstream_share)
    project.full_clean(exclude=["owner", "cover"])
    project.save()
    ProjectMember.objects.create(
        project=project, user=owner, role=ProjectMember.Role.PRODUCER, accepted_at=timezone.now()
    )
    return project


@transaction.atomic
def project_update(
    *,
    project: Project,
    actor: User,
    title: str | None = None,
    brief: str | None = None,
    currency: str | None = None,
    contributor_pool: str | None = None,
    upstream_share: str | None = None,
) -> Project:
    """Producers edit the brief, the currency and the policy, until the release."""
    _require_producer(project, actor, _ONLY_PRODUCERS_EDIT)
    project = _locked(project)
    _require_not_frozen(project)
    for name, value in {"title": title, "brief": brief, "currency": currency}.items():
        if value is not None:
            setattr(project, name, value)
    _policy_apply(project, contributor_pool=contributor_pool, upstream_share=upstream_share)
    project.full_clean(exclude=["owner", "cover"])
    project.save()
    return project


COVER_SIZE = 1200


def project_cover_set(*, project: Project, actor: User, file: UploadedFile) -> Project:
    """Producers set the project's cover picture.

    The upload is decoded and re-encoded (a JPEG at most 1200 px, without metadata): what is
    stored and shown is a picture we made, never the uploaded bytes.
    """
    _require_producer(project, actor, _ONLY_PRODUCERS_COVER)
    with tempfile.TemporaryDirectory(prefix="hitrec-cover-") as work:
        source = Path(work) / "upload"
        with open(source, "wb") as out:
            for chunk in file.chunks():
                out.write(chunk)
        try:
            result = process_image(
                source, out_dir=Path(work) / "out", sizes=(COVER_SIZE,),
                max_pixels=settings.HITREC_MAX_PIXELS,
            )  # fmt: skip
        except MediaRefused as refusal:
            raise ValidationError(
                {
                    "file": [
                        # Translators: %(reason)s says why the picture was refused.
                        _("The cover must be an image: %(reason)s")
                        % {"reason": message_of(refusal)}
                    ]
                }
            ) from None
        jpeg = next(r for r in result.renditions if r.mime == "image/jpeg")
        with files_kept_only_if_saved() as files, transaction.atomic():
            with open(jpeg.path, "rb") as handle:
                stored = files.save(f"covers/{project.pk}/{uuid.uuid4().hex}.jpg", File(handle))
            project = _locked(project)
            previous = project.cover.name
            project.cover.name = stored
            project.save(update_fields=["cover", "updated_at"])
            files_delete_on_commit([previous])
    return project


_TRANSITIONS = {
    "open": ({Project.Status.DRAFT}, Project.Status.OPEN),
    "archive": ({Project.Status.RELEASED}, Project.Status.ARCHIVED),
}
_TRANSITION_REFUSED = {
    # Translators: %(status)s is the project's status, its label in lower case: open, released or archived.
    "open": gettext_lazy("“%(title)s” is %(status)s; only a draft project can become open."),
    # Translators: %(status)s is the project's status, its label in lower case: draft, open or archived.
    "archive": gettext_lazy(
        "“%(title)s” is %(status)s; only a released project can become archived."
    ),
}


@transaction.atomic
def project_status_change(*, project: Project, actor: User, to: str) -> Project:
    """Producers open a draft to submissions, or archive a released project."""
    _require_producer(project, actor, _ONLY_PRODUCERS_STATUS)
    project = _locked(project)
    allowed_from, target = _TRANSITIONS[to]
    if project.status not in allowed_from:
        raise ValidationError(
            _TRANSITION_REFUSED[to]
            % {"title": project.title, "status": project.get_status_display().lower()}
        )
    project.status = target
    project.save(update_fields=["status", "updated_at"])
    if target == Project.Status.OPEN:
        # Its asks become public now: people whose skills they name may hear of them.
        tagged = Ask.objects.filter(project=project, status=Ask.Status.OPEN, tags__isnull=False)
        for ask_id in tagged.order_by("id").values_list("id", flat=True).distinct():
            announce(AskTagged(ask_id=ask_id, actor_id=actor.id))
    return project


# --- co-producers --------------------------------------------------------------------------


@transaction.atomic
def member_invite(*, project: Project, actor: User, username: str) -> ProjectMember:
    """A producer invites someone to co-produce; they become one when they accept."""
    _require_producer(project, actor, _ONLY_PRODUCERS_INVITE)
    _require_not_frozen(project)
    invitee = User.objects.filter(username__iexact=username).first()
    if invitee is None:
        raise ValidationError(
            {"username": [_("There is no artist called “%(username)s”.") % {"username": username}]}
        )
    if ProjectMember.objects.filter(project=project, user=invitee).exists():
        raise ValidationError(
            {
                "username": [
                    _("%(username)s is already invited or a member.")
                    % {"username": invitee.username}
                ]
            }
        )
    return ProjectMember.objects.create(
        project=project, user=invitee, role=ProjectMember.Role.CO_PRODUCER, invited_by=actor
    )


@transaction.atomic
def member_accept(*, project: Project, actor: User) -> ProjectMember:
    """The invited person accepts and becomes a co-producer."""
    member = ProjectMember.objects.select_for_update().filter(project=project, user=actor).first()
    if member is None:
        raise PermissionDenied(
            _("You have not been invited to co-produce “%(title)s”.") % {"title": project.title}
        )
    if member.accepted_at is None:
        member.accepted_at = timezone.now()
        member.save(update_fields=["accepted_at"])
    return member


@transaction.atomic
def member_remove(*, project: Project, actor: User, user_id: int) -> None:
    """A producer removes a co-producer (or withdraws an invitation); anyone may leave."""
    member = (
        ProjectMember.objects.select_for_update().filter(project=project, user_id=user_id).first()
    )
    if member is None:
        raise ValidationError({"user": [_("That person is not a member of this project.")]})
    if member.role == ProjectMember.Role.PRODUCER:
        raise ValidationError(_("The project's producer cannot be removed."))
    if actor.id != user_id:
        _require_producer(project, actor, _ONLY_PRODUCERS_REMOVE)
    member.delete()


# --- asks ----------------------------------------------------------------------------------


@transaction.atomic
def ask_create(
    *,
    project: Project,
    actor: User,
    kind: str,
    description: str,
    quantity: int = 1,
    tags: Sequence[str] = (),
) -> Ask:
    """Producers say what the project needs ("a cello line": audio, 1), tagged with the
    skills it takes ("cello")."""
    _require_producer(project, actor, _ONLY_PRODUCERS_POST_ASKS)
    _require_not_frozen(project)
    names = tags_checked(tags)
    ask = Ask(project=project, kind=kind, description=description, quantity=quantity)
    ask.full_clean(exclude=["project"])
    ask.save()
    _ask_tags_replace(ask, names)
    announce(AskPosted(ask_id=ask.id, actor_id=actor.id))
    if names:
        announce(AskTagged(ask_id=ask.id, actor_id=actor.id))
    return ask


@transaction.atomic
def ask_update(
    *,
    ask: Ask,
    actor: User,
    description: str | None = None,
    quantity: int | None = None,
    status: str | None = None,
    tags: Sequence[str] | None = None,
) -> Ask:
    """Producers edit an ask: what it says, how many, its tags, or mark it filled."""
    _require_producer(ask.project, actor, _ONLY_PRODUCERS_EDIT_ASKS)
    _require_not_frozen(ask.project)
    names = tags_checked(tags) if tags is not None else None
    for name, value in {"description": description, "quantity": quantity, "status": status}.items():
        if value is not None:
            setattr(ask, name, value)
    ask.full_clean(exclude=["project"])
    ask.save()
    if names is not None and _ask_tags_replace(ask, names):
        # New tags may match other people's skills; nobody hears of one ask twice.
        announce(AskTagged(ask_id=ask.id, actor_id=actor.id))
    return ask


def _ask_tags_replace(ask: Ask, names: list[str]) -> bool:
    """The ask carries exactly these tags (normalised), in the order given; True if it
    carries a tag it did not before."""
    before = tag_rows_replace(AskTag, "ask", ask, names)
    return bool(set(names) - set(before))


# --- submissions ---------------------------------------------------------------------------


def _require_open(project: Project) -> None:
    if project.status != Project.Status.OPEN:
        raise ValidationError(
            # Translators: %(status)s is the project's status, its label in lower case: draft, released or
            # archived.
            _("“%(title)s” is %(status)s, not open: it takes no submissions now.")
            % {"title": project.title, "status": project.get_status_display().lower()}
        )


@transaction.atomic
def submission_create(
    *,
    project: Project,
    actor: User,
    contribution: Contribution,
    ask: Ask | None = None,
    message: str = "",
) -> Submission:
    """An artist offers their own contribution to an open project, maybe against an ask."""
    project = _locked(project)
    _require_open(project)
    if contribution.author_id != actor.id:
        raise PermissionDenied(
            _(
                "Only the author of “%(title)s” (#%(id)s) can submit it; producers add others' "
                "work as a resource."
            )
            % named(_work(contribution))
        )
    return _offer(project, actor, contribution, ask, message, Submission.Origin.SUBMITTED)


@transaction.atomic
def resource_add(*, project: Project, actor: User, contribution: Contribution) -> Submission:
    """A producer adds any remixable contribution to the project as a resource."""
    _require_producer(project, actor, _ONLY_PRODUCERS_RESOURCES)
    project = _locked(project)
    _require_not_frozen(project)
    refusals = source_refusals(_work(contribution))
    if refusals:
        raise ValidationError(
            {"contribution": [message_of(refusal.as_error()) for refusal in refusals]}
        )
    return _offer(project, actor, contribution, None, "", Submission.Origin.RESOURCE)


def _work(contribution: Contribution) -> Work:
    return Work(id=contribution.id, title=contribution.title, license=contribution.license)


def _offer(project, actor, contribution, ask, message, origin) -> Submission:
    if contribution.is_removed:
        raise ValidationError(
            {"contribution": [_("“%(title)s” (#%(id)s) was deleted.") % named(_work(contribution))]}
        )
    if ask is not None and ask.project_id != project.id:
        raise ValidationError({"ask": [_("That ask belongs to another project.")]})
    if Submission.objects.filter(
        project=project, contribution=contribution, status__in=["pending", "accepted"]
    ).exists():
        raise ValidationError(
            {
                "contribution": [
                    _("“%(title)s” (#%(id)s) is already in this project.")
                    % named(_work(contribution))
                ]
            }
        )
    resource = origin == Submission.Origin.RESOURCE
    return Submission.objects.create(
        project=project,
        contribution=contribution,
        ask=ask,
        origin=origin,
        submitted_by=actor,
        message=message,
        status=Submission.Status.ACCEPTED if resource else Submission.Status.PENDING,
        # Taken in now: the licence it carries is the one its release is checked against.
        license=contribution.license if resource else "",
        decided_by=actor if resource else None,
        decided_at=timezone.now() if resource else None,
    )


@transaction.atomic
def submission_decide(
    *, submission: Submission, actor: User, accept: bool, note: str = ""
) -> Submission:
    """A producer accepts or declines a pending submission, with a note to the artist."""
    _require_producer(submission.project, actor, _ONLY_PRODUCERS_DECIDE)
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    _require_not_frozen(submission.project)
    if submission.status != Submission.Status.PENDING:
        raise ValidationError(
            # Translators: %(status)s is the submission's status, its label in lower case: accepted, declined
            # or withdrawn.
            _("This submission is already %(status)s.")
            % {"status": submission.get_status_display().lower()}
        )
    submission.status = Submission.Status.ACCEPTED if accept else Submission.Status.DECLINED
    if accept:
        # The licence the work carries as it is taken in; a later change applies to new uses.
        submission.license = Contribution.objects.values_list("license", flat=True).get(
            pk=submission.contribution_id
        )
    submission.decision_note = note
    submission.decided_by = actor
    submission.decided_at = timezone.now()
    submission.save()
    announce(SubmissionDecided(submission_id=submission.id))
    return submission


@transaction.atomic
def submission_withdraw(*, submission: Submission, actor: User) -> Submission:
    """The artist takes their submission back, at any time before the release."""
    if submission.submitted_by_id != actor.id:
        raise PermissionDenied(_("Only the artist who submitted it can withdraw a submission."))
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    _require_not_frozen(submission.project)
    if submission.status not in (Submission.Status.PENDING, Submission.Status.ACCEPTED):
        raise ValidationError(
            # Translators: %(status)s is the submission's status, its label in lower case: declined or withdrawn.
            _("This submission is %(status)s; there is nothing to withdraw.")
            % {"status": submission.status}
        )
    submission.status = Submission.Status.WITHDRAWN
    submission.save(update_fields=["status"])
    return submission


# --- release -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreditInput:
    contribution: int
    weight: Fraction


@transaction.atomic
def project_release(
    *, project: Project, actor: User, credits: Sequence[CreditInput], commercial: bool
) -> Release:
    """Freeze the finished work: its credits, its policy and the lineage behind it, for ever."""
    _require_producer(project, actor, _ONLY_PRODUCERS_RELEASE)
    project = _locked(project)
    if project.status != Project.Status.OPEN:
        raise ValidationError(
            # Translators: %(status)s is the project's status, its label in lower case: draft, released or
            # archived.
            _("“%(title)s” is %(status)s; only an open project can be released.")
            % {"title": project.title, "status": project.get_status_display().lower()}
        )
    if not credits:
        raise ValidationError({"credits": [_("Credit at least one contribution.")]})
    problems = release_credit_problems(project=project, credits=credits)
    if problems:
        raise ValidationError({"credits": problems})
    closure = closure_get(contribution_ids=[credit.contribution for credit in credits])
    agreed = licenses_as_agreed(project=project, closure=closure)
    if commercial:
        refusals = commercial_release_refusals(
            Work(id=node.id, title=node.title, license=agreed[node.id]) for node in closure.nodes
        )
        if refusals:
            raise ValidationError(
                {"commercial": [message_of(refusal.as_error()) for refusal in refusals]}
            )
    release = Release.objects.create(
        project=project,
        released_by=actor,
        producer=project.owner,
        commercial=commercial,
        currency=project.currency,
        **project.policy_fields(),
    )
    # CreditLike (projects/models.py) declares settable attributes, which a frozen CreditInput
    # cannot match; declared there as read-only properties, this ignore goes (mypy says so).
    ReleaseCredit.objects.bulk_create(ReleaseCredit.for_credits(credits, release=release))
    ReleaseNode.objects.bulk_create(
        ReleaseNode(
            release=release,
            contribution_id=node.id,
            author_id=node.author_id,
            author_username=node.author_username,
            title=node.title,
            kind=node.kind,
            license=agreed[node.id],
            depth=node.depth,
        )
        for node in closure.nodes
    )
    ReleaseEdge.objects.bulk_create(
        ReleaseEdge(release=release, source_id=edge.source, remix_id=edge.remix)
        for edge in closure.edges
    )
    project.status = Project.Status.RELEASED
    project.save(update_fields=["status", "updated_at"])
    # Royalties prepare its split and notifications tell its people (they subscribe).
    announce(ProjectReleased(release_id=release.id))
    return release
