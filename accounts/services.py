"""Use cases that change accounts: register, tokens, the demo account, data export, closing.

Closing an account ("delete my account") — what goes and what stays, and why:

- The ``User`` row stays. Releases (producer, lineage snapshot), the ledger, allocations and
  statements PROTECT it, and the money the person earned must stay payable. The account is
  closed instead: deactivated, its password made unusable, its API tokens deleted, and every
  personal field scrubbed: username -> ``deleted-<id>`` (``deleted-`` is reserved at sign-up
  so the name is always free), display name -> "Former artist", email, names and bio emptied.
- The payout email is kept only while the ledger still owes the person money (a positive
  payable balance in any currency); then the login email is kept there if no payout email
  was set, or nobody could be paid. With nothing owed it is emptied too.
- Contributions go through ``contribution_delete``: works others remixed or a release
  includes stay in lineages as tombstones (title and author kept, file and body gone); the
  rest are removed with their files and renditions. Newest first, so a source only their
  own (removed) remixes built on is removed too rather than kept as a tombstone.
- Submissions of their works to projects not yet released are withdrawn (pending and
  accepted alike: the work is gone, so a producer cannot credit it any more).
- Projects they own that were never released are removed, drafts and open ones alike
  (submissions, asks and memberships with them; others' contributions stay): a release
  names its owner as the producer on record and pays them, so a project whose producer left
  could never be released fairly. Released projects stay: they are the producer on record.
- Co-producer memberships end; their data exports are removed with their archives.
- Sessions: an unusable password changes the session hash and an inactive user is refused
  by the auth backend, so every session of theirs is dead on its next request.
- Apps above accounts do their part on ``accounts.closing.account_closing``, sent inside the
  closing transaction: contributions (the works), projects (submissions, unreleased projects,
  memberships), community and proposals (comments, follows).
"""

import logging
import tempfile
import uuid
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rest_framework.authtoken.models import Token

from accounts import tasks
from accounts.closing import account_closing, money_owed
from accounts.exports import ExportArchive, export_sections
from accounts.lookalikes import mixes_scripts, scripts_of, skeleton
from accounts.models import DataExport, User
from hitrec.caching import public_reads_changed
from hitrec.i18n import language_supported, writing_to
from hitrec.jobs import job_claim, job_failed, progress_recorder
from hitrec.storage import files_delete_on_commit

logger = logging.getLogger(__name__)

# Usernames given to closed accounts; nobody may sign up with one.
CLOSED_USERNAME_PREFIX = "deleted-"
CLOSED_DISPLAY_NAME = "Former artist"


@transaction.atomic
def _username_check(username: str) -> str:
    """The name's skeleton, if no one's name looks like it; refusals say why."""
    if mixes_scripts(username):
        raise ValidationError(
            {
                "username": [
                    _(
                        "Write your username in one script: “%(username)s” mixes %(scripts)s "
                        "letters, which lets names look like others'."
                    )
                    % {"username": username, "scripts": " + ".join(sorted(scripts_of(username)))}
                ]
            }
        )
    shape = skeleton(username)
    if User.objects.filter(username_skeleton=shape).exists():
        raise ValidationError(
            {
                "username": [
                    _(
                        "“%(username)s” looks too much like someone's username already; "
                        "choose another one."
                    )
                    % {"username": username}
                ]
            }
        )
    return shape


def user_register(*, username: str, email: str, password: str) -> User:
    """Create an artist's account; every artist may also produce projects."""
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": [_("That username is taken; choose another one.")]})
    # By shape, so that "de1eted-7" cannot pass for a closed account either.
    if skeleton(username).startswith(skeleton(CLOSED_USERNAME_PREFIX)):
        raise ValidationError(
            {
                "username": [
                    _("Usernames starting with “%(prefix)s” are reserved.")
                    % {"prefix": CLOSED_USERNAME_PREFIX}
                ]
            }
        )
    user = User(
        username=username,
        email=User.objects.normalize_email(email),
        username_skeleton=_username_check(username),
    )
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.full_clean(exclude=["password"])
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        # Someone took the name, or one like it, between the checks and now.
        raise ValidationError(
            {"username": [_("That username is taken; choose another one.")]}
        ) from exc
    return user


def token_obtain(*, username: str, password: str) -> Token:
    """The API token for a username and password; the same token until it is revoked."""
    user = authenticate(username=username, password=password)
    if user is None:
        raise ValidationError(_("Unable to log in with the username and password given."))
    token, _created = Token.objects.get_or_create(user=user)
    return token


@transaction.atomic
def demo_user_ensure(*, username: str, password: str) -> tuple[User, bool]:
    """The demo account of the quick start: created once, its password reset to the known one."""
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "email": f"{username}@hitrec.localhost",
            "display_name": "Demo Artist",
            "username_skeleton": skeleton(username),
        },
    )
    user.set_password(password)
    user.save(update_fields=["password"])
    return user, created


