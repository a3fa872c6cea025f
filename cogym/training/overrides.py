"""CLI overrides of a GRPO config: ``key=value`` strings applied to its plain data."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from cogym.core.checks import shown
from cogym.core.errors import InvalidArgumentError
from cogym.training.yaml_io import load_yaml

#: Keys people reach for that go by another name here, for the unknown-key hint.
_ALIASES = {
    "lr": "learning_rate",
    "mu": "updates_per_batch",
    "g": "group_size",
    "beta": "kl_beta",
    "epsilon": "clip_low",
    "epsilon_high": "clip_high",
    "num_generations": "group_size",
    "max_steps": "total_steps",
    "rank": "r",
}


def reject_unknown(data: Mapping[str, Any], known: list[str]) -> None:
    """Raise for the first key of ``data`` not in ``known``, naming close matches."""
    for key in data:
        if key in known:
            continue
        text = str(key)
        close = difflib.get_close_matches(text, known, n=3, cutoff=0.6)
        close += difflib.get_close_matches(text.replace(".", "_").replace("-", "_"), known, n=3)
        alias = _ALIASES.get(text.lower())
        if alias in known:
            close.insert(0, alias)
        close = list(dict.fromkeys(close))
        hint = f" Did you mean {' or '.join(close)}?" if close else ""
        raise InvalidArgumentError(
            f"unknown key {shown(key)}.{hint} The accepted keys are: {', '.join(known)}"
        )


def apply_override(data: dict[str, Any], override: Any) -> None:
    """Set one ``key=value`` override in ``data`` (a :meth:`GRPOConfig.to_dict`)."""
    if not isinstance(override, str) or "=" not in override:
        raise InvalidArgumentError("an override is 'key=value', e.g. learning_rate=1e-5")
    key, _, text = override.partition("=")
    parts = key.strip().split(".")
    if not all(parts):
        raise InvalidArgumentError(f"the key {key!r} has an empty part")
    value = load_yaml(text, "the value")
    if parts[0] not in data:
        reject_unknown({key.strip(): None}, list(data))
    node: Any = data
    for depth, part in enumerate(parts[:-1]):
        path = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            node = node[_list_index(part, node, path)]
        elif isinstance(node, dict):
            if node.get(part) is None and path == "lora":
                node[part] = {}
            if not isinstance(node.get(part), (dict, list)):
                raise InvalidArgumentError(
                    f"{path} is {shown(node.get(part))}, not a mapping or list: set {path}= "
                    "as a whole"
                )
            node = node[part]
    last = parts[-1]
    if isinstance(node, list):
        node[_list_index(last, node, key)] = value
    else:
        node[last] = value


def _list_index(part: str, node: list[Any], path: str) -> int:
    if not part.isdigit() or int(part) >= len(node):
        raise InvalidArgumentError(
            f"{path}: {part!r} is not an index of a list of {len(node)} (use 0 to {len(node) - 1})"
        )
    return int(part)
