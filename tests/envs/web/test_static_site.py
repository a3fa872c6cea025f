"""StaticSite: files under one folder, with content types; nothing outside it."""

import pytest

from cogym.core.errors import InvalidArgumentError
from cogym.envs.web.server import Request
from cogym.envs.web.static_site import StaticSite


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "root"
    (root / "core").mkdir(parents=True)
    (root / "tasks").mkdir()
    (root / "index.html").write_text("<h1>home</h1>")
    (root / "core" / "core.js").write_text("var core = {};")
    (root / "core" / "core.css").write_text("body{}")
    (root / "tasks" / "a b.html").write_text("<p>spaced</p>")
    (root / "tasks" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root / "tasks" / "data.unknownext").write_bytes(b"\x00\x01")
    (tmp_path / "secret.txt").write_text("outside")
    (root / "link").symlink_to(tmp_path)
    return StaticSite(root)


def get(site: StaticSite, path: str, method: str = "GET"):
    return site.handle(Request(method, path, {}, {}))


@pytest.mark.parametrize(
    ("path", "content_type", "body"),
    [
        ("/core/core.js", "text/javascript; charset=utf-8", b"var core = {};"),
        ("/core/core.css", "text/css; charset=utf-8", b"body{}"),
        ("/tasks/a b.html", "text/html; charset=utf-8", b"<p>spaced</p>"),
        ("/tasks/logo.png", "image/png", b"\x89PNG\r\n\x1a\n"),
        ("/tasks/data.unknownext", "application/octet-stream", b"\x00\x01"),
        ("/", "text/html; charset=utf-8", b"<h1>home</h1>"),
        ("/./core//core.js", "text/javascript; charset=utf-8", b"var core = {};"),
    ],
)
def test_files_are_served_with_their_content_type(site, path, content_type, body):
    response = get(site, path)
    assert (response.status, response.content_type, response.body) == (200, content_type, body)


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/core/../../secret.txt",
        "/tasks/..",
        "/..\\secret.txt",
        "/link/secret.txt",
        "/core/core.js\0.png",
        "/missing.html",
        "/core",  # a folder without index.html
    ],
)
def test_escapes_and_missing_files_get_404(site, path):
    response = get(site, path)
    assert response.status == 404
    assert "outside" not in str(response.body)
    assert "href='/'" in response.body


def test_only_get_and_head_are_answered(site):
    assert get(site, "/core/core.js", "HEAD").status == 200
    assert get(site, "/core/core.js", "POST").status == 405


def test_root_must_be_an_existing_folder(tmp_path):
    with pytest.raises(InvalidArgumentError, match="existing folder"):
        StaticSite(tmp_path / "nope")
