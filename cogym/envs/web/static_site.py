"""A :class:`~cogym.envs.web.server.Site` that serves the files under one folder (MiniWoB++)."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from cogym.core.errors import InvalidArgumentError
from cogym.envs.web.server import Request, Response, not_found

#: Content types by suffix, so the answer does not depend on the host's mime database.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
}


def content_type(path: Path) -> str:
    """The Content-Type header of the file at ``path`` (by its suffix)."""
    suffix = path.suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


class StaticSite:
    """Serve the files under ``root`` read-only; a folder serves its ``index.html``.

    Paths that leave ``root`` (``..``, absolute parts, links pointing outside) and missing
    files get a 404 page; methods other than GET and HEAD get a 405.
    """

    def __init__(self, root: Path | str) -> None:
        root_path = Path(root)
        if not root_path.is_dir():
            raise InvalidArgumentError(f"StaticSite needs an existing folder; got {str(root)!r}")
        self.root = root_path.resolve()

    def resolve(self, url_path: str) -> Path | None:
        """The file that ``url_path`` (percent-decoded) names under the root, or ``None``."""
        parts = [part for part in url_path.split("/") if part not in ("", ".")]
        if any(part == ".." or "\\" in part or "\0" in part for part in parts):
            return None
        path = self.root.joinpath(*parts).resolve()
        if not path.is_relative_to(self.root):
            return None
        if path.is_dir():
            path = path / "index.html"
        return path if path.is_file() else None

    def handle(self, request: Request) -> Response:
        """Answer a GET with the file's bytes and content type, else a 404 or 405 page."""
        if request.method not in ("GET", "HEAD"):
            return Response(body="Method not allowed", status=405, content_type="text/plain")
        path = self.resolve(request.path)
        if path is None:
            return not_found(request.path)
        return Response(body=path.read_bytes(), content_type=content_type(path))
