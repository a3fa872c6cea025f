"""Escape attempts, on every isolating backend: each must fail, be reported, and leave no trace.

Every test also checks that nothing of the run is still running on the host and that a
normal run works right afterwards. Network tests only ever aim at loopback.
"""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from sandbox_helpers import (
    BOUND_MODES,
    PeakResident,
    assert_clean_afterwards,
    processes_with,
    survivors,
    use_bound_mode,
)

from cogym.sandbox import run
from cogym.sandbox.limits import RUNNER_MEMORY_MB


def sandboxed(code: str, backend: str, **kwargs):
    return run(textwrap.dedent(code), backend=backend, **kwargs)


def test_connecting_to_a_host_loopback_server_fails(isolating_backend):
    server = socket.create_server(("127.0.0.1", 0))
    server.setblocking(False)
    port = server.getsockname()[1]
    code = f"""
        import socket
        try:
            socket.create_connection(("127.0.0.1", {port}), timeout=3)
            print("connected")
        except OSError as error:
            print("blocked", type(error).__name__)
        """
    try:
        result = sandboxed(code, isolating_backend)
        assert result.status == "ok"
        assert result.stdout.startswith("blocked")
        with pytest.raises(BlockingIOError):
            server.accept()  # nobody reached the host's server
    finally:
        server.close()
    assert_clean_afterwards(isolating_backend)


def test_a_dns_lookup_fails(isolating_backend):
    code = """
        import socket
        try:
            print("resolved", socket.getaddrinfo("example.com", 80))
        except OSError as error:
            print("no dns", type(error).__name__)
        """
    result = sandboxed(code, isolating_backend, timeout_s=20)
    assert result.status == "ok"
    assert result.stdout.startswith("no dns")
    assert_clean_afterwards(isolating_backend)


def test_writes_outside_the_scratch_dir_never_reach_the_host(isolating_backend):
    name = f"cogym-escape-{uuid.uuid4().hex}"
    targets = [f"/etc/{name}", f"/usr/{name}", f"/{name}", f"/tmp/{name}", f"/var/tmp/{name}"]
    code = f"""
        for path in {targets!r}:
            try:
                with open(path, "w") as handle:
                    handle.write("escaped")
                print("wrote", path)
            except OSError as error:
                print("denied", path, type(error).__name__)
        """
    result = sandboxed(code, isolating_backend)
    assert result.status == "ok"
    for path in targets:
        assert not os.path.exists(path), path
    # system dirs are read-only in there; /tmp is the sandbox's own
    for path in targets[:3]:
        assert f"denied {path}" in result.stdout
    assert_clean_afterwards(isolating_backend)


def test_the_host_home_is_unreadable(isolating_backend):
    secret = uuid.uuid4().hex
    marker = Path.home() / f".cogym-escape-marker-{uuid.uuid4().hex}"
    marker.write_text(secret)
    code = f"""
        import os
        try:
            print(open({str(marker)!r}).read())
        except OSError as error:
            print("unreadable", type(error).__name__)
        print(os.listdir({str(marker.parent)!r}) if os.path.isdir({str(marker.parent)!r}) else [])
        """
    try:
        result = sandboxed(code, isolating_backend)
    finally:
        marker.unlink()
    assert secret not in result.stdout
    assert result.stdout.startswith("unreadable")
    assert marker.name not in result.stdout
    assert_clean_afterwards(isolating_backend)


def test_host_files_outside_the_system_dirs_are_invisible(isolating_backend):
    here = str(Path(__file__).resolve())
    code = f"""
        import os
        print(os.path.exists({here!r}), os.path.exists("/work"), os.path.exists("/home"))
        """
    assert sandboxed(code, isolating_backend).stdout == "False False False\n"
    assert_clean_afterwards(isolating_backend)


