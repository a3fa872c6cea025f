"""What bounds a sandbox as a whole (a host cgroup, else the runner's watch), and the upper
bound on every limit and count that starts processes or holds host memory."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest
from sandbox_helpers import (
    BOUND_MODES,
    PeakResident,
    skip_unless_available,
    survivors,
    use_bound_mode,
)

from cogym.core.errors import CogymError
from cogym.sandbox import SandboxPool, Session, cgroup, run, run_many
from cogym.sandbox.backends import resolve
from cogym.sandbox.errors import SandboxLimitError
from cogym.sandbox.job import Job
from cogym.sandbox.limits import (
    MAX_OUTPUT_BYTES,
    MAX_POOL_SIZE,
    MAX_TIMEOUT_S,
    MAX_WORKERS,
    NPROC,
    RUNNER_MEMORY_MB,
    RUNNER_PIDS,
    Limits,
    host_memory_mb,
    max_memory_mb,
)
from cogym.sandbox.process import SandboxProcess, start_warm

MIB = 1024 * 1024

# ---------------------------------------------------------------- upper bounds of arguments


@pytest.mark.parametrize(
    "kwargs",
    [
        {"memory_mb": 10**9},
        {"memory_mb": 1e9},
        {"memory_mb": max_memory_mb() + 1},
        {"timeout_s": MAX_TIMEOUT_S * 2},
        {"timeout_s": 1e300},
        {"max_output_bytes": MAX_OUTPUT_BYTES + 1},
        {"memory_mb": 10**400},  # past float's range: raised OverflowError
        {"timeout_s": 10**400},
    ],
)
def test_absurd_limits_are_refused_with_the_range_to_pass(kwargs):
    with pytest.raises(SandboxLimitError, match=r"must be (an int|a number) from \S+ to \S+"):
        Limits(**kwargs)


def test_no_run_may_ask_for_more_memory_than_the_host_has():
    with pytest.raises(SandboxLimitError, match=f"this host has {host_memory_mb()} MiB"):
        run("pass", memory_mb=host_memory_mb())


def test_limit_errors_are_cogym_errors():
    with pytest.raises(CogymError):
        Limits(memory_mb=10**9)


@pytest.mark.parametrize("size", [10**6, MAX_POOL_SIZE + 1, 0, 1.5, True, "2"])
def test_a_pool_size_out_of_range_is_refused_before_any_sandbox_starts(size):
    with pytest.raises(SandboxLimitError, match=f"size must be an int from 1 to {MAX_POOL_SIZE}"):
        SandboxPool(size)


@pytest.mark.parametrize("workers", [10**6, MAX_WORKERS + 1, 0, 1.5, True])
def test_run_many_workers_out_of_range_are_refused(workers):
    with pytest.raises(SandboxLimitError, match=f"workers must be an int from 1 to {MAX_WORKERS}"):
        run_many([{"code": "pass"}], workers=workers)


# ---------------------------------------------------------------- choosing the bound


def test_parse_mounts_finds_cgroup_mounts_and_their_roots():
    mountinfo = textwrap.dedent(
        """\
        24 30 0:22 / /sys rw,nosuid - sysfs sysfs rw
        35 24 0:30 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        36 24 0:31 /docker/abc /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
        37 24 0:32 / /sys/fs/cgroup/my\\040dir rw - cgroup2 cgroup2 rw,nsdelegate
        """
    )
    assert cgroup.parse_mounts(mountinfo) == [
        ("cgroup", "/", "/sys/fs/cgroup/memory", {"rw", "memory"}),
        ("cgroup", "/docker/abc", "/sys/fs/cgroup/pids", {"rw", "pids"}),
        ("cgroup2", "/", "/sys/fs/cgroup/my dir", {"rw", "nsdelegate"}),
    ]


def test_parse_own_cgroups_keys_each_controller_and_v2_by_empty_name():
    text = "8:pids:/a\n4:cpu,cpuacct:/b\n1:name=systemd:/c\n0::/d\n"
    assert cgroup.parse_own_cgroups(text) == {
        "pids": "/a",
        "cpu": "/b",
        "cpuacct": "/b",
        "name=systemd": "/c",
        "": "/d",
    }


def test_the_cgroup_setting_off_selects_the_watch_and_says_so(monkeypatch):
    monkeypatch.setenv(cgroup.ENV, "off")
    found = cgroup.detect()
    assert not found.available and found.reason == f"{cgroup.ENV}=off"


def test_a_cgroup_setting_that_is_no_cgroup_v2_dir_is_refused_with_a_reason(monkeypatch, tmp_path):
    monkeypatch.setenv(cgroup.ENV, "relative/path")
    assert "absolute path" in cgroup.detect().reason
    monkeypatch.setenv(cgroup.ENV, str(tmp_path))
    assert "is not a cgroup v2 dir" in cgroup.detect().reason


# ---------------------------------------------------------------- the cgroup


@pytest.fixture
def cgroup_support(monkeypatch) -> cgroup.Support:
    """The host's cgroup support (skipped, saying why, where there is none); bwrap needed."""
    skip_unless_available("bwrap")
    use_bound_mode(monkeypatch, "cgroup")
    return cgroup.detect()


