"""Micro-batching: run a backend from one worker thread, merging requests that arrive
together with equal sampling params into one ``generate`` call."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from cogym.agents.backends.base import (
    Backend,
    Completion,
    Conversation,
    SamplingParams,
)
from cogym.core.errors import CogymError

logger = logging.getLogger(__name__)


class ServerBusyError(CogymError):
    """The generation queue is full, or the server is shutting down."""


# -- micro-batching ------------------------------------------------------------------------


@dataclass
class _Job:
    conversations: list[Conversation]
    params: SamplingParams
    future: Future[list[Completion]] = field(default_factory=Future)

    @property
    def mergeable(self) -> bool:
        # A seeded sample must not depend on which other requests share its batch.
        return self.params.greedy or self.params.seed is None


class MicroBatcher:
    """Runs a backend from one worker thread, merging queued jobs with equal params.

    The worker takes the oldest job, waits up to ``window_s`` for more jobs with the same
    sampling params, and generates them all in one call. Seeded sampling jobs run alone,
    so that a seed gives the same sample whatever else is queued.

    :param backend: the backend that generates.
    :param window_s: how long to wait for more jobs before generating.
    :param max_batch_size: the most conversations merged into one call (a larger job
        still runs, alone).
    :param max_queued: the most jobs waiting; :meth:`submit` refuses more.
    """

    def __init__(
        self,
        backend: Backend,
        window_s: float = 0.005,
        max_batch_size: int = 64,
        max_queued: int = 256,
    ) -> None:
        self.backend = backend
        self.window_s = window_s
        self.max_batch_size = max_batch_size
        self.max_queued = max_queued
        self._pending: deque[_Job] = deque()
        self._condition = threading.Condition()
        self._closed = False
        self._worker = threading.Thread(target=self._run, name="cogym-batcher", daemon=True)
        self._worker.start()

    @property
    def queued(self) -> int:
        """How many jobs wait for the worker."""
        with self._condition:
            return len(self._pending)

    def submit(
        self, conversations: Sequence[Conversation], params: SamplingParams
    ) -> Future[list[Completion]]:
        """Queue a job; its future gives one completion per conversation, in order.

        :param conversations: the job's conversations.
        :param params: sampling params for all of them.
        :raises ServerBusyError: when the queue is full or the batcher is closed.
        """
        job = _Job(list(conversations), params)
        with self._condition:
            if self._closed:
                raise ServerBusyError("the server is shutting down")
            if len(self._pending) >= self.max_queued:
                raise ServerBusyError(
                    f"the server is busy ({len(self._pending)} requests queued); retry later"
                )
            self._pending.append(job)
            self._condition.notify()
        return job.future

    def close(self) -> None:
        """Stop the worker after its current batch; queued jobs fail with ServerBusyError."""
        with self._condition:
            self._closed = True
            dropped = list(self._pending)
            self._pending.clear()
            self._condition.notify_all()
        for job in dropped:
            job.future.set_exception(ServerBusyError("the server is shutting down"))

    def _run(self) -> None:
        while (batch := self._next_batch()) is not None:
            self._generate(batch)

    def _next_batch(self) -> list[_Job] | None:
        with self._condition:
            while not self._pending and not self._closed:
                self._condition.wait()
            if not self._pending:
                return None
            deadline = time.monotonic() + self.window_s
            while self._pending[0].mergeable and self._mergeable_size() < self.max_batch_size:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    break
                self._condition.wait(remaining)
            if not self._pending:  # closed while waiting
                return None
            return self._take_batch()

    def _mergeable_size(self) -> int:
        first = self._pending[0]
        return sum(
            len(job.conversations)
            for job in self._pending
            if job.mergeable and job.params == first.params
        )

    def _take_batch(self) -> list[_Job]:
        first = self._pending.popleft()
        batch, size = [first], len(first.conversations)
        if not first.mergeable:
            return batch
        for job in list(self._pending):
            fits = size + len(job.conversations) <= self.max_batch_size
            if job.mergeable and job.params == first.params and fits:
                self._pending.remove(job)
                batch.append(job)
                size += len(job.conversations)
        return batch

    def _generate(self, batch: list[_Job]) -> None:
        conversations = [conversation for job in batch for conversation in job.conversations]
        try:
            completions = self.backend.generate(conversations, batch[0].params)
            if len(completions) != len(conversations):
                raise CogymError(
                    f"the backend returned {len(completions)} completions "
                    f"for {len(conversations)} conversations"
                )
        except Exception as error:
            logger.exception("generation failed")
            for job in batch:
                job.future.set_exception(error)
            return
        start = 0
        for job in batch:
            end = start + len(job.conversations)
            job.future.set_result(completions[start:end])
            start = end
