"""Contributions API: a work's whole lineage as a stream of JSON lines (NDJSON)."""

import json
from collections.abc import Generator, Iterator

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.views import APIView

from contributions.api.lineage import LineageQuerySerializer, _lineage_or_404
from contributions.lineage import LineageEdge, LineageNode
from contributions.lineage_export import LineageExport, lineage_export
from hitrec.throttles import ExportRateThrottle

CONTENT_TYPE = "application/x-ndjson; charset=utf-8"
# Lines joined into one write (about 100 kB): 200 writes for 100,000 nodes and their links,
# not 200,000.
LINES_PER_CHUNK = 1000

# Compact, and UTF-8 as it is (the JSON API's own choice): the file is read by programs.
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode
# A string as a JSON string (json's own C function, the one `_encode` uses).
_string = json.encoder.encode_basestring


class NdjsonRenderer(BaseRenderer):
    """Lets a client that accepts only NDJSON be answered: a refusal (400, 404) then comes as
    one JSON line, where DRF would otherwise answer 406 Not Acceptable."""

    media_type = "application/x-ndjson"
    format = "ndjson"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return (_encode(data) + "\n").encode() if data is not None else b""


# The two kinds of line, filled in by hand: three to four times faster than a dict through
# the encoder (the same bytes), and encoding is a large part of an export's time. The keys
# are those of the JSON lineage's nodes and edges (LineageNodeSerializer,
# LineageEdgeSerializer), plus "type"; strings go through json's own escaping, numbers are
# ints, and `direction` is one of three words.
_NODE = (
    '{{"type":"node","id":{},"title":{},"kind":{},"author":{{"id":{},"username":{}}},'
    '"depth":{},"direction":"{}","removed":{}}}'
)
_LINK = '{{"type":"link","source":{},"remix":{}}}'


def _line(record: LineageNode | LineageEdge) -> str:
    if isinstance(record, LineageEdge):
        return _LINK.format(record.source, record.remix)
    return _NODE.format(
        record.id,
        _string(record.title),
        _string(record.kind),
        record.author_id,
        _string(record.author_username),
        record.depth,
        record.direction,
        "true" if record.removed else "false",
    )


class NdjsonStream:
    """The records as NDJSON, `LINES_PER_CHUNK` lines a chunk. The response closes it when
    done, which releases the export's cursor, even when the stream was never read (a client
    gone before the first byte)."""

    def __init__(self, records: LineageExport):
        self._records = records
        self._chunks = self._encoded()

    def __iter__(self) -> Iterator[bytes]:
        return self._chunks

    def close(self) -> None:
        self._chunks.close()
        self._records.close()

    def _encoded(self) -> Generator[bytes, None, None]:
        lines: list[str] = []
        for record in self._records:
            lines.append(_line(record))
            if len(lines) == LINES_PER_CHUNK:
                yield ("\n".join(lines) + "\n").encode()
                lines.clear()
        if lines:
            yield ("\n".join(lines) + "\n").encode()


class ContributionLineageExportApi(APIView):
    """A work's whole lineage, any size, as NDJSON (one JSON object a line), streamed as it
    is read: every node, `{"type": "node", "id", "title", "kind", "author": {"id",
    "username"}, "depth", "direction", "removed"}`, the work first, then its ancestors, then
    its descendants, each side by depth and id; then every link among them once, `{"type":
    "link", "source", "remix"}`. `direction` and `depth` as for the lineage."""

    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer, NdjsonRenderer]
    throttle_classes = [ExportRateThrottle]

    @extend_schema(
        # `format` is DRF's override of the Accept header, there for the refusals only.
        parameters=[LineageQuerySerializer, OpenApiParameter("format", exclude=True)],
        responses={(200, "application/x-ndjson"): OpenApiTypes.STR},
    )
    def get(self, request, contribution_id: int):
        query = LineageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        records = _lineage_or_404(contribution_id, lineage_export, **query.validated_data)
        response = StreamingHttpResponse(NdjsonStream(records), content_type=CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="lineage-{contribution_id}.ndjson"'
        return response
