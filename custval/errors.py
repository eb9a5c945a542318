"""User-facing errors: one base class (``DataError``) so the CLI can turn any of them into exit code 2.

Which to raise: when the *data the user supplied* is wrong (a file, a column, rows, a configuration
value, a table built from them that a model cannot fit), raise ``DataError`` or a subclass, naming the
file or table, the column and example rows or values, so that the user can fix the data. When a
*caller passed a bad argument* (a unit that does not exist, a negative horizon, a model used before
``fit``), raise ``ValueError`` (``NotFittedError`` for an unfitted model), naming the argument, what it
must be and what it got: that is a programming mistake, and the CLI shows its traceback.
``FitError`` is a ``DataError``: the data do not identify the model.
"""

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


class FitError(DataError):
    """A model could not be fitted to the data (the message says why)."""


class NotFittedError(ValueError, AttributeError):
    """A model's fitted results were asked for before ``fit`` (like scikit-learn's ``NotFittedError``)."""


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