@transaction.atomic
def user_profile_update(
    *,
    user: User,
    display_name: str | None = None,
    bio: str | None = None,
    payout_email: str | None = None,
    language: str | None = None,
) -> User:
    """Change what a person says about themselves, where their payouts go, and the language
    hitrec writes to them in ("" follows their browser on pages, the site's default in mail)."""
    if language and not language_supported(language):
        raise ValidationError(
            {"language": _("hitrec is not written in “%(language)s”.") % {"language": language}}
        )
    changes = {
        "display_name": display_name, "bio": bio, "payout_email": payout_email,
        "language": language,
    }  # fmt: skip
    fields = [name for name, value in changes.items() if value is not None]
    for name in fields:
        setattr(user, name, changes[name])
    if fields:
        user.full_clean(exclude=["password"])
        user.save(update_fields=fields)
        if fields != ["language"]:
            public_reads_changed()  # works show their author
    return user


# --- data export ---------------------------------------------------------------------------

# Stored as the export's error, in its owner's language (`_export_fail`).
EXPORT_INTERNAL_ERROR = gettext_noop(
    "hitrec could not build your archive because of a fault on our side. "
    "Ask for a new one; if it fails again, tell us."
)

# Translators: the README of a person's data export; keep the file names and `field` names
# as they are, and {exported_at} and {expires_on} (a date and time, a date).
EXPORT_README = gettext_noop("""\
Everything hitrec holds about you, as of {exported_at} (UTC).

profile.json          your profile: username, display name, email, bio, payout email, joined.
contributions.json    every contribution you made: title, kind, license, description, facts
                      measured at upload (bytes, sha256, mime, size, duration), status, the
                      works it remixes (its sources), the projects you offered it to, and
                      `file`: its path in this archive (absent for deleted works).
contributions/        the originals, exactly as you uploaded them (byte for byte, with
                      whatever metadata they carried), and text bodies as .md files.
                      Renditions (thumbnails, previews, waveforms) are not included: they
                      are derived from these originals.
projects.json         the projects you produce or co-produce.
comments.json         your comments (only when comments exist on this site).
statements.csv        one row per payout statement; statements/ holds each statement's
                      lines, as the statement download gives them.
ledger.json           what hitrec owes you per currency (`balances`) and every entry of your
                      payable account (`postings`): a credit to you is a negative amount in
                      the ledger's convention; `owed_change_minor` gives it with your sign.
                      Amounts are integers in the currency's minor unit (cents).

This archive expires on {expires_on}; you can ask for a new one at any time.
""")


def _export_expiry() -> timedelta:
    return timedelta(days=settings.HITREC_DATA_EXPORT_DAYS)


def _enqueue_export_build(export_id: int) -> None:
    transaction.on_commit(lambda: tasks.build_data_export.delay(export_id))


@transaction.atomic
def data_export_request(*, user: User) -> DataExport:
    """A person asks for an archive of all their data; a background job builds it.

    While one is still queued or running, asking again returns that one: a double click
    does not build two archives.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    pending = user.data_exports.filter(
        status__in=[DataExport.Status.QUEUED, DataExport.Status.RUNNING]
    ).first()
    if pending is not None:
        return pending
    export = DataExport.objects.create(user=user)
    _enqueue_export_build(export.id)
    return export


def _export_progress_recorder(export_id: int) -> Callable[[str, float], None]:
    return progress_recorder(DataExport.objects.filter(pk=export_id))


def _export_claim(export_id: int) -> DataExport | None:
    """Mark the job running unless it already finished: the guard that makes reruns no-ops."""

    def start(export: DataExport) -> list[str]:
        # QUEUED, or RUNNING left behind by a worker that died: (re)build it. The storage
        # name is chosen once, so a rerun replaces a half-saved archive instead of orphaning
        # it; a random folder, because names under MEDIA_ROOT must not be guessable.
        if not export.file.name:
            export.file.name = f"exports/{uuid.uuid4().hex}/hitrec-data.zip"
        export.status = DataExport.Status.RUNNING
        export.progress_stage, export.progress_percent, export.error = "starting", 0, ""
        return ["file", "status", "progress_stage", "progress_percent", "error"]

    return job_claim(
        DataExport.objects.select_related("user"),
        export_id,
        finished=(
            DataExport.Status.READY,
            DataExport.Status.FAILED,
            DataExport.Status.EXPIRED,
        ),
        start=start,
    )


def data_export_build(*, export_id: int) -> None:
    """Build the archive into a temporary file, store it, and mark the export ready."""
    export = _export_claim(export_id)
    if export is None:
        return
    progress = _export_progress_recorder(export_id)
    name = export.file.name
    try:
        with tempfile.TemporaryDirectory(prefix="hitrec-export-") as workdir:
            path = Path(workdir) / "archive.zip"
            _archive_write(path, user=export.user, progress=progress)
            progress("saving", 95)
            # Same name on every run: replace what an interrupted run may have left.
            default_storage.delete(name)
            with open(path, "rb") as handle:
                stored = default_storage.save(name, File(handle))
            size = path.stat().st_size
    except ConnectionError:
        raise  # the task retries these with backoff; the export stays "running"
    except Exception:
        logger.exception("building data export %s crashed", export_id)
        _export_fail(export_id, EXPORT_INTERNAL_ERROR)
        return
    _export_finish(export_id, stored=stored, size=size)


def _export_finish(export_id: int, *, stored: str, size: int) -> None:
    with transaction.atomic():
        export = DataExport.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.status != DataExport.Status.RUNNING:
            # Deleted meanwhile (the account was closed) or finished by another delivery.
            if export is None or export.file.name != stored:
                transaction.on_commit(lambda: default_storage.delete(stored))
            return
        now = timezone.now()
        export.file.name = stored
        export.bytes = size
        export.status = DataExport.Status.READY
        export.progress_stage, export.progress_percent = "ready", 100
        export.finished_at, export.expires_at = now, now + _export_expiry()
        export.save()


def _export_fail(export_id: int, reason: str) -> None:
    """`reason` is a message marked for translation: the export's owner reads it in theirs."""
    with transaction.atomic():
        export = DataExport.objects.select_for_update().filter(pk=export_id).first()
        if export is None:
            return
        with writing_to(export.user):
            reason = _(reason)
        name = export.file.name
        export.file.name = ""
        export.finished_at = timezone.now()
        job_failed(
            export,
            status=DataExport.Status.FAILED,
            reason=reason,
            files=[name],
            also=["file", "finished_at"],
        )


