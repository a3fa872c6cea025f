"""What the docker backend promises beyond the shared suites: no container outlives its
sandbox, one sandbox's processes never eat another's process budget, and the image is
made locally (never pulled)."""

from __future__ import annotations

import shutil
import subprocess
import textwrap

import pytest
from sandbox_helpers import REQUIRE_ENV, skip_unless_available

from cogym.sandbox import SandboxPool, Session, run
from cogym.sandbox import backends as registry
from cogym.sandbox.backends.docker import DockerBackend, image_exists
from cogym.sandbox.docker_image import PRUNED, prune

#: Processes one session holds while another sandbox runs; with the run's own processes
#: it passes RLIMIT_NPROC (64) if both count against one uid.
HELD = 56


@pytest.fixture
def docker() -> str:
    """The docker CLI, where the docker backend works here (skipped otherwise, saying why)."""
    skip_unless_available("docker")
    return shutil.which("docker") or "docker"


def containers(docker: str) -> list[str]:
    """The names of the sandbox containers that exist, running or not."""
    listed = subprocess.run(
        [docker, "ps", "-a", "--filter", "name=cogym-sandbox-", "--format", "{{.Names}}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return listed.stdout.split()


def test_no_container_outlives_its_run(docker):
    before = set(containers(docker))
    results = [
        run("print('fine')", backend="docker"),
        run("while True:\n    pass", backend="docker", timeout_s=1.0),
        run("print('x' * (1 << 22))", backend="docker", max_output_bytes=1024),
    ]
    assert [result.status for result in results] == ["ok", "timeout", "output_limit"]
    assert set(containers(docker)) - before == set()


def test_processes_held_by_one_sandbox_leave_another_its_own_budget(isolating_backend):
    hold = f"""
        import os, time
        for _ in range({HELD}):
            if os.fork() == 0:
                time.sleep(60)
                os._exit(0)
        print("holding")
        """
    spawn = """
        import subprocess
        children = [subprocess.Popen(["sleep", "5"]) for _ in range(10)]
        for child in children:
            child.kill()
            child.wait()
        print("spawned", len(children))
        """
    with Session(backend=isolating_backend, timeout_s=30) as holder:
        assert holder.run(textwrap.dedent(hold)).stdout == "holding\n"
        result = run(textwrap.dedent(spawn), backend=isolating_backend, timeout_s=30)
    assert (result.status, result.stdout) == ("ok", "spawned 10\n"), result.stderr


def test_each_container_runs_as_a_fresh_unprivileged_uid():
    argvs = [DockerBackend().launch({"mode": "serve", "jobs": 1}).argv for _ in range(2)]
    users = [argv[argv.index("--user") + 1] for argv in argvs]
    uids = [int(user.split(":")[0]) for user in users]
    assert all(uid >= 65536 for uid in uids) and uids[0] != uids[1]
    assert all(user == f"{uid}:{uid}" for user, uid in zip(users, uids, strict=True))


def test_the_image_has_python_and_none_of_the_pruned_paths(docker):
    code = "import os, sys\nprint(sys.version_info >= (3, 8), [os.path.exists(p) for p in PATHS])"
    result = run(code.replace("PATHS", repr(["/" + path for path in PRUNED])), backend="docker")
    assert result.stdout == f"True {[False] * len(PRUNED)}\n"
    assert image_exists(docker, "cogym-no-such-image:never") is False


def test_pruning_removes_only_the_pruned_paths(tmp_path):
    for relative in (*PRUNED, "usr/bin", "usr/share/zoneinfo"):
        (tmp_path / relative).mkdir(parents=True)
        (tmp_path / relative / "file").write_text("x")
    prune(tmp_path)
    assert [path for path in PRUNED if (tmp_path / path).exists()] == []
    assert (tmp_path / "usr/bin/file").exists() and (tmp_path / "usr/share/zoneinfo/file").exists()


@pytest.fixture(scope="module")
def docker_pool():
    """Two warm docker sandboxes, shared by this module's pool tests."""
    skip_unless_available("docker")
    with SandboxPool(2, backend="docker") as shared:
        yield shared


def test_a_warm_docker_sandbox_forgets_each_run(docker_pool):
    first = docker_pool.run(
        "import builtins, subprocess\nbuiltins.LEFT = 1\nopen('f.txt', 'w').write('x')\n"
        "open('/tmp/t.txt', 'w').write('x')\nsubprocess.Popen(['sleep', '60'])\nprint('set')"
    )
    assert (first.status, first.stdout) == ("ok", "set\n")
    checks = (
        "import builtins, os\n"
        "print(hasattr(builtins, 'LEFT'), sorted(os.listdir('.')), os.listdir('/tmp'))\n"
        "print(sum(b'sleep' in open(f'/proc/{pid}/cmdline', 'rb').read()\n"
        "          for pid in os.listdir('/proc') if pid.isdigit()))"
    )
    results = docker_pool.run_many([{"code": checks}] * 4)
    assert {result.stdout for result in results} == {"False ['main.py'] []\n0\n"}


def test_a_timed_out_docker_sandbox_is_replaced(docker_pool):
    assert docker_pool.run("while True:\n    pass", timeout_s=0.5).status == "timeout"
    results = docker_pool.run_many([{"code": f"print({i})"} for i in range(6)])
    assert [result.stdout for result in results] == [f"{i}\n" for i in range(6)]


def test_a_docker_session_keeps_its_state_and_restarts_after_a_timeout(docker):
    with Session(backend="docker", timeout_s=1.0) as session:
        assert session.run("x = 41").status == "ok"
        assert session.run("x + 1").stdout == "42\n"
        timed_out = session.run("while True:\n    pass")
        after = session.run("print('x' in globals())")
    assert timed_out.status == "timeout" and "restarted" in timed_out.stderr
    assert (after.status, after.stdout) == ("ok", "False\n")


def test_a_required_backend_that_does_not_work_fails_instead_of_skipping(monkeypatch):
    monkeypatch.setitem(registry._probes, "docker", registry.Probe(False, "no engine here"))
    monkeypatch.setenv(REQUIRE_ENV, "docker")
    with pytest.raises(pytest.fail.Exception, match=r"no engine here.*requires it"):
        skip_unless_available("docker")
    monkeypatch.setenv(REQUIRE_ENV, "")
    with pytest.raises(pytest.skip.Exception, match="no engine here; to test it: as root"):
        skip_unless_available("docker")
