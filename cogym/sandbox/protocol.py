"""The host's side of the wire format spoken with the runner (see :mod:`cogym.sandbox.runner`).

Requests are frames (8-byte big-endian length, then a dict in ``marshal`` format 4, which
the runner reads without importing anything) on the runner's stdin; each
request is followed by a closing frame that carries a fresh nonce. The runner ends a
run's output with :func:`end_marker` of that nonce on stderr, and the marker plus a
one-line JSON status on stdout.
"""

from __future__ import annotations

import json
import marshal
import secrets
from collections.abc import Mapping
from typing import Any

HEADER_BYTES = 8
#: marshal's format 4 (Python 3.4+) holds dicts, lists, str, bytes, int, float and None.
MARSHAL_VERSION = 4
MARKER_PREFIX = b"\x00\x1bcogym-end:"
#: The longest status line the host accepts after a marker.
MAX_STATUS_BYTES = 4096


def frame(message: Mapping[str, Any]) -> bytes:
    """Encode one message as a frame.

    :param message: a mapping of str to str, bytes, numbers, None, lists and dicts of those.
    """
    body = marshal.dumps(dict(message), MARSHAL_VERSION)
    return len(body).to_bytes(HEADER_BYTES, "big") + body


def new_nonce() -> str:
    """A fresh nonce: 32 hex digits no program in the sandbox can guess."""
    return secrets.token_hex(16)


def end_marker(nonce: str) -> bytes:
    """The bytes that end a run's output on both streams.

    :param nonce: from :func:`new_nonce`.
    """
    return MARKER_PREFIX + nonce.encode("ascii") + b"\x00"


def closing_frame(nonce: str) -> bytes:
    """The frame that follows every request, telling the runner which marker to write.

    :param nonce: from :func:`new_nonce`.
    """
    return frame({"end": nonce})


def parse_status(line: bytes) -> dict[str, Any]:
    """Decode the runner's status line; an empty dict when it is not a JSON object.

    :param line: the bytes between the marker and the newline on stdout.
    """
    try:
        status = json.loads(line.decode("ascii"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return status if isinstance(status, dict) else {}
