"""One output stream of a run, read incrementally with a cap.

The first ``limit`` bytes are kept and the rest only counted, so a program that prints a
gigabyte never has more than a few windows of it in the host's memory. The stream may end
with the runner's end marker (and, on stdout, a status line after it), which is found in
a small window over the stream's tail and is not part of the program's output.
"""

from __future__ import annotations

from cogym.sandbox.protocol import MAX_STATUS_BYTES


def truncation_note(limit: int) -> str:
    """The line that ends an output cut at ``limit`` bytes.

    :param limit: the ``max_output_bytes`` of the run.
    """
    return f"\n[... output truncated at {limit} bytes]"


def _cut_at_char_boundary(data: bytes) -> bytes:
    """Drop a UTF-8 sequence that the cut left incomplete at the end of ``data``."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 != 0x80:  # the last sequence starts here
            needed = (
                1 if byte < 0x80 else 2 if byte >> 5 == 0b110 else 3 if byte >> 4 == 0b1110 else 4
            )
            return data if back >= needed else data[:-back]
    return data


class StreamCapture:
    """Collects one stream of a run.

    :param limit: bytes of output to keep.
    :param marker: the end marker to watch for, or None to read until end of file.
    :param with_status: whether a status line follows the marker (stdout does).
    """

    def __init__(self, limit: int, marker: bytes | None, *, with_status: bool) -> None:
        self.limit = limit
        self.marker = marker
        self.with_status = with_status
        self._head = bytearray()
        self._tail = bytearray()
        self._window = len(marker) + MAX_STATUS_BYTES + 1 if marker else 0
        self._total = 0
        self._end: int | None = None  # where the marker starts, once seen
        self.status_line: bytes | None = None
        self.closed = False

    @property
    def done(self) -> bool:
        """Whether the marker (and its status line) arrived, or the stream ended."""
        return self._end is not None and (self.status_line is not None or not self.with_status)

    @property
    def size(self) -> int:
        """Bytes of program output so far (the marker excluded once seen)."""
        return self._total if self._end is None else self._end

    def feed(self, data: bytes) -> None:
        """Take the next chunk read from the stream.

        :param data: the chunk.
        """
        if len(self._head) < self.limit:
            self._head += data[: self.limit - len(self._head)]
        self._total += len(data)
        if self.marker is None or self.done:
            return
        self._tail += data
        del self._tail[: -self._window]
        start = self._total - len(self._tail)
        at = self._tail.find(self.marker) if self._end is None else self._end - start
        if at < 0:
            return
        self._end = start + at
        if self.with_status:
            rest = bytes(self._tail[at + len(self.marker) :])
            if b"\n" in rest:
                self.status_line = rest.split(b"\n", 1)[0]

    def text(self) -> tuple[str, bool]:
        """The program's output as text, and whether it was truncated."""
        size = self.size
        kept = bytes(self._head[: min(size, self.limit)])
        if size <= self.limit:
            return kept.decode("utf-8", errors="replace"), False
        cut = _cut_at_char_boundary(kept).decode("utf-8", errors="replace")
        return cut + truncation_note(self.limit), True