def start(memory_mb: int, backend: str = "bwrap") -> SandboxProcess:
    return start_warm(resolve(backend), {"mode": "serve", "jobs": 1}, memory_mb)


def limit_values(group: cgroup.Cgroup) -> tuple[int, int]:
    """The memory (bytes) and process limits written in a cgroup's files."""
    memory_file = "memory.max" if group.version == 2 else "memory.limit_in_bytes"
    values = {}
    for name in (memory_file, "pids.max"):
        for directory in group.dirs:
            if os.path.exists(os.path.join(directory, name)):
                with open(os.path.join(directory, name)) as handle:
                    values[name] = int(handle.read())
    return values[memory_file], values.get("pids.max", NPROC + RUNNER_PIDS)


def own_cgroup_dirs(support: cgroup.Support) -> list[str]:
    """The sandbox cgroups this test process has made and not removed."""
    prefix = f"{os.getpid()}-"
    return [
        os.path.join(parent, name)
        for parent in support.parents
        if os.path.isdir(parent)
        for name in os.listdir(parent)
        if name.startswith(prefix)
    ]


def test_a_sandbox_runs_in_a_cgroup_of_its_own_with_the_bounds_of_its_runs(cgroup_support):
    sandbox = start(256)
    try:
        group = sandbox.cgroup
        assert group is not None
        assert limit_values(group) == ((256 + RUNNER_MEMORY_MB) * MIB, NPROC + RUNNER_PIDS)
        members = group.pids()
        assert sandbox._process.pid in members  # bwrap itself, hence all it starts
        assert len(members) >= 3  # bwrap, the namespace's init, the runner
    finally:
        sandbox.close()
    assert not any(os.path.exists(directory) for directory in group.dirs)


def test_the_cgroup_holds_a_multiprocess_bomb_under_the_bound(cgroup_support, token):
    child = "hoard = [b'x' * (10 << 20) for _ in range(45)]\nimport time\ntime.sleep(600)"
    code = (
        "import subprocess, sys\n"
        f"children = [subprocess.Popen([sys.executable, '-c', {child!r}, {token!r}])\n"
        "            for _ in range(20)]\n"
        "print([child.wait() for child in children])\n"
    )
    limits = Limits(timeout_s=60, memory_mb=512)
    sandbox = start(512)
    try:
        result, reusable = sandbox.execute(Job.create(code, limits=limits).encode(), limits)
        peak = sandbox.cgroup.peak_bytes()
    finally:
        sandbox.close()
    assert result.status == "memory" and not reusable
    assert 450 * MIB < peak <= (512 + RUNNER_MEMORY_MB) * MIB  # it ran, and was held
    assert survivors(token) == []


def test_no_cgroup_outlives_its_sandbox(cgroup_support):
    assert run("print(1)").status == "ok"
    assert run("while True:\n    pass", timeout_s=0.5).status == "timeout"
    with SandboxPool(1) as pool:
        assert pool.run("while True:\n    pass", timeout_s=0.5).status == "timeout"
        assert pool.run("print(2)").stdout == "2\n"  # from the replacement sandbox
    with Session() as session:
        session.run("import os\nos._exit(3)")
        assert session.run("print(4)").stdout == "4\n"  # from a restarted process
    assert own_cgroup_dirs(cgroup_support) == []


def test_cgroups_left_by_a_dead_process_are_removed(cgroup_support):
    gone = subprocess.Popen(["true"])
    gone.wait()
    stale = [os.path.join(parent, f"{gone.pid}-sandbox-stale") for parent in cgroup_support.parents]
    for directory in stale:
        os.makedirs(directory)
    assert run("print(1)").status == "ok"
    assert not any(os.path.exists(directory) for directory in stale)


