"""Turn executed notebooks into the site (HTML through pandoc) and the PDF briefs (pandoc to typst)."""
