"""Offline generation with vLLM's ``LLM`` engine (the ``vllm`` extra, a CUDA GPU)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from cogym.agents.backends.base import Completion, SamplingParams, TokenizerBackend
from cogym.agents.backends.model_files import BUILTIN, BUILTIN_NAME, local_model_dir
from cogym.core.errors import CogymError


def _import_vllm() -> Any:
    try:
        import vllm
    except ImportError as error:
        raise CogymError(
            "VLLMBackend needs vLLM, which runs on Linux with a CUDA GPU: "
            f"pip install 'cogym[vllm]' ({error})"
        ) from None
    return vllm


class VLLMBackend(TokenizerBackend):
    """Generate with an offline ``vllm.LLM`` engine: batched and paged, for real runs.

    Prompts are chat-formatted and tokenised here and passed to vLLM as token ids, so
    completions are token-in/token-out like the other backends. Log-probs are vLLM's
    sampled-token log-probs (``logprobs=0``), from the unmodified distribution in vLLM's
    default ``raw_logprobs`` mode.

    :param model: ``"builtin"``, a model folder, or a ``.gguf`` file (de-quantised and
        cached first, as for :class:`TransformersBackend`).
    :param engine_kwargs: passed to ``vllm.LLM`` (``gpu_memory_utilization``,
        ``max_model_len``, ``tensor_parallel_size``, ``dtype``...).
    """

    def __init__(self, model: str | os.PathLike[str] = BUILTIN, **engine_kwargs: Any) -> None:
        vllm = _import_vllm()
        folder = local_model_dir(model)
        self._sampling_class = vllm.SamplingParams
        self.llm = vllm.LLM(model=str(folder), tokenizer=str(folder), **engine_kwargs)
        self.tokenizer = self.llm.get_tokenizer()
        self.name = BUILTIN_NAME if str(model) == BUILTIN else Path(model).name

    def generate_from_ids(
        self,
        prompts: Sequence[Sequence[int]],
        params: SamplingParams,
        interrupt: Callable[[], bool] | None = None,
    ) -> list[Completion]:
        """Generate from token ids; ``interrupt`` is checked only before the call (vLLM's
        offline engine finishes a call once started)."""
        if interrupt is not None and interrupt():
            return [Completion("", [], [], "length", list(prompt)) for prompt in prompts]
        # vLLM seeds each request on its own: one seed for all would give every copy of a
        # prompt (a GRPO group) the same sample, so request i gets seed + i
        sampling = [
            self._sampling_class(
                max_tokens=params.max_new_tokens,
                temperature=params.temperature,
                top_p=params.top_p,
                stop=list(params.stop) or None,
                seed=None if params.seed is None else params.seed + i,
                logprobs=0,
            )
            for i in range(len(prompts))
        ]
        outputs = self.llm.generate(
            [{"prompt_token_ids": list(prompt)} for prompt in prompts], sampling, use_tqdm=False
        )
        completions = []
        for prompt, output in zip(prompts, outputs, strict=True):
            choice = output.outputs[0]
            tokens = list(choice.token_ids)
            logprobs = [
                step[token].logprob for step, token in zip(choice.logprobs, tokens, strict=True)
            ]
            finish = "length" if choice.finish_reason == "length" else "stop"
            completions.append(Completion(choice.text, tokens, logprobs, finish, list(prompt)))
        return completions

    def close(self) -> None:
        self.llm = None
