"""Projects API views, a module per area: projects (and members, asks), submissions
(and resources, decisions) and releases."""

from projects.api.projects import (
    AskOutputSerializer,
    MemberOutputSerializer,
    ProjectArchiveApi,
    ProjectAskDetailApi,
    ProjectAsksApi,
    ProjectCoverApi,
    ProjectDetailApi,
    ProjectListCreateApi,
    ProjectMemberAcceptApi,
    ProjectMemberDetailApi,
    ProjectMembersApi,
    ProjectOpenApi,
    ProjectOutputSerializer,
)
from projects.api.releases import (
    ProjectReleaseApi,
    ReleaseCreditInputSerializer,
    ReleaseCreditOutputSerializer,
    ReleaseOutputSerializer,
    WeightField,
)
from projects.api.submissions import (
    ContributionRefSerializer,
    ProjectResourcesApi,
    ProjectSubmissionsApi,
    SubmissionAcceptApi,
    SubmissionDecisionInputSerializer,
    SubmissionDeclineApi,
    SubmissionOutputSerializer,
    SubmissionWithdrawApi,
)

__all__ = [
    "AskOutputSerializer",
    "ContributionRefSerializer",
    "MemberOutputSerializer",
    "ProjectArchiveApi",
    "ProjectAskDetailApi",
    "ProjectAsksApi",
    "ProjectCoverApi",
    "ProjectDetailApi",
    "ProjectListCreateApi",
    "ProjectMemberAcceptApi",
    "ProjectMemberDetailApi",
    "ProjectMembersApi",
    "ProjectOpenApi",
    "ProjectOutputSerializer",
    "ProjectReleaseApi",
    "ProjectResourcesApi",
    "ProjectSubmissionsApi",
    "ReleaseCreditInputSerializer",
    "ReleaseCreditOutputSerializer",
    "ReleaseOutputSerializer",
    "SubmissionAcceptApi",
    "SubmissionDecisionInputSerializer",
    "SubmissionDeclineApi",
    "SubmissionOutputSerializer",
    "SubmissionWithdrawApi",
    "WeightField",
]
