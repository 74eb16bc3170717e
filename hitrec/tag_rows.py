"""Tags kept as rows of their own (a work's, an ask's, a person's skills), replaced as a list."""

from django.db.models import Model


def tag_rows_replace(
    rows: type[Model], owner_field: str, owner: Model, names: list[str]
) -> list[str]:
    """`owner` carries exactly these tags (normalised: hitrec/tag_fields.py), in the order
    given: its rows of the model `rows` (a foreign key `owner_field` and a `name`) are
    replaced, or left alone when they already say the same. Returns the names it carried
    before, in their order."""
    current = rows._default_manager.filter(**{owner_field: owner}).order_by("id")
    before = list(current.values_list("name", flat=True))
    if before == names:
        return before
    current.delete()
    rows._default_manager.bulk_create(rows(**{owner_field: owner, "name": name}) for name in names)
    return before
