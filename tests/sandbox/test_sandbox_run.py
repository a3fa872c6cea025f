"""run() and run_many(): what a program sees, and what its result says."""

from __future__ import annotations

import pytest
from sandbox_helpers import skip_unless_available, skip_without_isolation

from cogym.sandbox import STATUSES, ExecResult, SandboxError, run, run_many
from cogym.sandbox.backends import probe
from cogym.sandbox.limits import NOFILE, NPROC, SCRATCH_MB


@pytest.fixture(autouse=True)
def _auto_needs_isolation(request):
    """Tests on ``backend="auto"`` skip where it has nothing to run on."""
    if "any_backend" not in request.fixturenames:
        skip_without_isolation()


ALL_BACKENDS = ("bwrap", "docker", "subprocess")


@pytest.fixture(params=ALL_BACKENDS)
def any_backend(request) -> str:
    """Every backend, the not-isolated one included; skipped where it does not work."""
    skip_unless_available(request.param)
    return request.param


def test_hello_world_prints_and_is_ok(any_backend):
    result = run("print('hello world')", backend=any_backend)
    assert isinstance(result, ExecResult)
    assert (result.status, result.exit_code, result.stdout, result.stderr) == (
        "ok",
        0,
        "hello world\n",
        "",
    )
    assert result.ok and result.backend == any_backend
    assert 0 < result.duration_s < 10


def test_stdin_is_fed_to_the_program(any_backend):
    code = "import sys\nprint(sum(int(x) for x in sys.stdin.read().split()))"
    assert run(code, stdin="1 2 3\n4\n", backend=any_backend).stdout == "10\n"


def test_no_stdin_reads_as_empty():
    assert run("import sys; print(repr(sys.stdin.read()))").stdout == "''\n"


def test_files_are_written_into_the_working_dir_first(any_backend):
    files = {"data/in.txt": "tea", "blob.bin": b"\x00\xff", "helper.py": "X = 41"}
    code = (
        "import helper\n"
        "print(open('data/in.txt').read(), open('blob.bin', 'rb').read(), helper.X + 1)"
    )
    assert run(code, files=files, backend=any_backend).stdout == "tea b'\\x00\\xff' 42\n"


def test_program_runs_as_main_py_in_its_scratch_dir():
    code = "import os, sys\nprint(__name__, sys.argv, sorted(os.listdir('.')), os.getcwd())"
    assert run(code).stdout == "__main__ ['main.py'] ['main.py'] /sandbox\n"


def test_non_zero_exit_is_an_error_with_the_exit_code(any_backend):
    result = run("import sys\nprint('bye')\nsys.exit(3)", backend=any_backend)
    assert (result.status, result.exit_code, result.stdout) == ("error", 3, "bye\n")
    assert not result.ok


def test_uncaught_exception_is_an_error_with_its_traceback(any_backend):
    result = run("def f():\n    return 1 / 0\nf()", backend=any_backend)
    assert (result.status, result.exit_code) == ("error", 1)
    assert result.stderr.startswith("Traceback (most recent call last):\n")
    assert 'main.py", line 3, in <module>' in result.stderr
    assert "return 1 / 0" in result.stderr
    assert result.stderr.endswith("ZeroDivisionError: division by zero\n")
    assert "<string>" not in result.stderr  # the sandbox's own frames are hidden


def test_syntax_error_is_an_error_with_the_traceback_in_stderr(any_backend):
    result = run("print('unclosed'", backend=any_backend)
    assert (result.status, result.exit_code, result.stdout) == ("error", 1, "")
    assert 'main.py", line 1' in result.stderr
    assert "SyntaxError: '(' was never closed" in result.stderr


def test_timeout_kills_the_run_and_reports_it_in_about_timeout_s(any_backend):
    result = run(
        "import time\nprint('started', flush=True)\ntime.sleep(30)",
        timeout_s=1.0,
        backend=any_backend,
    )
    assert (result.status, result.exit_code) == ("timeout", None)
    assert result.stdout == "started\n"
    assert "[sandbox] timed out after 1 s" in result.stderr
    assert 1.0 <= result.duration_s < 6  # killed at its limit, not long after


def test_output_past_max_output_bytes_is_truncated_with_a_marker():
    result = run("print('x' * 3000)", max_output_bytes=1000)
    assert result.status == "ok"
    assert result.stdout == "x" * 1000 + "\n[... output truncated at 1000 bytes]"
    assert result.stdout_truncated and not result.stderr_truncated


def test_truncation_never_splits_a_character():
    result = run("print('é' * 1000)", max_output_bytes=1001)
    assert result.stdout == "é" * 500 + "\n[... output truncated at 1001 bytes]"


def test_stderr_is_truncated_on_its_own():
    result = run("import sys\nsys.stderr.write('e' * 3000)\nprint('out')", max_output_bytes=1000)
    assert result.stderr_truncated and not result.stdout_truncated
    assert result.stdout == "out\n"


