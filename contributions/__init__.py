"""Contributions: artists' uploaded work, remix links between works, licenses and lineage."""
