"""Session: one sandboxed Python process, run cell by cell like a notebook."""

from __future__ import annotations

import pytest
from sandbox_helpers import skip_without_isolation

from cogym.sandbox import SandboxError, Session

pytestmark = pytest.mark.usefixtures("needs_isolation")  # most tests use "auto"


@pytest.fixture(scope="module")
def session():
    skip_without_isolation()  # before the module-wide fixture fails
    with Session(timeout_s=2.0) as shared:
        yield shared


def test_variables_persist_between_cells(session):
    session.run("counter = 40")
    session.run("counter += 2")
    assert session.run("print(counter)").stdout == "42\n"


def test_a_final_bare_expression_is_displayed(session):
    result = session.run("word = 'cogym'\nword.upper()")
    assert (result.status, result.stdout) == ("ok", "'COGYM'\n")


def test_a_final_none_or_statement_displays_nothing(session):
    assert session.run("print('once')").stdout == "once\n"
    assert session.run("value = 3").stdout == ""


def test_the_last_value_is_kept_as_underscore(session):
    session.run("6 * 7")
    assert session.run("print(_)").stdout == "42\n"


def test_an_exception_is_an_error_and_the_state_survives(session):
    session.run("kept = 'yes'")
    result = session.run("def broken():\n    return {}['missing']\nbroken()")
    assert (result.status, result.exit_code) == ("error", 1)
    assert 'File "<cell' in result.stderr and "return {}['missing']" in result.stderr
    assert result.stderr.endswith("KeyError: 'missing'\n")
    assert session.run("kept").stdout == "'yes'\n"


def test_a_memory_error_is_reported_and_the_state_survives(session):
    session.run("survivor = 1")
    assert session.run("hog = bytearray(8 * 1024**3)").status == "memory"
    assert session.run("survivor").stdout == "1\n"


def test_a_timeout_restarts_the_process_and_says_so(session):
    session.run("lost = True")
    result = session.run("while True:\n    pass")
    assert result.status == "timeout"
    assert "restarted" in result.stderr and "variables from earlier cells are gone" in result.stderr
    after = session.run("print('lost' in globals())")
    assert (after.status, after.stdout) == ("ok", "False\n")


def test_a_crash_restarts_the_process_and_says_so(session):
    result = session.run("import os\nos.kill(os.getpid(), 9)")
    assert (result.status, result.exit_code) == ("killed", -9)
    assert "restarted" in result.stderr
    assert session.run("1 + 1").stdout == "2\n"


def test_cells_get_the_per_call_output_limit():
    with Session(max_output_bytes=100) as small:
        result = small.run("print('z' * 300)")
        assert result.stdout_truncated
        assert result.stdout.endswith("[... output truncated at 100 bytes]")
        assert small.run("'fine'").stdout == "'fine'\n"


def test_a_closed_session_refuses_to_run():
    closed = Session()
    closed.close()
    with pytest.raises(SandboxError, match="closed"):
        closed.run("1")
