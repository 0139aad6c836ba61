"""The web app's files: the PWA shell and its pages, served from ``pwa/``."""

from __future__ import annotations

from pathlib import Path

from litestar.static_files import create_static_files_router

PWA_DIR = Path(__file__).resolve().parent.parent / "pwa"


def web_routes() -> list:
    """Routers for the PWA's files (empty when the checkout has no pwa/)."""
    if not (PWA_DIR / "index.html").exists():
        return []
    return [create_static_files_router(path="/", directories=[PWA_DIR], html_mode=True, name="pwa")]
