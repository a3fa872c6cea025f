"""vLLM generation for the GRPO trainer, with the policy's weights synced after each update.

:class:`VLLMGenerator` runs an offline ``vllm.LLM`` engine on the trainer's GPU, in the
trainer's own process, so a sync hands vLLM the trained tensors by reference (no copy
through a socket) and vLLM copies them into its own parameters with its model's
``load_weights``, the loader it reads checkpoints with. :func:`vllm_weight_items` gives
those tensors under checkpoint names, LoRA adapters merged in. Every failure of a sync
is a :class:`WeightSyncError`: the engine never goes on generating with stale weights.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any

import torch

from cogym.agents.backends.vllm_backend import VLLMBackend
from cogym.core.errors import CogymError, InvalidArgumentError

#: What to do when the vLLM path cannot work: the trainer's own generation always can.
FALLBACK = "set backend: transformers to generate with the model being trained"


class WeightSyncError(CogymError):
    """The trained weights could not be loaded into the vLLM engine."""


# -- the policy's weights under checkpoint names ------------------------------------------


def vllm_weight_items(model: torch.nn.Module) -> Iterator[tuple[str, torch.Tensor]]:
    """The policy's weights as ``(checkpoint name, tensor)`` pairs, adapters merged.

    A plain model gives its ``state_dict`` (detached, not copied). A peft LoRA model gives
    the same names as its base model's ``state_dict``: each adapted weight is
    ``W + scaling * B @ A`` (peft's own ``get_delta_weight``, the update its ``merge``
    adds), computed beside the model rather than merged into it, so the model is never
    changed and no merge/unmerge rounding creeps into bfloat16 base weights. Adapter
    tensors and ``modules_to_save`` originals are left out.

    :raises WeightSyncError: an adapter kind with no plain merge (DoRA, LoRA bias).
    """
    peft_prefix = _peft_prefix(model)
    state = model.state_dict()
    if peft_prefix is None:
        for name, tensor in state.items():
            yield name, tensor.detach()
        return
    layers = {name: module for name, module in model.named_modules() if _is_lora_layer(module)}
    for key, tensor in state.items():
        if f".{peft_prefix}" in key or "original_module" in key:
            continue
        name = (
            key.removeprefix("base_model.model.")
            .replace(".base_layer", "")
            .replace(".modules_to_save.default", "")
        )
        owner, _, leaf = key.rpartition(".base_layer.")
        if leaf == "weight" and owner in layers:
            tensor = _merged_weight(layers[owner], tensor, owner)
        yield name, tensor.detach()


def _peft_prefix(model: torch.nn.Module) -> str | None:
    """The adapter parameters' name prefix (``"lora_"``) of a peft model, else ``None``."""
    try:
        from peft import PeftModel
    except ImportError:
        return None
    if not isinstance(model, PeftModel):
        return None
    return str(getattr(model.base_model, "prefix", "lora_"))


def _is_lora_layer(module: torch.nn.Module) -> bool:
    from peft.tuners.lora import LoraLayer

    return isinstance(module, LoraLayer)


def _merged_weight(layer: Any, weight: torch.Tensor, name: str) -> torch.Tensor:
    if layer.disable_adapters:
        return weight
    merged = weight
    for adapter in layer.active_adapters:
        if adapter not in layer.lora_A or adapter in layer.merged_adapters:
            continue  # not an adapter of this layer, or already inside ``weight``
        if layer.use_dora.get(adapter) or getattr(layer, "lora_bias", {}).get(adapter):
            raise WeightSyncError(
                f"{name}: adapter {adapter!r} uses DoRA or a LoRA bias, which the vLLM sync "
                f"does not merge; use plain LoRA, or {FALLBACK}"
            )
        with torch.no_grad():
            merged = merged + layer.get_delta_weight(adapter).to(weight.dtype)
    return merged


# -- loading into the engine ----------------------------------------------------------------


