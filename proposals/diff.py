"""Who gains or loses what between two revisions of a proposal: exact, pure, no Django."""

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

ZERO = Fraction(0)


@dataclass(frozen=True)
class ShareChange:
    user_id: int
    before: Fraction
    after: Fraction

    @property
    def change(self) -> Fraction:
        return self.after - self.before

    @property
    def status(self) -> str:
        if self.change > 0:
            return "gains"
        if self.change < 0:
            return "loses"
        return "same"


@dataclass(frozen=True)
class ShareDiff:
    people: list[ShareChange]  # everyone in either revision, by user id
    added: list[int]  # people only in the later revision
    removed: list[int]  # people only in the earlier one


def share_diff(before: Mapping[int, Fraction], after: Mapping[int, Fraction]) -> ShareDiff:
    """Per person, their share before and after. A person missing on one side has 0 there.

    When both sides sum to 1 (as every split does), the changes sum to exactly 0.
    """
    people = sorted(set(before) | set(after))
    return ShareDiff(
        people=[ShareChange(u, before.get(u, ZERO), after.get(u, ZERO)) for u in people],
        added=[u for u in people if u not in before],
        removed=[u for u in people if u not in after],
    )
