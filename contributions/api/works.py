"""Contributions API: the list, uploading, one work, its original and renditions."""

import math
from functools import cached_property

from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from contributions.filters import MAX_DURATION_FILTER_S, ranges_refused
from contributions.licenses import (
    LICENSE_CHOICES,
)
from contributions.models import Contribution
from contributions.selectors import (
    contribution_get,
    contribution_list,
    original_download,
)
from contributions.services import (
    contribution_create,
    contribution_delete,
    contribution_file_replace,
    contribution_update,
)
from contributions.tagged_page import SHOWN_ROLES, tagged_works
from hitrec.api import StandardPagination, UserRefSerializer
from hitrec.caching import CONTRIBUTIONS, cached_read
from hitrec.files import stored_file_response
from hitrec.jobs import progress_shown
from hitrec.parsers import JSONParser
from hitrec.search_fields import SearchTextField
from hitrec.tag_fields import RepeatedField, TagsField
from hitrec.throttles import UploadRateThrottle


class RenditionSerializer(serializers.Serializer):
    url = serializers.SerializerMethodField()
    mime = serializers.CharField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)

    def get_url(self, rendition) -> str:
        # Versioned (`?v=`): a reprocessed rendition keeps its name but gets a new URL.
        return self.context["request"].build_absolute_uri(rendition.url_path)


class MediaSerializer(serializers.Serializer):
    """The contract's `media` object, built from the contribution and its renditions."""

    url = serializers.CharField(allow_null=True)
    mime = serializers.CharField()
    bytes = serializers.IntegerField()
    sha256 = serializers.CharField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    duration_s = serializers.FloatField(allow_null=True)
    thumbnails = RenditionSerializer(many=True)
    waveform = RenditionSerializer(allow_null=True)
    poster = RenditionSerializer(allow_null=True)
    preview = RenditionSerializer(allow_null=True)


def _media(contribution: Contribution, request) -> dict:
    by_role: dict[str, list] = {}
    for rendition in contribution.renditions.all():
        if rendition.role in SHOWN_ROLES:  # the lean path's roles too (tagged_page.py)
            by_role.setdefault(rendition.role, []).append(rendition)
    original = (
        request.build_absolute_uri(f"/api/contributions/{contribution.id}/original")
        if contribution.file
        else None
    )
    return {
        "url": original,
        "mime": contribution.mime,
        "bytes": contribution.bytes,
        "sha256": contribution.sha256,
        "width": contribution.width,
        "height": contribution.height,
        "duration_s": contribution.duration_s,
        "thumbnails": by_role.get("thumbnail", []),
        "waveform": (by_role.get("waveform") or [None])[0],
        "poster": (by_role.get("poster") or [None])[0],
        "preview": (by_role.get("preview") or [None])[0],
    }


class ProgressSerializer(serializers.Serializer):
    stage = serializers.CharField(help_text="The stage, in English (stable).")
    stage_label = serializers.CharField(help_text="The stage in the reader's language.")
    percent = serializers.IntegerField()


class LineageCountsSerializer(serializers.Serializer):
    """How many works are related to this one, counting those still present (exact)."""

    remixes = serializers.IntegerField(help_text="Works made directly from this one.")
    descendants = serializers.IntegerField(help_text="Works made from it at any remove.")
    ancestors = serializers.IntegerField(help_text="Works it builds on at any remove.")


def _lineage_counts(contribution: Contribution) -> dict:
    counts = contribution.lineage_counts  # kept by the database (contributions/ancestry.py)
    return {
        "remixes": counts.remixes,
        "descendants": counts.descendants,
        "ancestors": counts.ancestors,
    }


class ContributionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField()
    kind = serializers.CharField()
    author = UserRefSerializer()
    license = serializers.CharField()
    status = serializers.CharField()
    error = serializers.CharField()
    progress = serializers.SerializerMethodField()
    sources = serializers.SerializerMethodField()
    media = serializers.SerializerMethodField()
    removed = serializers.BooleanField(source="is_removed")
    created_at = serializers.DateTimeField()
    lineage_counts = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, obj) -> dict:
        return progress_shown(obj.progress_stage, obj.progress_percent)

    def get_sources(self, obj) -> list[int]:
        return obj.source_ids  # read with the work (contributions.selectors)

    @extend_schema_field(MediaSerializer)
    def get_media(self, obj) -> dict:
        return _media_body(obj, self.context["request"])

    @extend_schema_field(LineageCountsSerializer)
    def get_lineage_counts(self, obj) -> dict:
        return _lineage_counts(obj)

    def get_tags(self, obj) -> list[str]:
        return obj.tag_names  # read with the work, in the author's order

    def to_representation(self, obj) -> dict:
        """The fields above, built directly: the list's hot path (a page of 50 works with
        their renditions went through about 2,000 field objects; this is a third of the
        time). The declared fields stay the schema; tests compare the two."""
        return {
            "id": obj.id,
            "title": obj.title,
            "description": obj.description,
            "kind": obj.kind,
            "author": {"id": obj.author.id, "username": obj.author.username},
            "license": obj.license,
            "status": obj.status,
            "error": obj.error,
            "progress": self.get_progress(obj),
            "sources": self.get_sources(obj),
            "media": _media_body(obj, self.context["request"]),
            "removed": obj.is_removed,
            "created_at": self._created_at_field.to_representation(obj.created_at),
            "lineage_counts": _lineage_counts(obj),
            "tags": self.get_tags(obj),
        }

    @cached_property
    def _created_at_field(self) -> serializers.DateTimeField:
        return self.fields["created_at"]


def _rendition_body(rendition, origin: str) -> dict | None:
    if rendition is None:
        return None
    return {
        "url": f"{origin}{rendition.url_path}",
        "mime": rendition.mime,
        "width": rendition.width,
        "height": rendition.height,
    }


def _media_body(contribution: Contribution, request) -> dict:
    """`MediaSerializer`'s output for the contribution, built directly (see above)."""
    media = _media(contribution, request)
    origin = request.build_absolute_uri("/").rstrip("/")
    return {
        **media,
        "duration_s": None if media["duration_s"] is None else float(media["duration_s"]),
        "thumbnails": [_rendition_body(r, origin) for r in media["thumbnails"]],
        "waveform": _rendition_body(media["waveform"], origin),
        "poster": _rendition_body(media["poster"], origin),
        "preview": _rendition_body(media["preview"], origin),
    }


class ContributionDetailOutputSerializer(ContributionOutputSerializer):
    text = serializers.CharField()

    def to_representation(self, obj) -> dict:
        return {**super().to_representation(obj), "text": obj.text}


def get_or_404(contribution_id: int) -> Contribution:
    contribution = contribution_get(contribution_id=contribution_id)
    if contribution is None:
        raise Http404(_("No contribution with that id."))
    return contribution


class SourcesField(RepeatedField):
    """Source ids."""

    # Ids are 64-bit: a larger number is refused here, not by the database (a 500 on SQLite).
    child = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class DurationField(serializers.FloatField):
    """Seconds: a finite number from zero to a day."""

    def __init__(self, **kwargs) -> None:
        super().__init__(min_value=0, max_value=MAX_DURATION_FILTER_S, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return value


class ContributionListCreateApi(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    throttle_classes = [UploadRateThrottle]  # counts uploads only, not reads

    class FilterSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=Contribution.Kind.choices, required=False)
        author = serializers.CharField(required=False, max_length=150)
        license = serializers.ChoiceField(choices=LICENSE_CHOICES, required=False)
        search = SearchTextField(
            required=False,
            help_text="Words to find (full text: quotes, -word, or); most relevant first "
            "unless `ordering` is given.",
        )
        project = serializers.IntegerField(required=False, min_value=1)
        tag = TagsField(
            required=False, source="tags", help_text="Works with every one of these tags."
        )
        commercial = serializers.BooleanField(
            required=False,
            default=False,
            help_text="Only works that may be in a commercial release (by their licence).",
        )
        remixable_into = serializers.ChoiceField(
            choices=LICENSE_CHOICES,
            required=False,
            help_text="Only works that may be a source of a remix under this licence.",
        )
        duration_min = DurationField(required=False, help_text="Seconds, audio and video.")
        duration_max = DurationField(required=False, help_text="Seconds, audio and video.")
        created_after = serializers.DateField(
            required=False, help_text="Created on this day (UTC) or later."
        )
        created_before = serializers.DateField(
            required=False, help_text="Created on this day (UTC) or earlier."
        )
        ordering = serializers.ChoiceField(
            choices=["created_at", "-created_at", "title", "-title"], required=False
        )

        def validate(self, attrs: dict) -> dict:
            problems = ranges_refused(attrs)
            if problems:
                raise serializers.ValidationError(problems)
            return attrs

    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=200)
        description = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
        license = serializers.ChoiceField(choices=LICENSE_CHOICES, required=False)
        file = serializers.FileField(required=False, allow_empty_file=True, max_length=255)
        text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
        sources = SourcesField(required=False, max_length=50)
        project = serializers.IntegerField(required=False, min_value=1)
        tags = TagsField(required=False)

    @extend_schema(
        parameters=[FilterSerializer],
        responses=ContributionOutputSerializer(many=True),
    )
    # A project's accepted work changes with its submissions, which the generation ignores.
    @cached_read(CONTRIBUTIONS, uncached_params=("project",))
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = StandardPagination()
        # One tag, at most one licence, newest first: a fixed statement whose rows are the
        # page's JSON already (contributions/tagged_page.py). The setting is for its tests.
        if getattr(settings, "HITREC_LEAN_TAG_PAGE", True):
            origin = request.build_absolute_uri("/").rstrip("/")
            lean = tagged_works(origin=origin, **filters.validated_data)
            if lean is not None:
                rows: list | None = paginator.paginate_queryset(lean, request)  # type: ignore[arg-type]
                return paginator.get_paginated_response(rows)
        page = paginator.paginate_queryset(
            contribution_list(viewer=request.user, **filters.validated_data), request
        )
        data = ContributionOutputSerializer(page, many=True, context={"request": request}).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={201: ContributionDetailOutputSerializer},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contribution = contribution_create(author=request.user, **data.validated_data)
        contribution = get_or_404(contribution.id)
        body = ContributionDetailOutputSerializer(contribution, context={"request": request})
        return Response(body.data, status=status.HTTP_201_CREATED)


