"""The OpenAI-compatible HTTP server that ``cogym serve`` runs, over any LLM backend.

``protocol`` decodes and validates chat-completion requests and builds replies, ``limits``
holds the server's limits and the context checks, ``jobs`` and ``batching`` run the
backend from one worker thread over a fair, bounded queue, ``app`` is the ASGI application
(Starlette) and ``server`` runs it on uvicorn. The client side is
:class:`cogym.agents.backends.openai_backend.OpenAIBackend`.
"""

from __future__ import annotations

from cogym.serve.limits import ServeLimits
from cogym.serve.server import CogymServer, make_server, serve

__all__ = ["CogymServer", "ServeLimits", "make_server", "serve"]