def test_the_code_runs_without_privileges(isolating_backend):
    code = """
        import os
        caps = [line.split()[1] for line in open("/proc/self/status") if line.startswith("CapEff")]
        print(os.getuid() != 0, caps[0].strip("0") == "")
        """
    assert sandboxed(code, isolating_backend).stdout == "True True\n"
    assert_clean_afterwards(isolating_backend)


def test_a_fork_bomb_is_contained(isolating_backend, token):
    bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"
    code = f"""
        import os, sys
        os.execv(sys.executable, [sys.executable, "-c", {bomb!r}, {token!r}])
        """
    start = time.monotonic()
    result = sandboxed(code, isolating_backend, timeout_s=2.0)
    assert result.status == "timeout"
    assert time.monotonic() - start < 30  # its 2 s limit and the teardown, with room for load
    assert_clean_afterwards(isolating_backend, token)


def test_a_memory_bomb_is_contained(isolating_backend):
    code = """
        hoard = []
        while True:
            hoard.append(bytearray(50 * 1024 * 1024))
        """
    result = sandboxed(code, isolating_backend, memory_mb=256)
    assert result.status == "memory"
    assert_clean_afterwards(isolating_backend)


def test_an_infinite_loop_is_killed_on_time(isolating_backend):
    result = sandboxed("while True:\n    pass", isolating_backend, timeout_s=1.0)
    assert result.status == "timeout"
    assert result.duration_s < 10  # killed at its 1 s limit, not left to run
    assert_clean_afterwards(isolating_backend)


def test_a_gigabyte_of_output_is_cut_fast_in_bounded_memory(isolating_backend):
    code = """
        import sys
        chunk = "x" * (1 << 20)
        for _ in range(1024):
            sys.stdout.write(chunk)
        """
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.monotonic()
    result = sandboxed(code, isolating_backend, timeout_s=30)
    assert time.monotonic() - start < 15  # cut at the limit, not at its 30 s timeout
    assert result.status == "output_limit" and result.stdout_truncated
    assert len(result.stdout) < 70_000
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
    assert grown_kib < 64 * 1024
    assert_clean_afterwards(isolating_backend)


def test_a_daemonized_child_does_not_outlive_the_run(isolating_backend, token):
    sleeper = ["-c", "import time; time.sleep(60)", token]
    code = f"""
        import os, sys, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.execv(sys.executable, [sys.executable, *{sleeper!r}])
            os._exit(0)
        time.sleep(0.3)
        print("parent leaves")
        """
    result = sandboxed(code, isolating_backend)
    assert (result.status, result.stdout) == ("ok", "parent leaves\n")
    assert survivors(token) == []
    assert_clean_afterwards(isolating_backend, token)


def test_killing_pid_1_does_not_touch_the_host(isolating_backend, host_sleeper):
    code = """
        import os
        try:
            os.kill(1, 9)
            print("sent")
        except OSError as error:
            print("refused", type(error).__name__)
        """
    result = sandboxed(code, isolating_backend)
    assert result.status in ("ok", "killed")
    assert host_sleeper.poll() is None
    assert_clean_afterwards(isolating_backend)


def test_kill_minus_one_does_not_touch_the_host(isolating_backend, host_sleeper):
    result = sandboxed(
        "import subprocess\nsubprocess.run(['sh', '-c', 'kill -9 -1'])\nimport os\nos.kill(-1, 9)",
        isolating_backend,
    )
    assert result.status in ("ok", "killed")
    assert host_sleeper.poll() is None
    assert_clean_afterwards(isolating_backend)


def test_killing_the_host_pids_of_the_test_runner_and_a_sleeper_fails(
    isolating_backend, host_sleeper
):
    code = f"""
        import os
        for pid in ({os.getpid()}, {host_sleeper.pid}):
            try:
                os.kill(pid, 9)
                print("sent", pid)
            except OSError as error:
                print("missed", pid, type(error).__name__)
        """
    result = sandboxed(code, isolating_backend)
    assert result.status in ("ok", "killed")
    assert host_sleeper.poll() is None  # and this test process is evidently alive
    assert_clean_afterwards(isolating_backend)


