"""Fingerprints of build inputs: what a stage's or a brief's output was made from, as one sha256 string.

A build step is up to date when the fingerprint of its inputs equals the one recorded when its output was
written. A step's code is found from the code itself: the modules it starts from and every module of this
package they import, transitively (any `import` statement, at module level or inside a function, relative or
absolute), the package's reference tables and the other files beside them (a Lua script) those modules name, and
the versions of the libraries they import.
No list is kept by hand, so a module a step comes to import is covered the moment the import is written.
Templates are fingerprinted one by one by the site build (a page template changes pages, not PDFs).
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import sys
from collections.abc import Iterable
from functools import cache
from importlib import metadata
from pathlib import Path

from .fileio import sha256_file

PACKAGE = "defence_briefs"
PACKAGE_DIR = Path(__file__).resolve().parent
DATA_FOLDERS = ("reference",)  # package data a module reads by naming the file (templates: see above)


def digest(*parts: object) -> str:
    """sha256 over JSON-serialised parts (dicts with sorted keys), so equal inputs give equal strings."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def bytes_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes, or 'missing' when there is no such file."""
    return sha256_file(path) if path.is_file() else "missing"


def module_file(name: str, package_dir: Path) -> Path | None:
    """The source file of a module of this package (`defence_briefs.x.y`), or None when there is none."""
    parts = name.split(".")
    if parts[0] != PACKAGE:
        return None
    base = package_dir.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_names(tree: ast.AST, module: str, is_package: bool) -> tuple[set[str], set[str]]:
    """(modules of this package, top-level names of other libraries) that a module's syntax tree imports."""
    internal, external = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                (internal if alias.name.split(".")[0] == PACKAGE else external).add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != PACKAGE:
                external.add(target)
                continue
            internal.add(target)
            # `from package import name`: the name may be a module of the package
            internal.update(f"{target}.{alias.name}" for alias in node.names)
    return internal, {name.split(".")[0] for name in external if name}


# an import statement at any indentation, with a parenthesised list of names over several lines
IMPORT_STATEMENT = re.compile(
    r"^[ \t]*(?:from[ \t]+\.*[\w.]*[ \t]+import[ \t]+(?:\([^)]*\)|[^\n]*)|import[ \t]+[^\n]*)", re.MULTILINE)


def import_statements(source: str) -> ast.Module:
    """A module of the import statements of `source`, each found by pattern and parsed on its own (parsing the whole
    module costs ten times as much). A docstring line that reads as an import only widens a fingerprint."""
    body: list[ast.stmt] = []
    for match in IMPORT_STATEMENT.finditer(source):
        try:
            body.extend(ast.parse(match.group(0).strip()).body)
        except SyntaxError:  # prose that starts like an import
            continue
    return ast.Module(body=body, type_ignores=[])


@cache
def _module_imports(name: str, path: Path, mtime_ns: int, size: int) -> tuple[set[str], set[str]]:
    """`_imported_names` of one module file, found once per version of the file (several closures share it)."""
    return _imported_names(import_statements(path.read_text(encoding="utf-8")), name, path.name == "__init__.py")


def _with_parents(name: str) -> list[str]:
    """A module and the packages that hold it (importing it runs each package's __init__)."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


@cache
def module_closure(roots: tuple[str, ...], package_dir: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Every module of this package that importing `roots` can run (sorted), and the top-level names of the
    other libraries they import."""
    seen: set[str] = set()
    libraries: set[str] = set()
    queue = [parent for root in roots for parent in _with_parents(root)]
    while queue:
        name = queue.pop()
        if name in seen:
            continue
        path = module_file(name, package_dir)
        if path is None:
            continue  # a name imported from a module, not a module
        seen.add(name)
        stat = path.stat()
        internal, external = _module_imports(name, path, stat.st_mtime_ns, stat.st_size)
        libraries |= external
        queue.extend(parent for target in internal for parent in _with_parents(target) if parent not in seen)
    stdlib = set(sys.stdlib_module_names)
    return tuple(sorted(seen)), tuple(sorted(lib for lib in libraries if lib not in stdlib and lib != "__future__"))


def data_files(modules: Iterable[str], package_dir: Path) -> list[Path]:
    """The package's reference tables, and the files beside a module that are not Python (a pandoc Lua script),
    that the modules name (as a string holding the file's name)."""
    modules = list(modules)
    folders = {package_dir / folder for folder in DATA_FOLDERS} | {module_file(name, package_dir).parent
                                                                    for name in modules}
    files = sorted(p for folder in folders for p in folder.glob("*") if p.is_file() and p.suffix not in (".py", ".pyc"))
    sources = [module_file(name, package_dir).read_text(encoding="utf-8") for name in modules]
    return [p for p in files if any(f'"{p.name}"' in text or f"'{p.name}'" in text or f"/{p.name}\"" in text
                                    for text in sources)]


@cache
def _distributions_by_module() -> dict[str, list[str]]:
    """Which installed distributions provide each top-level import name (reading every distribution's file list
    takes a third of a second, so once per process)."""
    return metadata.packages_distributions()


def library_versions(names: Iterable[str]) -> dict[str, str]:
    """The installed version of each distribution providing these top-level import names."""
    providers = _distributions_by_module()
    versions = {}
    for name in names:
        for distribution in providers.get(name, [name]):
            try:
                versions[distribution] = metadata.version(distribution)
            except metadata.PackageNotFoundError:
                versions[distribution] = "absent"
    return versions


def code_digest(roots: tuple[str, ...], package_dir: Path | None = None) -> str:
    """sha256 over the source of every module importing `roots` can run, the reference tables they name and
    the versions of the libraries they import (modules read from `package_dir`, default: this package's)."""
    return _code_digest(tuple(sorted(roots)), package_dir or PACKAGE_DIR)


@cache
def _code_digest(roots: tuple[str, ...], package_dir: Path) -> str:
    modules, libraries = module_closure(roots, package_dir)
    hasher = hashlib.sha256()
    for name in modules:
        hasher.update(name.encode() + b"\0" + module_file(name, package_dir).read_bytes() + b"\0")
    for path in data_files(modules, package_dir):
        hasher.update(str(path.relative_to(package_dir)).encode() + b"\0" + path.read_bytes() + b"\0")
    hasher.update(json.dumps(library_versions(libraries), sort_keys=True).encode())
    return hasher.hexdigest()


def notebook_imports(path: Path) -> tuple[str, ...]:
    """The modules of this package that a notebook's code cells import (absolute imports only, as notebooks
    write them)."""
    import nbformat

    names: set[str] = set()
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:  # IPython magics: not an import of ours
            continue
        internal, _ = _imported_names(tree, "__main__", False)
        names |= internal
    return tuple(sorted(names))
