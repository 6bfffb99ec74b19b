"""The house font, Lato (shipped by the font-lato package): charts, web pages and PDFs all use these files."""

from __future__ import annotations

from pathlib import Path

import font_lato

FONT = "Lato"
FONT_DIR = Path(font_lato.font_directory)
FONT_FILES = ("Lato-Regular.ttf", "Lato-Bold.ttf", "Lato-Italic.ttf", "Lato-BoldItalic.ttf")