def test_a_sandbox_dies_with_its_host_process(isolating_backend, token):
    # a host process starts a session whose cell leaves a sleeper running, then dies
    host = textwrap.dedent(
        f"""
        import os, signal, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from sandbox_helpers import processes_with
        from cogym.sandbox import Session
        session = Session(backend={isolating_backend!r}, timeout_s=60)
        session.run("import subprocess, sys, time\\n"
                    "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', "
                    "{token!r}])\\n"
                    "time.sleep(0.3)")
        sleepers = [pid for pid in processes_with({token!r}) if pid != os.getpid()]
        print("sleeping:", len(sleepers), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    finished = subprocess.run(
        [sys.executable, "-c", host], capture_output=True, text=True, timeout=60
    )
    assert finished.stdout == "sleeping: 1\n", finished.stderr
    deadline = time.monotonic() + 5  # the host's death reaches the sandbox asynchronously
    while processes_with(token) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert_clean_afterwards(isolating_backend, token)


@pytest.fixture(params=BOUND_MODES)
def bound_mode(request, monkeypatch) -> str:
    """Each way a sandbox is bounded as a whole: the host's cgroup, then the runner's watch."""
    use_bound_mode(monkeypatch, request.param)
    return request.param


def held_within_bound(peak_mb: float, memory_mb: int) -> bool:
    """Whether the run's processes held about the sandbox's bound at most, not the many
    times more they asked for. The margin is for sampling: the test reads the processes one
    after another, so one read just before an out-of-memory kill and its successor can both
    count, and the runner's watch (without a cgroup) acts between samples of its own. The
    cgroup's exact peak is checked in test_sandbox_bounds.py."""
    return peak_mb <= 2 * (memory_mb + RUNNER_MEMORY_MB)


def test_a_multiprocess_memory_bomb_is_bounded_as_a_whole(isolating_backend, bound_mode, token):
    # 20 processes, each within its own RLIMIT_AS, together far past the run's bound
    # (before: 20 x 450 MB held 7.2 GB of host RAM until the timeout)
    memory_mb, each_mb = (512, 450) if bound_mode == "cgroup" else (256, 150)
    child = (
        f"hoard = [b'x' * (10 << 20) for _ in range({each_mb // 10})]\nimport time\ntime.sleep(600)"
    )
    code = f"""
        import subprocess, sys
        children = [subprocess.Popen([sys.executable, "-c", {child!r}, {token!r}])
                    for _ in range(20)]
        print([child.wait() for child in children])
        """
    with PeakResident(token) as resident:
        result = sandboxed(code, isolating_backend, memory_mb=memory_mb, timeout_s=60)
    assert result.status == "memory", result
    assert "the run's processes together hit the sandbox's memory limit" in result.stderr
    assert resident.peak_mb > each_mb  # the bomb did run
    assert held_within_bound(resident.peak_mb, memory_mb), resident.peak_mb
    assert_clean_afterwards(isolating_backend, token)


def test_a_fork_loop_that_allocates_is_bounded_as_a_whole(isolating_backend, bound_mode, token):
    loop = (
        "import os, time\n"
        "while True:\n"
        "    try:\n"
        "        pid = os.fork()\n"
        "    except OSError:\n"
        "        continue\n"
        "    if pid == 0:\n"
        "        hoard = b'x' * (30 << 20)\n"
        "        time.sleep(600)\n"
        "        os._exit(0)\n"
    )
    code = f"""
        import os, sys
        os.execv(sys.executable, [sys.executable, "-c", {loop!r}, {token!r}])
        """
    with PeakResident(token) as resident:
        result = sandboxed(code, isolating_backend, memory_mb=256, timeout_s=60)
    assert result.status == "memory", result
    assert held_within_bound(resident.peak_mb, 256), resident.peak_mb
    assert_clean_afterwards(isolating_backend, token)