def check_loaded(vllm_parameters: Iterable[str], loaded: Iterable[str] | None, sent: int) -> None:
    """Raise :class:`WeightSyncError` unless a sync reached every vLLM parameter.

    :param vllm_parameters: the names of the vLLM model's parameters.
    :param loaded: the names its ``load_weights`` reported as loaded, or ``None`` for a
        model that reports nothing (then only ``sent`` is checked).
    :param sent: how many tensors were handed to ``load_weights``.
    """
    if sent == 0:
        raise WeightSyncError(f"the policy gave no weights to sync; {FALLBACK}")
    if loaded is None:
        return
    missing = sorted(set(vllm_parameters) - set(loaded))
    if missing:
        shown = ", ".join(missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        raise WeightSyncError(
            f"the sync left {len(missing)} of vLLM's parameters at their old values ({shown}): "
            f"the policy's weight names do not match vLLM's model; {FALLBACK}"
        )


def _worker_model(worker: Any) -> Any:
    runner = worker.model_runner
    get_model = getattr(runner, "get_model", None)
    return get_model() if get_model is not None else runner.model


def _parameter_names(worker: Any) -> list[str]:
    """Runs in the vLLM worker: its model's parameter names."""
    return [name for name, _ in _worker_model(worker).named_parameters()]


def _load_weights(worker: Any, weights: Iterable[tuple[str, torch.Tensor]]) -> list[str] | None:
    """Runs in the vLLM worker: load ``weights``; the names it reports loaded."""
    loaded = _worker_model(worker).load_weights(weights)
    return None if loaded is None else sorted(loaded)


class _Counted:
    """An iterable of weights that counts what was taken from it."""

    def __init__(self, items: Iterator[tuple[str, torch.Tensor]]) -> None:
        self.items = items
        self.count = 0

    def __iter__(self) -> Iterator[tuple[str, torch.Tensor]]:
        for item in self.items:
            self.count += 1
            yield item


# -- the generator -------------------------------------------------------------------------


def _import_vllm() -> Any:
    try:
        import vllm
    except ImportError as error:
        raise CogymError(
            "backend: vllm needs vLLM, which runs on Linux with a CUDA GPU: install the vllm "
            f"extra there (pip install 'cogym[vllm]'), or {FALLBACK} ({error})"
        ) from None
    return vllm


@contextlib.contextmanager
def _in_process_engine() -> Iterator[None]:
    """Build vLLM's engine in this process, so syncs pass tensors by reference."""
    key = "VLLM_ENABLE_V1_MULTIPROCESSING"
    before = os.environ.get(key)
    os.environ[key] = "0"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = before


class VLLMGenerator(VLLMBackend):
    """The trainer's vLLM engine: generates rollouts, takes the policy's weights after updates.

    It shares the trainer's tokenizer and end-of-turn ids (so prompts, replies and the
    trainer's scoring see the same ids) and reads the model from the trainer's model
    folder in the trainer's dtype. The engine runs in this process on ``cuda:0`` and
    reserves ``gpu_memory_utilization`` of the GPU, leaving the rest to training.
    ``max_model_len`` is the model's own unless given: the config's token limits bound
    what the policy generates, not the prompts and env replies around it.

    The constructor syncs once, so a broken sync path fails before any rollout.

    :param model: the policy being trained (a transformers model, or a peft LoRA one).
    :param backend: the trainer's :class:`TransformersBackend` (tokenizer, dtype, device).
    :param config: the run's :class:`~cogym.training.config.GRPOConfig`.
    :param gpu_memory_utilization: the share of GPU memory vLLM takes (weights and KV cache).
    :param engine_kwargs: more ``vllm.LLM`` arguments (``max_model_len``, ``enforce_eager``...).
    :raises CogymError: vLLM is not installed.
    :raises InvalidArgumentError: the run is not on a CUDA GPU vLLM can share.
    :raises WeightSyncError: the first sync failed.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        backend: Any,
        config: Any,
        *,
        gpu_memory_utilization: float = 0.3,
        **engine_kwargs: Any,
    ) -> None:
        _import_vllm()
        device = torch.device(backend.device)
        if device.type != "cuda":
            raise InvalidArgumentError(
                f"backend: vllm generates on a CUDA GPU and this run's device is {device}; "
                f"set device: cuda, or {FALLBACK}"
            )
        if device.index not in (None, 0):
            raise InvalidArgumentError(
                f"backend: vllm runs its engine on cuda:0 and this run's device is {device}; "
                f"run with CUDA_VISIBLE_DEVICES={device.index} and device: cuda"
            )
        engine_kwargs.setdefault("dtype", str(backend.dtype).removeprefix("torch."))
        engine_kwargs.setdefault("seed", config.seed)
        with _in_process_engine():
            super().__init__(
                config.model, gpu_memory_utilization=gpu_memory_utilization, **engine_kwargs
            )
        self.tokenizer = backend.tokenizer
        self.end_token_ids = list(backend.end_token_ids)
        self.name = backend.name
        # vLLM also stops at the generation config's eos ids; naming them keeps both sure
        self._sampling_class = partial(self._sampling_class, stop_token_ids=self.end_token_ids)
        self.syncs = 0
        self.sync_seconds = 0.0
        self.last_sync_seconds = 0.0
        self.last_sync_tensors = 0
        self._vllm_parameters = self._on_worker(_parameter_names, "reading its parameter names")
        self.sync_weights(model)

    def sync_weights(self, model: torch.nn.Module) -> None:
        """Load ``model``'s weights (adapters merged) into the engine and drop its prefix cache.

        :raises WeightSyncError: loading failed, reached only part of vLLM's parameters,
            or the prefix cache could not be reset.
        """
        started = time.perf_counter()
        weights = _Counted(vllm_weight_items(model))
        with torch.no_grad():
            loaded = self._on_worker(_load_weights, "loading the policy's weights", weights)
        check_loaded(self._vllm_parameters, loaded, weights.count)
        try:
            reset = self.llm.reset_prefix_cache()
        except Exception as error:
            raise WeightSyncError(
                f"vLLM's prefix cache could not be reset after the sync "
                f"({type(error).__name__}: {error}); {FALLBACK}"
            ) from error
        if reset is False:  # vLLM refuses while requests are running
            raise WeightSyncError(
                "vLLM refused to reset its prefix cache after the sync, so cached prompts would "
                f"keep the old weights' keys and values; {FALLBACK}"
            )
        self.last_sync_seconds = time.perf_counter() - started
        self.last_sync_tensors = weights.count
        self.sync_seconds += self.last_sync_seconds
        self.syncs += 1

    def _on_worker(self, function: Callable[..., Any], doing: str, *args: Any) -> Any:
        """Run ``function(worker, *args)`` in vLLM's (single) worker and return its result.

        ``LLM.collective_rpc`` is vLLM's route to its workers; an engine without it is
        reached through ``llm_engine.model_executor.driver_worker`` (TRL's colocate path).
        """
        try:
            rpc = getattr(self.llm, "collective_rpc", None)
            if rpc is not None:
                return rpc(function, args=args)[0]
            worker = self.llm
            for attribute in ("llm_engine", "model_executor", "driver_worker"):
                if not hasattr(worker, attribute):
                    raise AttributeError(f"the vLLM engine has no {attribute} to reach its worker")
                worker = getattr(worker, attribute)
            return function(worker, *args)
        except WeightSyncError:
            raise
        except Exception as error:
            raise WeightSyncError(
                f"vLLM failed {doing} ({type(error).__name__}: {error}); this vLLM version may "
                f"not run in-process or may name its model differently: {FALLBACK}"
            ) from error

    def sync_metrics(self) -> dict[str, float]:
        """The syncs so far, their total and last time, and the tensors of the last one."""
        return {
            "vllm/syncs": float(self.syncs),
            "vllm/sync_s_total": self.sync_seconds,
            "vllm/sync_s_last": self.last_sync_seconds,
            "vllm/sync_tensors": float(self.last_sync_tensors),
        }
