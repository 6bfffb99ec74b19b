"""User-facing errors: each names the file and, where there is one, the sheet, row and column."""

from __future__ import annotations

from pathlib import Path


class DataError(Exception):
    """An error the user can act on; the CLI prints it without a traceback and exits non-zero."""


class ManifestError(DataError):
    """The source manifest (data/sources.toml) is malformed or names something unknown."""


class FetchError(DataError):
    """A raw file could not be fetched or did not match its pinned sha256."""


class InputError(DataError):
    """A raw input file does not have the expected format or content.

    The message always starts with the file, then sheet, row and column where known.
    """

    def __init__(
        self,
        file: str | Path,
        message: str,
        *,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file = str(file)
        self.sheet = sheet
        self.row = row
        self.column = column
        self.detail = message
        super().__init__(self._format())

    def __reduce__(self):
        # as built, so that the error crosses from a worker process (metrics of releases side by side) whole
        return (_input_error, (self.file, self.detail, self.sheet, self.row, self.column))

    def location(self) -> str:
        """Return 'file, sheet 'S', row R, column C' with the parts that are known."""
        parts = [self.file]
        if self.sheet is not None:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def _format(self) -> str:
        return f"{self.location()}: {self.detail}"


def _input_error(file: str, message: str, sheet: str | None, row: int | None, column: str | None) -> InputError:
    return InputError(file, message, sheet=sheet, row=row, column=column)


class UsageError(DataError):
    """A command-line option or notebook parameter names something that does not exist (a country, a format)."""