def test_cgroups_of_a_process_that_exits_without_closing_are_removed(cgroup_support):
    # e.g. a forked vector-env worker, which ends with os._exit: no finalizer runs there
    leaker = (
        "import os\n"
        "from cogym.sandbox.backends import resolve\n"
        "from cogym.sandbox.process import start_warm\n"
        "start_warm(resolve('bwrap'), {'mode': 'serve', 'jobs': 1}, 128)\n"
        "print(os.getpid(), flush=True)\n"
        "os._exit(0)\n"
    )
    mine = start(128)  # open before the leaker starts: its close must sweep
    done = subprocess.run([sys.executable, "-c", leaker], capture_output=True, text=True)
    prefix = f"{int(done.stdout)}-"
    left = [
        os.path.join(parent, name)
        for parent in cgroup_support.parents
        for name in os.listdir(parent)
        if name.startswith(prefix)
    ]
    assert left  # it did leave its cgroup behind
    deadline = time.monotonic() + 10  # its sandbox dies with it, asynchronously
    while cgroup.Cgroup(cgroup_support.version, tuple(left)).pids():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    mine.close()
    assert not any(os.path.exists(directory) for directory in left)


def test_processes_that_leave_the_process_group_die_with_the_cgroup(cgroup_support, token):
    # the subprocess backend's kill reaches its process group only; its cgroup reaches all
    sleeper = "import os, time; os.write(9, b'up'); time.sleep(60)"
    code = (
        "import os, sys\n"
        "up, ready = os.pipe()\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    os.dup2(ready, 9)\n"
        f"    os.execv(sys.executable, [sys.executable, '-c', {sleeper!r}, {token!r}])\n"
        "os.close(ready)\n"
        "os.read(up, 2)  # it is running, in a session of its own\n"
        "print('left one behind')"
    )
    assert run(code, backend="subprocess").stdout == "left one behind\n"
    assert survivors(token) == []


# ---------------------------------------------------------------- both bounds


@pytest.fixture(params=BOUND_MODES)
def bound_mode(request, monkeypatch) -> str:
    """The host's cgroup, then the runner's watch."""
    skip_unless_available("bwrap")
    use_bound_mode(monkeypatch, request.param)
    return request.param


def test_the_watch_replaces_the_cgroup_where_there_is_none(bound_mode):
    sandbox = start(256)
    try:
        assert (sandbox.cgroup is None) == (bound_mode == "watch")
    finally:
        sandbox.close()


def test_many_processes_within_the_bound_run_to_the_end(bound_mode):
    child = "hoard = b'x' * (20 << 20)\nprint(len(hoard) >> 20)"
    code = (
        "import subprocess, sys\n"
        f"outputs = [subprocess.run([sys.executable, '-c', {child!r}], capture_output=True)\n"
        "           for _ in range(6)]\n"
        "print(sum(int(output.stdout) for output in outputs))"
    )
    result = run(code, backend="bwrap", memory_mb=256, timeout_s=60)
    assert (result.status, result.stdout) == ("ok", "120\n")


def test_a_session_cell_whose_processes_pass_the_bound_is_reported_as_memory(bound_mode):
    cell = (
        "import subprocess, sys\n"
        "child = \"hoard = [b'x' * (10 << 20) for _ in range(8)]\\nimport time\\ntime.sleep(60)\"\n"
        "children = [subprocess.Popen([sys.executable, '-c', child]) for _ in range(4)]\n"
        "[child.wait() for child in children]"
    )
    with Session(backend="bwrap", memory_mb=128, timeout_s=60) as session:
        result = session.run(cell)
        assert result.status == "memory"
        assert session.run("print('again')").stdout == "again\n"


def test_the_watch_bounds_a_sandbox_without_a_pid_namespace(monkeypatch, token):
    use_bound_mode(monkeypatch, "watch")
    child = "hoard = [b'x' * (10 << 20) for _ in range(10)]\nimport time\ntime.sleep(600)"
    code = (
        "import subprocess, sys\n"
        f"children = [subprocess.Popen([sys.executable, '-c', {child!r}, {token!r}])\n"
        "            for _ in range(6)]\n"
        "[child.wait() for child in children]\n"
    )
    with PeakResident(token) as resident:
        result = run(code, backend="subprocess", memory_mb=128, timeout_s=60)
    assert result.status == "memory"
    assert resident.peak_mb <= 2 * (128 + RUNNER_MEMORY_MB)  # 6 x 100 MB unbounded
    assert survivors(token) == []