class ContributionDetailApi(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=200, required=False)
        description = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
        license = serializers.ChoiceField(choices=LICENSE_CHOICES, required=False)
        sources = SourcesField(required=False, max_length=50)
        tags = TagsField(required=False)

    @extend_schema(responses=ContributionDetailOutputSerializer)
    @cached_read(CONTRIBUTIONS)
    def get(self, request, contribution_id: int):
        contribution = get_or_404(contribution_id)
        return Response(
            ContributionDetailOutputSerializer(contribution, context={"request": request}).data
        )

    @extend_schema(request=InputSerializer, responses=ContributionDetailOutputSerializer)
    def patch(self, request, contribution_id: int):
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        contribution = contribution_update(
            contribution=get_or_404(contribution_id), actor=request.user, **data.validated_data
        )
        contribution = get_or_404(contribution.id)
        return Response(
            ContributionDetailOutputSerializer(contribution, context={"request": request}).data
        )

    @extend_schema(responses={204: None})
    def delete(self, request, contribution_id: int):
        contribution_delete(contribution=get_or_404(contribution_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ContributionOriginalApi(APIView):
    """The original file: downloaded as an attachment, or replaced by its author."""

    parser_classes = [MultiPartParser]
    throttle_classes = [UploadRateThrottle]  # counts replacements only, not downloads

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(allow_empty_file=True, max_length=255)

    def get_permissions(self):
        reading = self.request.method in ("GET", "HEAD")
        return [AllowAny()] if reading else super().get_permissions()

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, contribution_id: int):
        """The author (and staff) get the file as uploaded; everyone else gets the copy the
        pipeline made without its metadata, so no location leaves the original upload."""
        contribution = get_or_404(contribution_id)
        if not contribution.file or contribution.is_removed:
            raise Http404(_("This contribution has no file."))
        download = original_download(user=request.user, contribution=contribution)
        if download is None:
            raise Http404(_("The file can be downloaded once it has been processed."))
        return stored_file_response(
            request,
            download.stored_name,
            content_type="application/octet-stream",
            filename=download.filename,
            inline=False,
            # One URL, a different file by who asks: a signed-in reader's answer is theirs.
            public=not request.user.is_authenticated,
        )

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses=ContributionDetailOutputSerializer,
    )
    def put(self, request, contribution_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        contribution = contribution_file_replace(
            contribution=get_or_404(contribution_id), actor=request.user, **data.validated_data
        )
        contribution = get_or_404(contribution.id)
        return Response(
            ContributionDetailOutputSerializer(contribution, context={"request": request}).data
        )


class RenditionFileApi(APIView):
    """A rendition the pipeline produced (thumbnail, waveform, poster, preview), shown inline."""

    permission_classes = [AllowAny]

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, contribution_id: int, name: str):
        contribution = get_or_404(contribution_id)
        rendition = next((r for r in contribution.renditions.all() if r.name == name), None)
        if rendition is None or contribution.is_removed:
            raise Http404(_("No such rendition."))
        return stored_file_response(
            request,
            rendition.file.name,
            content_type=rendition.mime,
            filename=rendition.name,
            inline=True,
            public=True,
            # Only the URL with this content's version may be kept for good; an old or missing
            # `v` still answers (the current file) but is revalidated.
            immutable=request.query_params.get("v") == rendition.version,
        )
