"""Standard JSON from untrusted bytes (a tasks file line, a request body), one error type.

Python's reader takes ``NaN`` and ``Infinity``, raises ``RecursionError`` on deep nesting,
``ValueError`` on an integer past its int-string limit and ``UnicodeDecodeError`` on bytes
that are not UTF-8; :func:`loads` turns each into a :class:`JSONReadError` whose message
says what is wrong, for the caller to place (``file:line``, an HTTP 400).
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from cogym.core.errors import CogymError


class JSONReadError(CogymError, ValueError):
    """The data is not standard JSON, or not JSON that may be read here."""


def loads(data: bytes | str, *, max_int_digits: int | None = None) -> Any:
    """Read standard JSON: no ``NaN``/``Infinity``, nesting Python's parser can follow.

    :param data: UTF-8 bytes or text.
    :param max_int_digits: the most digits an integer may have (None: Python's own limit).
    :raises JSONReadError: saying what is wrong.
    """
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as error:
        raise JSONReadError(f"not UTF-8 text (byte {error.start + 1})") from None
    try:
        return json.loads(
            text, parse_constant=_no_constant, parse_int=partial(_int, max_int_digits)
        )
    except JSONReadError:
        raise
    except json.JSONDecodeError as error:
        raise JSONReadError(f"not valid JSON ({error.msg})") from None
    except RecursionError:
        raise JSONReadError("the JSON is nested too deeply to read") from None
    except ValueError as error:  # an integer past Python's int-to-string limit
        raise JSONReadError(f"the JSON cannot be read ({error})") from None


def _int(max_digits: int | None, text: str) -> int:
    if max_digits is not None and len(text.lstrip("-")) > max_digits:
        raise JSONReadError(
            f"an integer of {len(text)} characters (at most {max_digits} digits are accepted)"
        )
    return int(text)


def _no_constant(name: str) -> Any:
    raise JSONReadError(f"{name} is not a JSON value")
