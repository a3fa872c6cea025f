"""The pieces between host and runner: output capture, frames, the runner's own code."""

from __future__ import annotations

import ast

from cogym.sandbox import run
from cogym.sandbox.backends import interpreter
from cogym.sandbox.output import StreamCapture, truncation_note
from cogym.sandbox.protocol import end_marker, new_nonce, parse_status

MARKER = end_marker("ab" * 16)


def test_capture_finds_a_marker_split_across_chunks():
    capture = StreamCapture(100, MARKER, with_status=True)
    data = b"hello\n" + MARKER + b'{"exit_code":0}\n'
    for index in range(len(data)):
        capture.feed(data[index : index + 1])
    assert capture.done and capture.status_line == b'{"exit_code":0}'
    assert capture.text() == ("hello\n", False)


def test_capture_waits_for_the_whole_status_line():
    capture = StreamCapture(100, MARKER, with_status=True)
    capture.feed(b"out" + MARKER + b'{"exit')
    assert not capture.done
    capture.feed(b'_code":3}\n')
    assert capture.done and parse_status(capture.status_line) == {"exit_code": 3}


def test_capture_keeps_the_head_and_counts_the_rest():
    capture = StreamCapture(10, MARKER, with_status=False)
    for _ in range(1000):
        capture.feed(b"0123456789" * 100)
    capture.feed(MARKER + b"\n")
    assert capture.size == 1_000_000
    assert capture.text() == ("0123456789" + truncation_note(10), True)


def test_capture_without_a_marker_reads_to_the_end():
    capture = StreamCapture(5, None, with_status=False)
    capture.feed(b"abcdefgh")
    assert not capture.done and capture.text() == ("abcde" + truncation_note(5), True)


def test_nonces_are_fresh():
    assert len({new_nonce() for _ in range(100)}) == 100


def test_a_garbled_status_line_reads_as_no_status():
    assert parse_status(b"not json") == {} and parse_status(b"[1]") == {}


def test_the_runner_keeps_to_python_3_8_syntax():
    ast.parse(interpreter.runner_source(), feature_version=(3, 8))


def test_the_runner_also_starts_from_source(monkeypatch):
    # as it does where the sandbox's interpreter is not this one (docker)
    monkeypatch.setattr(interpreter, "runner_code_hex", lambda: None)
    result = run("import sys\nprint(sys.stdin.read())\n1 / 0", stdin="src", backend="subprocess")
    assert (result.status, result.stdout) == ("error", "src\n")
    assert result.stderr.startswith("Traceback") and "cogym-runner" not in result.stderr