@transaction.atomic
def data_exports_expire(*, now=None) -> int:
    """Remove the archives of exports past their expiry (a periodic job); returns how many."""
    now = now or timezone.now()
    expired = list(
        DataExport.objects.select_for_update().filter(
            status=DataExport.Status.READY, expires_at__lte=now
        )
    )
    names = [export.file.name for export in expired]
    DataExport.objects.filter(pk__in=[export.pk for export in expired]).update(
        status=DataExport.Status.EXPIRED, file=""
    )
    files_delete_on_commit(names)
    return len(expired)


def _archive_write(path: Path, *, user: User, progress: Callable[[str, float], None]) -> None:
    """The profile, then each app's section (accounts.exports) in order, then a README."""
    now = timezone.now()
    with zipfile.ZipFile(path, "w", allowZip64=True) as zf:
        archive = ExportArchive(zf, timezone.localtime(now))
        progress("profile", 2)
        archive.write_json("profile.json", _profile(user))
        sections = export_sections()
        whole = sum(section.weight for section in sections) or 1
        done = 0
        for section in sections:
            # Each section's own 0..1 maps onto its share of 5..95 (saving starts at 95).
            low = 5 + 90 * done / whole
            high = 5 + 90 * (done + section.weight) / whole
            progress(section.stage, low)
            section.write(archive, user, _section_progress(progress, section.stage, low, high))
            done += section.weight
        expires_on = f"{now + _export_expiry():%Y-%m-%d}"
        with writing_to(user):
            readme = _(EXPORT_README).format(
                exported_at=f"{now:%Y-%m-%d %H:%M}", expires_on=expires_on
            )
        archive.write("README.txt", readme.encode("utf-8"))


def _section_progress(
    progress: Callable[[str, float], None], stage: str, low: float, high: float
) -> Callable[[float], None]:
    def report(fraction: float) -> None:
        progress(stage, low + (high - low) * max(0.0, min(1.0, fraction)))

    return report


def _profile(user: User) -> dict:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "bio": user.bio,
        "payout_email": user.payout_email,
        "joined": user.date_joined,
    }


# --- closing an account --------------------------------------------------------------------


def account_delete(*, user: User, password: str) -> User:
    """A person deletes their account, confirming with their password (see the module doc)."""
    if not password or not user.check_password(password):
        raise ValidationError(
            {"password": [_("That is not your password; your account was not deleted.")]}
        )
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        exports = list(user.data_exports.values_list("file", flat=True))
        user.data_exports.all().delete()
        files_delete_on_commit(exports)
        Token.objects.filter(user=user).delete()
        # Their works, projects, memberships, comments: each app forgets its part
        # (accounts.closing), in this transaction.
        account_closing.send(sender=User, user=user)
        _account_scrub(user)
    return user


def _account_scrub(user: User) -> None:
    owed = money_owed(user)
    user.payout_email = (user.payout_email or user.email) if owed else ""
    user.username = f"{CLOSED_USERNAME_PREFIX}{user.pk}"
    # The old name's shape goes with it: it was personal data, and the name is free again.
    # "deleted-" names are reserved at sign-up, so they need no shape to be kept apart.
    user.username_skeleton = None
    user.display_name = CLOSED_DISPLAY_NAME
    user.email = ""
    user.first_name = ""
    user.last_name = ""
    user.bio = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()
    user.save()
    public_reads_changed()  # tombstones keep showing their author, now renamed
    user.groups.clear()
    user.user_permissions.clear()
