"""SandboxPool: warm sandboxes, one fresh process per run."""

from __future__ import annotations

import statistics
import time

import pytest
from sandbox_helpers import skip_without_isolation, survivors

from cogym.sandbox import SandboxError, SandboxPool, run

pytestmark = pytest.mark.usefixtures("needs_isolation")  # most tests use "auto"


@pytest.fixture(scope="module")
def pool():
    skip_without_isolation()  # before the module-wide fixture fails
    with SandboxPool(2) as shared:
        yield shared


def test_pool_runs_mean_what_cold_runs_mean(pool):
    result = pool.run(
        "import sys\nprint(sys.stdin.read(), open('f.txt').read())\nsys.exit(2)",
        stdin="in",
        files={"f.txt": "file"},
    )
    assert (result.status, result.exit_code, result.stdout) == ("error", 2, "in file\n")


def test_a_global_set_in_one_run_is_absent_in_the_next(pool):
    first = pool.run("import sys, json\nsys.leaked = 1\njson.leaked = 2\nprint('set')")
    assert first.stdout == "set\n"
    for _ in range(3):  # whichever sandbox serves it
        again = pool.run("import sys, json\nprint(hasattr(sys, 'leaked'), hasattr(json, 'leaked'))")
        assert again.stdout == "False False\n"


def test_files_of_one_run_are_gone_in_the_next(pool):
    pool.run(
        "open('left.txt', 'w').write('x')\nopen('/tmp/left.txt', 'w').write('x')",
        files={"given.txt": "g"},
    )
    for _ in range(3):
        listing = pool.run("import os\nprint(sorted(os.listdir('.')), os.listdir('/tmp'))")
        assert listing.stdout == "['main.py'] []\n"


def test_no_process_of_a_run_survives_it(pool, token):
    code = (
        "import subprocess, sys\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', '{token}'],\n"
        "                 start_new_session=True)\n"
        "print('spawned')"
    )
    assert pool.run(code).stdout == "spawned\n"
    assert survivors(token) == []


def test_a_timed_out_sandbox_is_replaced(pool):
    assert pool.run("while True:\n    pass", timeout_s=0.5).status == "timeout"
    results = pool.run_many([{"code": f"print({i})"} for i in range(20)])
    assert [result.stdout for result in results] == [f"{i}\n" for i in range(20)]


def test_pooled_runs_are_faster_than_cold_runs(pool):
    def latency(function, count=10) -> float:
        times = []
        for _ in range(count):
            start = time.perf_counter()
            assert function("print(sum(range(1000)))").stdout == "499500\n"
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    assert latency(pool.run) < latency(run) / 2


def test_run_many_keeps_order_and_defaults(pool):
    jobs = [{"code": "import sys; print(sys.stdin.read())", "stdin": str(i)} for i in range(8)]
    jobs.append({"code": "import sys; print(sys.stdin.read())"})
    results = pool.run_many(jobs, stdin="default")
    assert [result.stdout for result in results] == [f"{i}\n" for i in range(8)] + ["default\n"]


def test_a_closed_pool_refuses_to_run():
    closed = SandboxPool(1)
    closed.close()
    with pytest.raises(SandboxError, match="closed"):
        closed.run("pass")


def test_pool_size_must_be_positive():
    with pytest.raises(SandboxError, match="size"):
        SandboxPool(0)
