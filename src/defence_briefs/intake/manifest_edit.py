"""Writing a new release into data/sources.toml with tomlkit, so that its comments, order and layout are kept."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import tomlkit
from tomlkit.items import AoT, Table

from .recognise import Recognised

URL_NOTE = "the publisher's download URL: fill it in (or pin public copies in `copies`)"


@dataclass(frozen=True)
class NewFile:
    """A recognised file with its pin."""

    file: Recognised
    sha256: str
    size: int


def _entry(new: NewFile, release: str) -> Table:
    file = new.file
    table = tomlkit.table()
    for key, value in (("id", file.id), ("title", file.title), ("edition", file.edition),
                       ("published", file.published), ("source", file.source), ("publisher", file.publisher),
                       ("source_release", file.source_release), ("path", file.raw_path), ("parser", file.parser),
                       ("role", file.role), ("releases", [release]), ("url", ""), ("landing_page", file.landing_page),
                       ("sha256", new.sha256), ("size", new.size)):
        if value is None:
            continue
        table.add(key, value)
        if key == "url":
            table["url"].comment(URL_NOTE)
    table.add(tomlkit.nl())
    return table


def _replaces(table: Table, file: Recognised, base: str) -> bool:
    """True when the manifest entry `table` is a file of `base` with the role `file` fills."""
    return base in table.get("releases", []) and table.get("role") == file.role


def add_release(text: str, name: str, title: str, date: dt.date, last_data_year: int, new_files: list[NewFile],
                carried: list[str], base: str) -> str:
    """The manifest text with release `name` added: its table after the last release, each new file's entry just
    before the entry of the base release it replaces (newest first, as the manifest lists them; at the end when it
    replaces none), and `name` added to the releases of the `carried` file ids."""
    document = tomlkit.parse(text)
    release = tomlkit.table()
    release.add("title", title)
    release.add("date", date)
    release.add("last_data_year", last_data_year)
    release.add(tomlkit.nl())
    document["releases"].add(name, release)
    files: AoT = document["files"]
    wanted = set(carried)
    for table in files:
        if table["id"] in wanted:
            table["releases"].append(name)
    for new in new_files:
        position = next((i for i, table in enumerate(files) if _replaces(table, new.file, base)), len(files))
        files.insert(position, _entry(new, name))
    return tomlkit.dumps(document)
