"""The ranges a list of works is filtered by, checked alike for the API and the browse page."""

from collections.abc import Mapping

from django.utils.translation import gettext as _

# A duration filter past a day means nothing here (the pipeline refuses longer media).
MAX_DURATION_FILTER_S = 86_400


def ranges_refused(filters: Mapping[str, object]) -> dict[str, list[str]]:
    """What is wrong with the ranges among these filters, by field (empty: nothing)."""
    problems: dict[str, list[str]] = {}
    low, high = filters.get("duration_min"), filters.get("duration_max")
    if low is not None and high is not None and low > high:  # type: ignore[operator]
        problems["duration_max"] = [
            _(
                "The longest duration (%(high)s s) is shorter than the shortest "
                "(%(low)s s): swap them."
            )
            % {"high": f"{high:g}", "low": f"{low:g}"}
        ]
    after, before = filters.get("created_after"), filters.get("created_before")
    if after and before and after > before:  # type: ignore[operator]
        problems["created_before"] = [
            _("“Created before” (%(before)s) is earlier than “created after” (%(after)s).")
            % {"before": before, "after": after}
        ]
    return problems
