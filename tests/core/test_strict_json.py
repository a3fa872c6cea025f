"""Standard JSON only, from untrusted bytes, with one error type that says what is wrong."""

import re

import pytest

from cogym.core.errors import CogymError
from cogym.core.strict_json import JSONReadError, loads


def test_standard_json_reads_as_python_reads_it():
    assert loads(b'{"a": [1, -2.5, null, true], "b": "\\u00e9"}') == {
        "a": [1, -2.5, None, True],
        "b": "\u00e9",
    }
    assert loads('{"n": 12345}', max_int_digits=5) == {"n": 12345}


@pytest.mark.parametrize(
    ("data", "kwargs", "words"),
    [
        (b'{"x": "\xff"}', {}, "not UTF-8 text (byte 8)"),
        (b"{oops", {}, "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, {}, "nested too deeply"),
        (b"9" * 5000, {}, "cannot be read"),  # past Python's int-string limit
        (b'{"n": -123456}', {"max_int_digits": 5}, "an integer of 7 characters (at most 5"),
        (b"[NaN]", {}, "NaN is not a JSON value"),
        (b"-Infinity", {}, "-Infinity is not a JSON value"),
    ],
)
def test_anything_else_is_one_error_saying_what_is_wrong(data, kwargs, words):
    with pytest.raises(JSONReadError, match=re.escape(words)) as caught:
        loads(data, **kwargs)
    assert isinstance(caught.value, CogymError) and isinstance(caught.value, ValueError)
