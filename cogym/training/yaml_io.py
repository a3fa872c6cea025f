"""YAML for GRPO configs: YAML 1.2 floats, and no key given twice.

PyYAML follows YAML 1.1, where ``1e-6`` (no dot) is a string; learning rates are written
that way, so the loader reads it as a float and the dumper quotes a string that would
read back as one. A key given twice in one mapping is refused instead of the last one
silently winning.
"""

from __future__ import annotations

import re
from typing import Any

from cogym.core.errors import InvalidArgumentError


def yaml_module() -> Any:
    """PyYAML, or an error that says how to install it."""
    try:
        import yaml
    except ImportError:
        raise InvalidArgumentError(
            "reading and writing GRPO configs needs PyYAML: pip install 'cogym[train]' "
            "or pip install pyyaml"
        ) from None
    return yaml


def load_yaml(text: str, source: str) -> Any:
    """Parse YAML with YAML 1.2 floats (``1e-6`` is a number, not a string) and no key
    given twice in one mapping."""
    yaml = yaml_module()
    try:
        return yaml.load(text, Loader=yaml_classes(yaml)[0])
    except yaml.YAMLError as exc:
        raise InvalidArgumentError(f"{source} is not valid YAML: {exc}") from None


#: YAML 1.2 floats: ``1e-6`` has no dot, so PyYAML's YAML 1.1 rules read it as a string.
_FLOAT = re.compile(r"^[-+]?(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)[eE][-+]?\d+$")
_YAML_CLASSES: tuple[Any, Any] | None = None


def yaml_classes(yaml: Any) -> tuple[Any, Any]:
    """A loader and a dumper that agree on :data:`_FLOAT` (the dumper quotes a string that
    would read back as a float); the loader also refuses a key given twice."""
    global _YAML_CLASSES
    if _YAML_CLASSES is None:

        class Loader(yaml.SafeLoader):
            def construct_mapping(self, node: Any, deep: bool = False) -> Any:
                seen = set()
                for key_node, _ in node.value:
                    key = self.construct_object(key_node, deep=deep)
                    if key in seen:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"the key {key!r} is given twice", key_node.start_mark
                        )
                    seen.add(key)
                return super().construct_mapping(node, deep=deep)

        class Dumper(yaml.SafeDumper):
            pass

        for cls in (Loader, Dumper):
            cls.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))
        _YAML_CLASSES = (Loader, Dumper)
    return _YAML_CLASSES
