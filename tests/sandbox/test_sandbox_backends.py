"""Backend choice: auto prefers isolation, subprocess only when named; the commands they build."""

from __future__ import annotations

import os
import sys

import pytest
from sandbox_helpers import skip_unless_available

from cogym.sandbox import SandboxError, available_backends, run
from cogym.sandbox import backends as registry
from cogym.sandbox.backends.bwrap import BwrapBackend
from cogym.sandbox.backends.docker import DockerBackend


@pytest.fixture
def no_isolation(monkeypatch):
    """Pretend that neither bwrap nor docker works, as on a machine without them."""
    fake = {
        "bwrap": registry.Probe(False, "bwrap is not on PATH"),
        "docker": registry.Probe(False, "the docker CLI is not on PATH"),
        "subprocess": registry.Probe(True),
    }
    monkeypatch.setattr(registry, "_probes", fake)
    monkeypatch.setattr(registry, "_auto_choice", None)


def test_auto_picks_bwrap_where_it_works():
    skip_unless_available("bwrap")
    assert run("print(1)").backend == "bwrap"


def test_available_backends_lists_isolating_ones_first_and_subprocess_last():
    names = available_backends()
    assert names[-1] == "subprocess"
    assert names == [name for name in ("bwrap", "docker", "subprocess") if name in names]


def test_auto_never_falls_back_to_subprocess(no_isolation):
    with pytest.raises(SandboxError) as raised:
        run("print(1)")
    message = str(raised.value)
    assert "no isolating sandbox backend" in message
    assert 'backend="subprocess"' in message and "WITHOUT isolation" in message
    assert "apt-get install bubblewrap" in message


def test_subprocess_runs_when_named_explicitly(no_isolation):
    result = run("print('trusted')", backend="subprocess")
    assert (result.status, result.stdout, result.backend) == ("ok", "trusted\n", "subprocess")


def test_an_unknown_backend_is_refused():
    with pytest.raises(SandboxError, match="unknown sandbox backend 'firejail'"):
        run("pass", backend="firejail")


def test_a_named_backend_that_does_not_work_is_refused_with_its_reason(no_isolation):
    with pytest.raises(SandboxError, match="'docker' does not work here: the docker CLI"):
        run("pass", backend="docker")


def test_docker_is_skipped_with_a_clear_reason_when_no_engine_answers():
    found = registry.probe("docker")
    if found.available:
        pytest.skip("a docker engine answers here")
    assert "docker" in found.reason


def test_bwrap_shows_the_interpreter_read_only_and_nothing_else_of_the_home():
    argv = BwrapBackend().launch({"mode": "serve", "jobs": 1}).argv
    binds = [
        (argv[i], argv[i + 1], argv[i + 2])
        for i, arg in enumerate(argv)
        if arg in ("--bind", "--bind-try", "--dev-bind", "--ro-bind", "--ro-bind-try")
    ]
    assert all(kind == "--ro-bind" for kind, _, _ in binds)
    assert ("--ro-bind", "/usr", "/usr") in binds
    prefix = sys.base_prefix
    if not prefix.startswith("/usr"):
        assert ("--ro-bind", prefix, prefix) in binds
    home = os.path.expanduser("~")
    from_home = [source for _, source, _ in binds if source.startswith(home + "/")]
    assert from_home in ([], [prefix])


def test_bwrap_unshares_every_namespace_it_can():
    argv = set(BwrapBackend().launch({"mode": "serve", "jobs": 1}).argv)
    namespaces = {"--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts"}
    assert "--unshare-all" in argv or namespaces <= argv
    assert {"--die-with-parent", "--new-session", "--clearenv", "--remount-ro"} <= argv


def test_docker_runs_without_network_and_with_limits():
    argv = DockerBackend().launch({"mode": "serve", "jobs": 1}, memory_mb=256).argv
    command = " ".join(argv[: argv.index("python3")])
    for part in (
        "run --rm -i",
        "--network none",
        "--memory 384m",
        "--pids-limit",
        "--read-only",
        "--cap-drop ALL",
        "--pull never",
    ):
        assert part in command
    assert "/sandbox:rw,exec" in command
    uid, gid = argv[argv.index("--user") + 1].split(":")
    assert uid == gid and int(uid) >= 65536  # no host account, not root


def test_docker_image_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("COGYM_DOCKER_IMAGE", "example/python:3.12")
    argv = DockerBackend().launch({"mode": "serve", "jobs": 1}).argv
    assert argv[argv.index("python3") - 1] == "example/python:3.12"
