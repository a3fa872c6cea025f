"""The OpenAI-compatible HTTP server that ``cogym serve`` runs, over any LLM backend.

``protocol`` validates chat-completion requests and builds replies, ``batching`` runs the
backend from one worker thread and merges concurrent requests, ``server`` holds the HTTP
side. The client side is :class:`cogym.agents.backends.openai_backend.OpenAIBackend`.
"""

from __future__ import annotations

from cogym.serve.server import ChatApp, CogymServer, make_server, serve

__all__ = ["ChatApp", "CogymServer", "make_server", "serve"]
