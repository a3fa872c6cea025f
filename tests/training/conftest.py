import pytest

import cogym
from tests.training.toy_envs import DIGITS


@pytest.fixture
def digits_family():
    """The toy digits family, registered for one test."""
    cogym.register_family(DIGITS)
    yield DIGITS
    cogym.unregister_family(DIGITS)
