"""LLM backends behind one interface, and :func:`load_backend` to pick one by a spec string.

Backends import their heavy dependencies (torch, transformers, vLLM, httpx) only when
they are made, so ``import cogym`` stays light.
"""

from __future__ import annotations

from typing import Any

from cogym.agents.backends.base import Backend, Completion, Conversation, Message, SamplingParams
from cogym.agents.backends.model_files import BUILTIN

MODEL_SPEC_HELP = (
    "builtin (SmolLM2-135M-Instruct, offline) | PATH (model folder or .gguf file) | "
    "openai:URL (any OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1) | "
    "vllm:PATH (offline vLLM engine; PATH may be builtin)"
)


def load_backend(spec: str = BUILTIN, **kwargs: Any) -> Backend:
    """Make the backend a spec string names (see :data:`MODEL_SPEC_HELP`).

    :param spec: ``"builtin"``, a path, ``"openai:URL"`` or ``"vllm:PATH"``.
    :param kwargs: passed to the backend's constructor.
    """
    if spec.startswith("openai:"):
        from cogym.agents.backends.openai_backend import OpenAIBackend

        return OpenAIBackend(spec.removeprefix("openai:"), **kwargs)
    if spec.startswith("vllm:"):
        from cogym.agents.backends.vllm_backend import VLLMBackend

        return VLLMBackend(spec.removeprefix("vllm:") or BUILTIN, **kwargs)
    from cogym.agents.backends.transformers_backend import TransformersBackend

    return TransformersBackend(spec, **kwargs)


__all__ = [
    "BUILTIN",
    "MODEL_SPEC_HELP",
    "Backend",
    "Completion",
    "Conversation",
    "Message",
    "SamplingParams",
    "load_backend",
]
