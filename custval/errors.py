"""User-facing errors: one base class so the CLI can turn any of them into exit code 2."""

from __future__ import annotations


class DataError(ValueError):
    """A problem with the user's data or configuration that the user can fix.

    The message always names the file and, where one is involved, the column, with up to
    five example values; the CLI prints it without a traceback and exits with code 2.
    """


class FileFormatError(DataError):
    """The file cannot be read: unknown extension, undetectable encoding, empty file."""


class MissingColumnError(DataError):
    """A required column is absent after column mapping."""


class ColumnError(DataError):
    """A column as a whole cannot be used (ambiguous dates, clashing mapping)."""


class ConfigError(DataError):
    """The configuration file is missing, malformed or has unknown keys."""


def examples(values, n: int = 5) -> str:
    """Up to ``n`` distinct example values, formatted for an error message."""
    seen: list[str] = []
    for value in values:
        text = repr(value) if not isinstance(value, str) else f"'{value}'"
        if text not in seen:
            seen.append(text)
        if len(seen) == n:
            break
    return ", ".join(seen)
