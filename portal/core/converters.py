"""URL converters shared by the apps."""

from __future__ import annotations


class SpreadsheetFormat:
    """ "xlsx" or "csv", the two formats of exports and import templates."""

    regex = "xlsx|csv"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
