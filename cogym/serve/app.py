"""The ASGI application (Starlette): OpenAI's routes over a :class:`Scheduler`.

Endpoints: ``GET /v1/models``, ``GET /health`` and ``POST /v1/chat/completions`` (no
streaming), with OpenAI's JSON shapes and error objects. Besides OpenAI's fields, chat
requests take vLLM's extensions ``return_tokens_as_token_ids`` (log-prob entries name their
token as ``"token_id:<id>"``) and ``return_token_ids`` (the reply adds ``prompt_token_ids``
and each choice's ``token_ids``), so clients can train token-in/token-out.

A chat request is refused before it reaches the model when its body is too large (413),
malformed (400), or its prompt does not fit the model's context (400); it is dropped when
its client disconnects, and answered 504 when it passes the time limit.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive

from cogym.agents.backends.base import Backend, Completion, Conversation, TokenizerBackend
from cogym.core.errors import InvalidArgumentError
from cogym.serve.batching import Scheduler
from cogym.serve.jobs import Job, RequestTimeoutError, ServerBusyError
from cogym.serve.limits import (
    ServeLimits,
    content_bytes,
    context_error,
    fit_max_tokens,
    max_token_bytes,
    model_context,
)
from cogym.serve.protocol import ApiError, chat_response, parse_chat_request, parse_json_object

logger = logging.getLogger(__name__)

MAX_DISCARD_BYTES = 64 * 2**20  # a refused body up to this size is read, so the client sees 413
ROUTES = {"/v1/models": "GET", "/health": "GET", "/v1/chat/completions": "POST"}


class ClientGone(Exception):
    """The client disconnected before its reply."""


class ChatService:
    """The server's logic: validates requests, queues them, builds OpenAI replies.

    :param backend: generates the completions; never closed here.
    :param model_name: the model id clients see and must send.
    :param limits: the server's limits.
    :param scheduler: runs the backend.
    """

    def __init__(
        self, backend: Backend, model_name: str, limits: ServeLimits, scheduler: Scheduler
    ) -> None:
        self.backend = backend
        self.model_name = model_name
        self.limits = limits
        self.scheduler = scheduler
        self.context = model_context(backend)
        self.body_limit = limits.body_bytes(self.context)
        self.tokenizer: Any = backend.tokenizer if isinstance(backend, TokenizerBackend) else None
        self.token_bytes = max_token_bytes(self.tokenizer) if self.tokenizer is not None else 0
        self._encode_lock = threading.Lock()  # a fast tokenizer is not safe across threads
        self.disconnects = 0

    # -- routes -----------------------------------------------------------------------

    async def models(self, request: Request) -> Response:
        """``GET /v1/models``: the one served model."""
        model = {"id": self.model_name, "object": "model", "owned_by": "cogym"}
        return json_response(200, {"object": "list", "data": [model]})

    async def health(self, request: Request) -> Response:
        """``GET /health``: ok, the model's context, the queue's state and the counts."""
        state = {"status": "ok", "context": self.context, **self.scheduler.snapshot()}
        return json_response(200, {**state, "disconnects": self.disconnects})

    async def chat_completions(self, request: Request) -> Response:
        """``POST /v1/chat/completions``."""
        try:
            return json_response(200, await self._chat(request))
        except ApiError as error:
            return json_response(error.status, error.body())
        except ServerBusyError as error:
            return _error(503, str(error), "busy")
        except RequestTimeoutError as error:
            return _error(504, str(error), "timeout")
        except InvalidArgumentError as error:
            return json_response(400, ApiError(400, str(error)).body())
        except (ClientGone, ClientDisconnect):
            return _error(499, "the client disconnected", "client_closed_request")
        except Exception as error:
            logger.exception("POST /v1/chat/completions failed")
            return _error(500, f"generation failed: {type(error).__name__}: {error}")

    # -- a chat request ---------------------------------------------------------------

    async def _chat(self, request: Request) -> dict[str, Any]:
        body = await read_body(request, self.body_limit)
        chat = parse_chat_request(
            parse_json_object(body), self.model_name, self.limits.max_new_tokens
        )
        prompt_ids = await self._prompt_ids(chat.conversation)
        if prompt_ids is not None and self.context is not None:
            chat = fit_max_tokens(chat, len(prompt_ids), self.context)
        job = self.scheduler.submit([chat.conversation] * chat.n, chat.params, prompt_ids)
        completions = await self._completions(job, request.receive)
        if prompt_ids is not None:
            prompt_tokens = len(prompt_ids)
        else:
            prompt_tokens = len(completions[0].prompt_token_ids) or self.backend.count_tokens(
                chat.conversation
            )
        return chat_response(chat, completions, self.model_name, self._token_text, prompt_tokens)

    async def _prompt_ids(self, conversation: Conversation) -> list[int] | None:
        """The prompt's token ids, or None when the backend has no tokenizer.

        A prompt whose bytes alone prove it longer than the context is refused untokenised.
        """
        if self.tokenizer is None:
            return None
        size = content_bytes(conversation)
        if self.context is not None and size > self.context * self.token_bytes:
            raise context_error(f"more than {self.context} tokens ({size} bytes)", self.context)
        ids = await anyio.to_thread.run_sync(self._encode, conversation)
        if self.context is not None and len(ids) >= self.context:
            raise context_error(f"{len(ids)} tokens", self.context)
        return ids

    def _encode(self, conversation: Conversation) -> list[int]:
        assert isinstance(self.backend, TokenizerBackend)
        with self._encode_lock:
            return self.backend.encode_prompt(conversation)

    async def _completions(self, job: Job, receive: Receive) -> list[Completion]:
        """The job's completions; cancels the job when the client disconnects first."""
        result = asyncio.wrap_future(job.future)
        left = asyncio.ensure_future(wait_for_disconnect(receive))
        try:
            await asyncio.wait({result, left}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            left.cancel()
        if result.done():
            return result.result()
        result.cancel()  # cancels the job's future: the scheduler drops it
        self.disconnects += 1
        raise ClientGone

    def _token_text(self, token: int) -> str:
        if self.tokenizer is None:
            return f"token_id:{token}"
        return self.tokenizer.decode([token])

    # -- the application --------------------------------------------------------------

    def asgi_app(self) -> Starlette:
        """The Starlette application over this service."""
        handlers: dict[str, Callable[[Request], Awaitable[Response]]] = {
            "/v1/models": self.models,
            "/health": self.health,
            "/v1/chat/completions": self.chat_completions,
        }
        routes = [Route(path, handlers[path], methods=[method]) for path, method in ROUTES.items()]
        return Starlette(routes=routes, exception_handlers={HTTPException: http_error})


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, at most ``limit`` bytes.

    :param request: the request.
    :param limit: the largest body accepted.
    :raises ApiError: 400 for a bad Content-Length, 413 for a body over the limit.
    """
    length = request.headers.get("content-length")
    if length is not None and not length.isdigit():
        raise ApiError(400, f"Content-Length must be a non-negative integer, got {length!r}")
    if length is not None and int(length) > limit:
        await _discard(request, int(length))
        raise _too_large(length, limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            await _discard(request, MAX_DISCARD_BYTES)
            raise _too_large(f"more than {limit}", limit)
        chunks.append(chunk)
    return b"".join(chunks)


async def _discard(request: Request, length: int) -> None:
    """Read and drop a refused body up to a bound, so that the client reads the reply."""
    if length > MAX_DISCARD_BYTES:
        return  # uvicorn closes the connection after the reply
    read = 0
    async for chunk in request.stream():
        read += len(chunk)
        if read > MAX_DISCARD_BYTES:
            return


def _too_large(length: str, limit: int) -> ApiError:
    return ApiError(
        413,
        f"the body has {length} bytes; at most {limit} are accepted",
        code="request_too_large",
    )


async def wait_for_disconnect(receive: Receive) -> None:
    """Return when the client disconnects (the request body must have been read)."""
    while (await receive())["type"] != "http.disconnect":
        pass


async def http_error(request: Request, error: Exception) -> Response:
    """OpenAI-style 404 and 405 replies for Starlette's routing errors."""
    assert isinstance(error, HTTPException)
    path = request.url.path
    if error.status_code == 405:
        allowed = ROUTES.get(path.rstrip("/"), "another method")
        message = f"{path} takes {allowed}, not {request.method}"
        return _error(405, message, "method_not_allowed", kind="invalid_request_error")
    if error.status_code == 404:
        known = ", ".join(f"{method} {route}" for route, method in ROUTES.items())
        message = f"no endpoint {path}; this server offers {known}"
        return _error(404, message, "not_found", kind="invalid_request_error")
    return _error(error.status_code, str(error.detail), kind="invalid_request_error")


def _error(
    status: int, message: str, code: str | None = None, kind: str = "server_error"
) -> Response:
    return json_response(status, ApiError(status, message, code=code, kind=kind).body())


def json_response(status: int, body: dict[str, Any]) -> Response:
    """A JSON reply (log-probs may be ``-Infinity``, as Python's json writes it)."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return Response(data, status_code=status, media_type="application/json")
