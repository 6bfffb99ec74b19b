"""The Content-Security-Policy of every page of the site, on whichever route it was rendered."""

from __future__ import annotations

import html

# Every page may load only files of its own site: no remote origin for anything, no plugins, no forms, no
# fetches. Vega compiles chart expressions with the Function constructor, hence 'unsafe-eval' (scripts still
# come only from the site's own files); pandoc and Vega set inline styles.
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; font-src 'self' data:; connect-src 'none'; object-src 'none'; "
                           "base-uri 'none'; form-action 'none'")


def csp_meta() -> str:
    """The policy as the first element of a page's head (a meta element, since the site is static files)."""
    return f'<meta http-equiv="Content-Security-Policy" content="{html.escape(CONTENT_SECURITY_POLICY)}">'
