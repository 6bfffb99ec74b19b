#!/usr/bin/env python3
"""Build the European defence dependency briefs. Run `python build.py --help` for the stages and options."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "src"))

from defence_briefs.cli import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main(root=ROOT))
