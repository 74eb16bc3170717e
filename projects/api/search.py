"""GET /api/search/: works, projects and artists matching a query, each section paged alone.

Here rather than in contributions or accounts because it reads all three (the apps depend one
way: projects is the lowest that sees works, projects and people). Public things only:
removed works and draft projects are never found, and artists show no more than their
public profile does.
"""

from urllib.parse import urlencode

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from hitrec.api import UserRefSerializer
from hitrec.search_fields import SearchTextField
from projects.search import SECTIONS, site_search

MAX_PAGE_SIZE = 50


class HighlightSerializer(serializers.Serializer):
    """Safe HTML: the text escaped, the words found in <mark> elements (and nothing else)."""

    title = serializers.CharField()
    snippet = serializers.CharField(help_text="A passage where the words are; may be empty.")


class WorkFoundSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="work.id")
    title = serializers.CharField(source="work.title")
    kind = serializers.CharField(source="work.kind")
    license = serializers.CharField(source="work.license")
    author = UserRefSerializer(source="work.author")
    tags = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField(source="work.created_at")
    highlight = serializers.SerializerMethodField()

    @extend_schema(responses=HighlightSerializer)
    def get_highlight(self, found) -> dict:
        return {"title": found.title, "snippet": found.snippet}


class ProjectFoundSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="project.id")
    title = serializers.CharField(source="project.title")
    status = serializers.CharField(source="project.status")
    owner = UserRefSerializer(source="project.owner")
    created_at = serializers.DateTimeField(source="project.created_at")
    highlight = serializers.SerializerMethodField()

    @extend_schema(responses=HighlightSerializer)
    def get_highlight(self, found) -> dict:
        return {"title": found.title, "snippet": found.snippet}


class ArtistFoundSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="artist.id")
    username = serializers.CharField(source="artist.username")
    display_name = serializers.CharField(source="artist.display_name")
    highlight = serializers.SerializerMethodField()

    def get_highlight(self, found) -> dict[str, str]:
        """The username and display name as safe HTML, the words found in <mark>."""
        return {"username": found.username, "display_name": found.display_name}


def _section_schema(name: str, item: type[serializers.Serializer]) -> serializers.Serializer:
    return inline_serializer(
        name=f"Search{name.capitalize()}",
        fields={
            "count": serializers.IntegerField(
                help_text="At most the section's window: 200 works, 1,000 projects (see `capped`)."
            ),
            "capped": serializers.BooleanField(
                help_text="More matched than the window holds: the most relevant of the newest "
                "are shown, and `count` is the window's size."
            ),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item(many=True),
        },
    )


class SearchApi(APIView):
    """Full text: words are all required, "quoted words" a phrase, -word leaves out, `or`
    accepts either; the last word matches as a prefix. Most relevant first, then newest. When
    no work matches, mistyped words are corrected and `corrected` says the query searched."""

    class InputSerializer(serializers.Serializer):
        q = SearchTextField(help_text="What to find.")
        section = serializers.ChoiceField(
            choices=SECTIONS,
            required=False,
            help_text="One section only, paged by `page` (without it: the first page of each).",
        )
        page = serializers.IntegerField(min_value=1, max_value=1000, default=1)
        page_size = serializers.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE, default=20)

        def validate(self, attrs: dict) -> dict:
            if attrs["page"] > 1 and "section" not in attrs:
                raise serializers.ValidationError(
                    {"page": [_("Say which section to page through: each pages on its own.")]}
                )
            return attrs

    @extend_schema(
        parameters=[InputSerializer],
        responses=inline_serializer(
            name="SearchResults",
            fields={
                "query": serializers.CharField(),
                "corrected": serializers.CharField(
                    allow_null=True, help_text="The query the works were found with instead."
                ),
                "contributions": _section_schema("contributions", WorkFoundSerializer),
                "projects": _section_schema("projects", ProjectFoundSerializer),
                "artists": _section_schema("artists", ArtistFoundSerializer),
            },
        ),
    )
    def get(self, request):
        data = self.InputSerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        found = site_search(text=data.validated_data.pop("q"), **data.validated_data)
        body: dict = {"query": found.query.text, "corrected": None}
        works = found.contributions
        if works is not None and works.corrected is not None:
            body["corrected"] = works.corrected.typed()
        sections = {
            "contributions": (works, WorkFoundSerializer),
            "projects": (found.projects, ProjectFoundSerializer),
            "artists": (found.artists, ArtistFoundSerializer),
        }
        for name, (section, serializer) in sections.items():
            if section is None:
                continue
            body[name] = {
                "count": section.count,
                "capped": section.capped,
                "next": self._link(request, name, found, section.count, +1),
                "previous": self._link(request, name, found, section.count, -1),
                "results": serializer(section.found, many=True).data,
            }
        return Response(body)

    @staticmethod
    def _link(request, name: str, found, count: int, step: int) -> str | None:
        page = found.offset // found.limit + 1 + step
        if page < 1 or (step > 0 and found.offset + found.limit >= count):
            return None
        query = {"q": found.query.text, "section": name, "page": page}
        if found.limit != 20:
            query["page_size"] = found.limit
        return request.build_absolute_uri(f"{request.path}?{urlencode(query)}")
