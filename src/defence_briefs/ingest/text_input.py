"""Reading text inputs: decoding with a clear error, and parsing numbers with the place named."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError


def read_text(path: Path, file: str, encoding: str) -> str:
    """Decode a text file; an empty file or bytes in the wrong encoding are InputErrors naming the line.

    For 'latin-1' (SIPRI's portal exports), a file that is valid UTF-8 with non-ASCII characters is
    rejected: it was re-saved, and reading it as Latin-1 would silently garble names.
    """
    data = path.read_bytes()
    if not data.strip():
        raise InputError(file, "the file is empty")
    if encoding == "latin-1":
        if data.startswith(b"\xef\xbb\xbf"):
            raise InputError(file, "the file starts with a UTF-8 byte-order mark; expected Latin-1 (Windows-1252)",
                             row=1, column="1")
        if any(byte >= 0x80 for byte in data):
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                line, column = _first_non_ascii(data)
                raise InputError(
                    file, "the file is UTF-8 encoded; expected Latin-1 (Windows-1252) as SIPRI exports it",
                    row=line, column=str(column),
                )
        return data.decode("latin-1")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(file, f"byte 0x{data[exc.start]:02x} is not valid {encoding}", row=line,
                         column=str(column)) from None


def _first_non_ascii(data: bytes) -> tuple[int, int]:
    index = next(i for i, byte in enumerate(data) if byte >= 0x80)
    return data.count(b"\n", 0, index) + 1, index - (data.rfind(b"\n", 0, index) + 1) + 1


def parse_number(text: str, file: str, line: int, column: str, *, integer: bool = False) -> float | None:
    """'' -> None; '12', '0 ', '3.5' -> number; anything else is an InputError at (line, column)."""
    stripped = text.strip()
    if stripped == "":
        return None
    try:
        value = float(stripped)
    except ValueError:
        raise InputError(file, f"expected a number, found {text!r}", row=line, column=column) from None
    if integer and not value.is_integer():
        raise InputError(file, f"expected a whole number, found {text!r}", row=line, column=column)
    return value
