"""The code task generator's own checks on its families' references."""

import pytest

from cogym.core.errors import InvalidTaskError
from cogym.envs.code.generator import _json_result


def test_a_reference_result_that_json_would_change_is_a_cogym_error() -> None:
    assert _json_result([1, "a", None], "lists") == [1, "a", None]
    with pytest.raises(InvalidTaskError, match="JSON round trip"):
        _json_result((1, 2), "tuples")  # a tuple comes back a list
