"""The web app's files: the PWA shell, its own modules, and the npm packages it imports.

The app shell (``pwa/index.html``) answers ``/`` and the pages the app routes itself
(``/enroll``); ``pwa/js/`` holds the app's ES modules; each package in ``VENDOR`` is served
from ``pwa/node_modules/`` (installed by ``npm ci``) under ``/vendor/<package>/``, which the
shell's import map names. Nothing else under ``pwa/`` (node_modules as a whole, package.json)
is served.
"""

from __future__ import annotations

import logging
from pathlib import Path

from litestar import Router, get
from litestar.response import File
from litestar.static_files import create_static_files_router

log = logging.getLogger("orderly.web")

PWA_DIR = Path(__file__).resolve().parent.parent / "pwa"

# npm package -> the folder of its ES module build, served as /vendor/<package>/.
VENDOR: dict[str, str] = {"@simplewebauthn/browser": "esm"}

# Paths the app shell answers; the app's own code decides what each shows.
SHELL_PATHS = ["/", "/enroll"]


@get(SHELL_PATHS, name="pwa-shell", include_in_schema=False)
async def shell() -> File:
    """The app shell, for every path the app routes itself."""
    return File(PWA_DIR / "index.html", content_disposition_type="inline", media_type="text/html")


def _vendor() -> list[Router]:
    routers = []
    for package, build in VENDOR.items():
        root = PWA_DIR / "node_modules" / package / build
        if not root.is_dir():
            # The API still works; the pages that import the package do not.
            log.warning("%s is missing: run `npm ci` in %s (make serve does)", root, PWA_DIR)
        routers.append(
            create_static_files_router(
                path=f"/vendor/{package}", directories=[root], name=f"vendor:{package}"
            )
        )
    return routers


def web_routes() -> list:
    """Routers for the PWA's files (empty when the checkout has no pwa/)."""
    if not (PWA_DIR / "index.html").exists():
        return []
    return [
        shell,
        create_static_files_router(path="/js", directories=[PWA_DIR / "js"], name="pwa-js"),
        *_vendor(),
    ]
