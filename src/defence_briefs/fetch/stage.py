"""Fetch raw files into data/raw: copy from a local mirror or download, verify sha256, then rename into place.

A file already in data/raw with the pinned sha256 is left alone. Nothing is ever written to the final
path until its bytes have been checked, so a failed or interrupted fetch leaves what was there untouched.
"""

from __future__ import annotations

import os
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import FetchError
from ..fileio import CHUNK, atomic_path, sha256_file, sha256_file_cached
from ..manifest import SourceFile
from ..project import MIRROR_ENV, Project

Reporter = Callable[[str], None]
USER_AGENT = "defence-briefs-fetch/0.1 (+reproducible research; respects publisher terms)"


@dataclass(frozen=True)
class FetchResult:
    """What fetch did for one file: 'present' (already verified), 'copied' or 'downloaded'."""

    file: SourceFile
    path: Path
    action: str
    origin: str


def mirror_from_env(explicit: str | Path | None) -> Path | None:
    """The mirror folder: the explicit argument, else $DEFENCE_DATA_MIRROR, else None."""
    value = explicit if explicit else os.environ.get(MIRROR_ENV)
    if not value:
        return None
    mirror = Path(value).expanduser()
    if not mirror.is_dir():
        source = "--mirror" if explicit else MIRROR_ENV
        raise FetchError(f"data mirror {mirror} (from {source}) is not a folder")
    return mirror.resolve()


def _remove_stale_parts(dest: Path) -> None:
    """Delete temporary files left by an earlier fetch of `dest` that was killed."""
    if dest.parent.is_dir():
        for stale in dest.parent.glob(f".{dest.name}.*.part"):
            stale.unlink(missing_ok=True)


def _check(tmp: Path, source_file: SourceFile, origin: str, display: str) -> None:
    size = tmp.stat().st_size
    digest = sha256_file(tmp)
    if digest != source_file.sha256:
        raise FetchError(
            f"{display}: sha256 mismatch for '{source_file.id}' from {origin}: expected "
            f"{source_file.sha256}, got {digest} ({size} bytes, manifest says {source_file.size}); "
            "nothing was written to data/raw"
        )


def _download(url: str, tmp: Path, source_file: SourceFile, timeout: float) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    limit = source_file.size + (1 << 20)
    written = 0
    with urllib.request.urlopen(request, timeout=timeout) as response, open(tmp, "wb") as out:
        while chunk := response.read(CHUNK):
            written += len(chunk)
            if written > limit:
                raise FetchError(f"{url}: response is larger than the {source_file.size} bytes the manifest pins")
            out.write(chunk)


def fetch_file(
    project: Project,
    source_file: SourceFile,
    mirror: Path | None,
    *,
    timeout: float = 60.0,
) -> FetchResult:
    """Make data/raw/<path> hold the pinned bytes of `source_file`; raise FetchError when no origin does."""
    dest = project.raw_dir / source_file.path
    display = project.display(dest)
    attempts: list[str] = []
    if dest.is_file():
        digest = sha256_file_cached(dest)
        if digest == source_file.sha256:
            return FetchResult(source_file, dest, "present", display)
        attempts.append(f"the file in data/raw was changed: its sha256 is {digest}, the manifest pins "
                        f"{source_file.sha256}; fetching a fresh copy")
    _remove_stale_parts(dest)
    if mirror is not None:
        candidate = mirror / source_file.path
        if candidate.is_file():
            try:
                with atomic_path(dest) as tmp:
                    shutil.copyfile(candidate, tmp)
                    _check(tmp, source_file, str(candidate), display)
                return FetchResult(source_file, dest, "copied", str(candidate))
            except FetchError as exc:
                attempts.append(str(exc))
        else:
            attempts.append(f"mirror {mirror}: no file {source_file.path}")
    for url in source_file.download_urls:
        try:
            with atomic_path(dest) as tmp:
                _download(url, tmp, source_file, timeout)
                _check(tmp, source_file, url, display)
            return FetchResult(source_file, dest, "downloaded", url)
        except urllib.error.HTTPError as exc:
            attempts.append(f"{url}: HTTP {exc.code} {exc.reason}")
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", None) or exc
            attempts.append(f"{url}: {reason}")
        except FetchError as exc:
            attempts.append(str(exc))
    if not source_file.download_urls:
        attempts.append("the manifest has no download URL for it")
    hint = "" if mirror else f" (set {MIRROR_ENV} or pass --mirror to copy from a local folder)"
    kept = "\n  The existing file was left untouched." if dest.exists() else ""
    raise FetchError(
        f"{display}: could not fetch '{source_file.id}'{hint}:\n  - " + "\n  - ".join(attempts) + kept
    )


def fetch_files(
    project: Project,
    files: Iterable[SourceFile],
    mirror: Path | None,
    report: Reporter = print,
    *,
    timeout: float = 60.0,
) -> list[FetchResult]:
    """Fetch every file (each once, in order), reporting copies and downloads; stop at the first failure."""
    unique: dict[str, SourceFile] = {}
    for source_file in files:
        unique.setdefault(source_file.id, source_file)
    results = []
    total = len(unique)
    for index, source_file in enumerate(unique.values(), start=1):
        result = fetch_file(project, source_file, mirror, timeout=timeout)
        if result.action != "present":
            report(f"fetch [{index}/{total}] {source_file.id}: {result.action} from {result.origin}")
        results.append(result)
    present = sum(r.action == "present" for r in results)
    report(f"fetch: {total} files ok ({present} already present and verified, {total - present} fetched)")
    return results
