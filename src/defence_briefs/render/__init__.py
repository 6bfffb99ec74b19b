"""Turn executed notebooks into the site (HTML through pandoc) and the PDF briefs (pandoc to typst)."""

import os
from importlib import resources
from pathlib import Path

TEMPLATES_ENV = "DEFENCE_TEMPLATES"


def template_path(name: str) -> Path:
    """A template: from the folder in $DEFENCE_TEMPLATES when it holds one of that name (a site's own look),
    else the package's templates folder."""
    override = os.environ.get(TEMPLATES_ENV)
    if override and (Path(override) / name).is_file():
        return Path(override) / name
    return Path(str(resources.files("defence_briefs") / "render" / "templates" / name))
