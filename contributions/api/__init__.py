"""Contributions API views, a module per area: works (list, upload, detail, files),
lineage (lineage, picture, credits), lineage_export (the NDJSON export) and licenses."""

from contributions.api.licenses import (
    LicensesAllowedApi,
)
from contributions.api.lineage import (
    ContributionCreditsApi,
    ContributionLineageApi,
    ContributionLineageSvgApi,
    CreditSerializer,
    CreditWorkSerializer,
    LineageEdgeSerializer,
    LineageNodeSerializer,
    LineageOutputSerializer,
    LineageQuerySerializer,
    LineageUnavailable,
)
from contributions.api.lineage_export import ContributionLineageExportApi
from contributions.api.works import (
    ContributionDetailApi,
    ContributionDetailOutputSerializer,
    ContributionListCreateApi,
    ContributionOriginalApi,
    ContributionOutputSerializer,
    MediaSerializer,
    ProgressSerializer,
    RenditionFileApi,
    RenditionSerializer,
    SourcesField,
)

__all__ = [
    "ContributionCreditsApi",
    "ContributionDetailApi",
    "ContributionDetailOutputSerializer",
    "ContributionLineageApi",
    "ContributionLineageExportApi",
    "ContributionLineageSvgApi",
    "ContributionListCreateApi",
    "ContributionOriginalApi",
    "ContributionOutputSerializer",
    "CreditSerializer",
    "CreditWorkSerializer",
    "LicensesAllowedApi",
    "LineageEdgeSerializer",
    "LineageNodeSerializer",
    "LineageOutputSerializer",
    "LineageQuerySerializer",
    "LineageUnavailable",
    "MediaSerializer",
    "ProgressSerializer",
    "RenditionFileApi",
    "RenditionSerializer",
    "SourcesField",
]
