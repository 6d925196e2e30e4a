"""`optout serve`: a page on the person's own computer that walks them through their letters, in English or Spanish.

Starlette serves templates/web/ (Jinja2, gettext catalogs in optout/locale/) on 127.0.0.1 only; the letters come from
the library (compose, the batch PDF renderer, eml and txt). See optout/web/security.py for what keeps it private."""

from .app import STEPS, create_app

__all__ = ["STEPS", "create_app"]
