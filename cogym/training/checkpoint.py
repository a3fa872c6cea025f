"""Checkpoints that resume a run exactly: trainable weights, optimiser, schedule, RNGs,
step and self-play baselines, next to a model folder that ``cogym run --model`` loads.

Layout of ``RUN_DIR/checkpoints/step_NNNNNN/``: ``state.pt`` (everything to resume),
``config.yaml`` (the run's config) and ``model/`` (a transformers model folder with the
tokenizer; LoRA runs save the adapter there, in peft's format).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from cogym.core.errors import InvalidArgumentError

STATE_FILE = "state.pt"


def checkpoint_dir(run_dir: str | Path, step: int) -> Path:
    """Where the checkpoint taken after ``step`` steps goes."""
    return Path(run_dir) / "checkpoints" / f"step_{step:06d}"


def latest_checkpoint(run_dir: str | Path) -> Path | None:
    """The run's newest complete checkpoint, or ``None``."""
    folder = Path(run_dir) / "checkpoints"
    done = sorted(path for path in folder.glob("step_*") if (path / STATE_FILE).is_file())
    return done[-1] if done else None


def rng_state() -> dict[str, Any]:
    """The states of Python's, numpy's and torch's global generators."""
    state = {
        "python": random.getstate(),
        "numpy": np.random.get_state(),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`rng_state` returned."""
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def trainable_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The parameters being trained, by name (all of them, or the LoRA adapters)."""
    return {
        name: parameter.detach().cpu().clone()
        for name, parameter in model.named_parameters()
        if parameter.requires_grad
    }


def load_trainable_state(model: torch.nn.Module, state: dict[str, torch.Tensor]) -> None:
    """Copy :func:`trainable_state`'s tensors back into ``model``'s parameters."""
    parameters = dict(model.named_parameters())
    missing = sorted(set(state) - set(parameters))
    if missing:
        raise InvalidArgumentError(
            f"the checkpoint has weights this model lacks ({missing[:3]}...); resume with "
            "the model and LoRA settings of the saved run"
        )
    with torch.no_grad():
        for name, value in state.items():
            parameters[name].copy_(value.to(parameters[name].device))


def save(folder: Path, state: dict[str, Any]) -> None:
    """Write ``state`` to ``folder/state.pt`` atomically (a crash leaves no half file)."""
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / (STATE_FILE + ".partial")
    torch.save(state, partial)
    partial.replace(folder / STATE_FILE)


def load(folder: str | Path) -> dict[str, Any]:
    """Read a checkpoint's ``state.pt``.

    :raises InvalidArgumentError: when ``folder`` holds no checkpoint.
    """
    path = Path(folder) / STATE_FILE
    if not path.is_file():
        raise InvalidArgumentError(
            f"{folder} holds no checkpoint ({STATE_FILE} missing); pass a "
            "RUN_DIR/checkpoints/step_NNNNNN folder or a run folder that has one"
        )
    return torch.load(path, map_location="cpu", weights_only=False)
