"""One program to run: its source, stdin, files and limits, checked and encoded for the runner."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from cogym.sandbox.errors import SandboxError
from cogym.sandbox.limits import SCRATCH_MB, Limits
from cogym.sandbox.protocol import frame

#: Where the program itself goes; ``files`` may not use this name.
MAIN_FILE = "main.py"


def check_file_path(path: object) -> str:
    """Check a path from ``files`` and return it normalized.

    :param path: relative to the scratch dir, ``/``-separated, without ``..``.
    :raises SandboxError: for an absolute path, ``..``, an empty path or ``main.py``.
    """
    if not isinstance(path, str) or not path.strip("./") or "\x00" in path:
        raise SandboxError(f"file path {path!r} is not a usable path; give e.g. 'data/input.txt'")
    pure = PurePosixPath(path)
    if pure.is_absolute():
        raise SandboxError(
            f"file path {path!r} is absolute; give a path relative to the scratch dir, "
            "e.g. 'data/input.txt'"
        )
    if ".." in pure.parts:
        raise SandboxError(f"file path {path!r} contains '..'; files must stay in the scratch dir")
    normalized = pure.as_posix()
    if normalized == MAIN_FILE:
        raise SandboxError(f"files may not contain {MAIN_FILE!r}: pass the program as code")
    return normalized


def check_files(files: Mapping[str, str | bytes] | None) -> tuple[tuple[str, bytes], ...]:
    """Check ``files`` and return ``(path, content)`` pairs with str contents encoded as UTF-8.

    :param files: relative path -> text or bytes, or None.
    :raises SandboxError: for bad paths, a path used both as file and directory, contents
        that are neither str nor bytes, or more than the scratch dir holds.
    """
    if files is None:
        return ()
    if not isinstance(files, Mapping):
        raise SandboxError(
            f"files must be a mapping of relative path to str or bytes, got {files!r}"
        )
    checked: dict[str, bytes] = {}
    for path, content in files.items():
        normalized = check_file_path(path)
        if isinstance(content, str):
            content = content.encode("utf-8")
        elif not isinstance(content, bytes | bytearray):
            raise SandboxError(f"content of file {path!r} must be str or bytes, got {content!r}")
        if normalized in checked:
            raise SandboxError(f"file path {path!r} is given twice")
        checked[normalized] = bytes(content)
    for path in checked:
        for parent in PurePosixPath(path).parents:
            if parent.as_posix() in checked:
                raise SandboxError(f"{parent.as_posix()!r} is given as a file and as a directory")
    if sum(len(content) for content in checked.values()) > SCRATCH_MB * 1024 * 1024:
        raise SandboxError(f"files add up to more than the scratch dir's {SCRATCH_MB} MiB")
    return tuple(checked.items())


@dataclass(frozen=True)
class Job:
    """A program run as ``python3 main.py`` in a fresh scratch dir.

    :param code: the program's source.
    :param stdin: text fed to its stdin (empty stdin when None).
    :param files: ``(relative path, content)`` pairs written into the scratch dir first.
    :param limits: its limits.
    """

    code: str
    stdin: str | None = None
    files: tuple[tuple[str, bytes], ...] = ()
    limits: Limits = field(default_factory=Limits)

    @classmethod
    def create(
        cls,
        code: str,
        *,
        stdin: str | None = None,
        files: Mapping[str, str | bytes] | None = None,
        limits: Limits,
    ) -> Job:
        """Check the arguments of a run and build the job.

        :raises SandboxError: for a non-str code or stdin, or bad files.
        """
        if not isinstance(code, str):
            raise SandboxError(f"code must be a str of Python source, got {type(code).__name__}")
        if stdin is not None and not isinstance(stdin, str):
            raise SandboxError(f"stdin must be a str or None, got {type(stdin).__name__}")
        return cls(code, stdin, check_files(files), limits)

    def encode(self) -> bytes:
        """The job as a frame for the runner."""
        return frame(
            {
                "code": self.code,
                "files": [[path, content] for path, content in self.files],
                "stdin": self.stdin.encode("utf-8") if self.stdin else None,
                "rlimits": self.limits.rlimits(),
            }
        )
