"""The base of every family's task config: a frozen dataclass with ``validate()``."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from cogym.core.checks import is_int, shown
from cogym.core.errors import InvalidArgumentError

ConfigT = TypeVar("ConfigT", bound="TaskConfig")
#: The largest int an override may hold, in absolute value; each field's own range is
#: checked by :meth:`TaskConfig.validate`.
MAX_FIELD_INT = 2**63 - 1


@dataclasses.dataclass(frozen=True)
class TaskConfig:
    """What a family's generator draws (reasoning-gym style).

    A subclass declares its fields with defaults and implements :meth:`validate` with
    :meth:`require`, so every message names the config and says what to pass.
    """

    def validate(self) -> None:
        """Raise :class:`InvalidArgumentError` saying which field is wrong and what to pass."""

    def require(self, condition: bool, message: str) -> None:
        """Raise ``InvalidArgumentError("invalid <Config>: <message>")`` unless ``condition``."""
        if not condition:
            raise InvalidArgumentError(f"invalid {type(self).__name__}: {message}")

    def with_overrides(self: ConfigT, **overrides: Any) -> ConfigT:
        """A validated copy with every override that is not ``None`` applied.

        Lists become tuples, so a config stays hashable and frozen; an env passes its
        optional kwargs straight through, and ``None`` means "the preset's value".

        :raises InvalidArgumentError: for a name that is not a field, or a bad value (an
            int past :data:`MAX_FIELD_INT` included, whatever the field).
        """
        names = {field.name for field in dataclasses.fields(self)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise InvalidArgumentError(
                f"{type(self).__name__} has no field(s) {unknown}; its fields are {sorted(names)}"
            )
        given = {
            key: tuple(value) if isinstance(value, list) else value
            for key, value in overrides.items()
            if value is not None
        }
        for key, value in given.items():  # field checks print the value: keep it printable
            self.require(
                not is_int(value) or abs(value) <= MAX_FIELD_INT,
                f"{key} must be an int of at most 64 bits; got {shown(value)}",
            )
        config = dataclasses.replace(self, **given)
        config.validate()
        return config