def test_output_past_the_hard_cap_stops_the_run_as_output_limit():
    result = run("while True:\n    print('y' * 1000)", max_output_bytes=1000, timeout_s=10)
    assert (result.status, result.exit_code) == ("output_limit", None)
    assert result.stdout_truncated
    assert result.duration_s < 5


def test_memory_limit_is_reported_as_memory(any_backend):
    result = run(
        "blocks = []\nwhile True:\n    blocks.append(bytearray(10**7))",
        memory_mb=128,
        backend=any_backend,
    )
    assert result.status == "memory"
    assert "MemoryError" in result.stderr
    assert "[sandbox] hit the memory limit of 128 MB" in result.stderr


def test_death_by_signal_is_reported_as_killed(any_backend):
    result = run("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)", backend=any_backend)
    assert (result.status, result.exit_code) == ("killed", -11)
    assert "SIGSEGV" in result.stderr


def test_the_program_runs_under_the_documented_rlimits():
    code = (
        "import resource as r\n"
        "for name in ('CPU', 'AS', 'NPROC', 'NOFILE', 'FSIZE', 'CORE'):\n"
        "    print(name, *r.getrlimit(getattr(r, 'RLIMIT_' + name)))"
    )
    limits = dict(
        line.split(" ", 1) for line in run(code, timeout_s=2.5, memory_mb=200).stdout.splitlines()
    )
    mib = 1024 * 1024
    assert limits == {
        "CPU": "4 5",
        "AS": f"{200 * mib} {200 * mib}",
        "NPROC": f"{NPROC} {NPROC}",
        "NOFILE": f"{NOFILE} {NOFILE}",
        "FSIZE": f"{SCRATCH_MB * mib} {SCRATCH_MB * mib}",
        "CORE": "0 0",
    }


def test_running_out_of_cpu_time_is_a_timeout():
    result = run("import os, signal\nos.kill(os.getpid(), signal.SIGXCPU)")
    assert result.status == "timeout"
    assert "used up its CPU time" in result.stderr


def test_filling_the_scratch_dir_fails_inside_the_program():
    code = "with open('big', 'wb') as f:\n    while True:\n        f.write(bytes(1 << 20))"
    result = run(code, memory_mb=256)
    assert result.status == "error"
    assert "OSError: [Errno 28] No space left on device" in result.stderr


def test_statuses_are_the_documented_ones():
    assert STATUSES == ("ok", "error", "timeout", "memory", "output_limit", "killed")


def test_run_many_returns_results_in_job_order():
    jobs = [{"code": f"import time\ntime.sleep({0.3 - 0.1 * i})\nprint({i})"} for i in range(3)]
    results = run_many(jobs, workers=3)
    assert [result.stdout for result in results] == ["0\n", "1\n", "2\n"]


def test_run_many_defaults_apply_unless_a_job_overrides_them():
    jobs = [{"code": "import sys; print(sys.stdin.read())"}, {"code": "print(2)", "stdin": "no"}]
    results = run_many(jobs, stdin="shared")
    assert [result.stdout for result in results] == ["shared\n", "2\n"]


def test_run_many_refuses_unknown_job_keys():
    with pytest.raises(SandboxError, match="unknown job keys"):
        run_many([{"code": "pass", "timeout": 1}])


@pytest.mark.parametrize(
    "path",
    ["/etc/passwd", "../escape.txt", "data/../../escape.txt", "", ".", "main.py", "./main.py"],
)
def test_bad_file_paths_are_refused(path):
    with pytest.raises(SandboxError):
        run("pass", files={path: "x"})


def test_a_path_given_as_file_and_directory_is_refused():
    with pytest.raises(SandboxError, match="as a file and as a directory"):
        run("pass", files={"a": "x", "a/b": "y"})


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timeout_s": 0},
        {"timeout_s": float("nan")},
        {"memory_mb": 16},
        {"memory_mb": 1.5},
        {"max_output_bytes": 0},
        {"stdin": b"bytes"},
    ],
)
def test_bad_arguments_are_refused(kwargs):
    with pytest.raises(SandboxError):
        run("pass", **kwargs)


def test_code_must_be_text():
    with pytest.raises(SandboxError, match="code must be a str"):
        run(b"print(1)")


def test_environment_is_minimal_and_reproducible():
    code = "import os\nprint(sorted(os.environ))\nprint(hash('cogym'))"
    first, second = run(code), run(code)
    assert first.stdout == second.stdout  # PYTHONHASHSEED=0
    names = eval(first.stdout.splitlines()[0])
    assert {"PATH", "HOME", "LANG", "PYTHONHASHSEED", "PYTHONDONTWRITEBYTECODE"} <= set(names)
    assert len(names) <= 10


def test_exit_and_quit_exist_as_in_a_normal_python():
    assert run("print('a')\nexit(4)").exit_code == 4


def test_backend_names_its_probe_reason_when_missing():
    for name in ("bwrap", "docker", "subprocess"):
        found = probe(name)
        assert found.available or found.reason
