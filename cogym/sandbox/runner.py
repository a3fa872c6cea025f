"""The supervisor inside every sandbox (its command: ``backends.interpreter.runner_command``).

This is the only cogym code that runs inside a sandbox. It uses the standard library
only and Python 3.8 syntax (a docker image may carry another interpreter), and the host
never imports it: it passes this file's text, or its compiled code where the sandbox
runs the host's own interpreter, on the command line. Every import here is paid at each
cold start, so the runner keeps to modules built into the interpreter and imports the
others only where it needs them (``json``, ``signal`` and ``contextlib`` would cost
~10 ms: they pull in ``re`` and ``enum``).

Protocol (host side: :mod:`cogym.sandbox.protocol`). The host writes frames to the
runner's stdin: 8 bytes of big-endian length, then a dict in ``marshal`` format 4 (read
by any Python 3, with nothing to import). Each request is two frames: the work, then
``{"end": nonce}``. The runner reads the second frame only once
the work is over, so the code it ran never saw the nonce. It then ends the run's output
with the marker ``MARKER + nonce + NUL``: alone on stderr, and followed by a one-line JSON
status on stdout. The host reads both streams up to those markers.

Modes (``config["mode"]``):

- ``serve``: each request is a job (program, files, stdin, rlimits). The runner forks a
  fresh child for it, which drops to the run's own uid where the sandbox allows, writes
  the files into the scratch dir, applies the rlimits and runs the program as
  ``__main__``. Afterwards every process of the run is killed and the scratch dirs are
  wiped, so a warm sandbox can serve the next job with no state left from this one.
- ``session``: each request is a notebook cell, run in the runner's own process in one
  namespace that lives across cells; a final bare expression's value is displayed.

The runner watches its stdin: when the host goes away (the pipe hangs up) it kills the
run and exits, which tears the sandbox down.

Memory watch (``config["watch_kb"]``, set where the host has no cgroup for the sandbox):
while a ``serve`` job runs, every :data:`WATCH_INTERVAL_MS` the runner adds up the
resident memory (anonymous and shared, not file-backed) of the sandbox's processes:
every process of its pid namespace, or without one the runner and its descendants.
Past ``watch_kb`` it kills the run and reports it as out of memory (``run_memory``). Each
process's own ``RLIMIT_AS`` still holds in between. It is a sampled bound: a run can pass
it by what it allocates within one interval, and memory held only by the kernel (pipe
buffers, unmapped memfd files) or by processes that left the runner's tree (without a pid
namespace) is not seen. In ``session`` mode a thread watches each cell the same way and
kills the processes the cell started. Run processes get the highest
``oom_score_adj``, so that an out-of-memory killer picks them before the runner.
"""

from __future__ import annotations

import marshal
import os
import select
import sys

MARKER = b"\x00\x1bcogym-end:"
HEADER_BYTES = 8
CONTROL_FD = 0
PR_SET_DUMPABLE = 4
SIGKILL = 9
# How often the memory watch samples the sandbox's processes.
WATCH_INTERVAL_MS = 10
# Frames of these files (the runner, and the -c line that started it) are hidden from
# tracebacks of the code it runs.
RUNNER_FILENAMES = ("<cogym-runner>", "<string>")
# Imported once by a warm sandbox so that forked runs start with them loaded.
WARM_MODULES = (
    "atexit",
    "base64",
    "bisect",
    "collections",
    "copy",
    "dataclasses",
    "datetime",
    "decimal",
    "fractions",
    "functools",
    "heapq",
    "itertools",
    "math",
    "random",
    "re",
    "statistics",
    "string",
    "threading",
    "traceback",
    "types",
    "typing",
)


# ---------------------------------------------------------------- frames and markers


def read_exact(fd: int, size: int) -> bytes | None:
    """Read exactly ``size`` bytes from ``fd``; None at end of file."""
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int) -> dict | None:
    """Read one frame from the host; None when the host has closed the pipe."""
    header = read_exact(fd, HEADER_BYTES)
    if header is None:
        return None
    body = read_exact(fd, int.from_bytes(header, "big"))
    return None if body is None else marshal.loads(body)


def quietly(function, *args) -> None:
    """Call ``function(*args)`` and ignore whatever it raises."""
    try:  # noqa: SIM105  (contextlib.suppress would cost its imports at every start)
        function(*args)
    except BaseException:
        pass


def to_json(status: dict) -> bytes:
    """Encode a flat dict of str keys and int, bool or None values as JSON."""
    words = {None: "null", True: "true", False: "false"}
    items = []
    for key, value in status.items():
        text = words[value] if value is None or isinstance(value, bool) else str(int(value))
        items.append(f'"{key}":{text}')
    return ("{" + ",".join(items) + "}").encode("ascii")


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` to ``fd``."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def send_end(nonce: str, status: dict) -> None:
    """End the current run's output: the marker on stderr, marker and status on stdout."""
    marker = MARKER + nonce.encode("ascii") + b"\x00"
    try:
        write_all(2, marker + b"\n")
        write_all(1, marker + to_json(status) + b"\n")
    except OSError:  # the host is gone
        os._exit(0)


def end_request(status: dict, control: int = CONTROL_FD) -> None:
    """Read the request's closing frame and send the end markers with ``status``."""
    closing = read_frame(control)
    if closing is None:
        os._exit(0)
    send_end(closing["end"], status)


# ---------------------------------------------------------------- process setup


def set_rlimits(rlimits: dict) -> None:
    """Apply ``{"RLIMIT_X": [soft, hard]}``; names this platform lacks are skipped."""
    import resource

    for name, (soft, hard) in rlimits.items():
        which = getattr(resource, name, None)
        if which is None:
            continue
        _, current_hard = resource.getrlimit(which)
        if current_hard != resource.RLIM_INFINITY:
            soft, hard = min(soft, current_hard), min(hard, current_hard)
        resource.setrlimit(which, (soft, hard))


def drop_to_uid(uid: int) -> None:
    """Become ``uid`` (and gid ``uid``) for good, which also drops every capability."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def pick_uid(config: dict) -> int | None:
    """A fresh uid for one run when the sandbox may switch uids, else None."""
    if not config.get("uids"):
        return None
    base, span = config["uids"]
    return base + int.from_bytes(os.urandom(4), "big") % span


def add_site_packages() -> None:
    """Do what ``site`` would, minus running ``.pth`` files (the runner starts with -S)."""
    import site

    site.setquit()
    site.setcopyright()
    site.sethelper()
    for path in site.getsitepackages():
        if os.path.isdir(path) and path not in sys.path:
            sys.path.append(path)


def write_files(scratch: str, code: str, files: list) -> None:
    """Write ``main.py`` and the job's files (``(relative path, bytes)``) into ``scratch``."""
    root = os.path.realpath(scratch)
    for relative, data in files:
        path = os.path.realpath(os.path.join(root, relative))
        if not path.startswith(root + os.sep):
            raise ValueError(f"file path outside the scratch dir: {relative!r}")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)
    with open(os.path.join(root, "main.py"), "w", encoding="utf-8") as handle:
        handle.write(code)


def provide_stdin(data: bytes | None) -> None:
    """Make fd 0 a private in-memory file holding ``data``, or /dev/null."""
    if data:
        fd = os.memfd_create("stdin")
        write_all(fd, data)
        os.lseek(fd, 0, os.SEEK_SET)
    else:
        fd = os.open(os.devnull, os.O_RDONLY)
    os.dup2(fd, 0)
    os.close(fd)


def close_other_fds(keep: int) -> None:
    """Close every fd above 2 except ``keep``, so the run holds no pipe of the runner."""
    os.closerange(3, keep)
    os.closerange(keep + 1, 1 << 16)


# ---------------------------------------------------------------- running code


def visible_traceback(tb):
    """Drop the runner's own frames from the front of a traceback."""
    while tb is not None and tb.tb_frame.f_code.co_filename in RUNNER_FILENAMES:
        tb = tb.tb_next
    return tb


def report_exception(exc: BaseException) -> None:
    """Print ``exc`` as an uncaught exception would be, without the runner's frames.

    The traceback module (rather than the built-in hook) prints it, so that cells, whose
    source is only in ``linecache``, show their lines too. A hook the program installed
    is honoured.
    """
    tb = visible_traceback(exc.__traceback__)
    exc = exc.with_traceback(tb)
    try:
        if sys.excepthook is not sys.__excepthook__:
            sys.excepthook(type(exc), exc, tb)
            return
        import traceback

        traceback.print_exception(type(exc), exc, tb)
    except Exception:  # a broken hook, or no memory left
        sys.__excepthook__(type(exc), exc, tb)


def print_to_stderr(value: object) -> None:
    """``print(value, file=sys.stderr)``."""
    print(value, file=sys.stderr)


def exit_code_of(exc: SystemExit) -> int:
    """The process exit status that ``raise SystemExit(code)`` stands for."""
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    quietly(print_to_stderr, code)
    return 1


def run_source(execute) -> tuple[int, bool]:
    """Call ``execute()`` like a script's top level: return (exit status, hit MemoryError)."""
    try:
        execute()
        return 0, False
    except SystemExit as exc:
        return exit_code_of(exc), False
    except MemoryError as exc:
        report_exception(exc)
        return 1, True
    except BaseException as exc:
        report_exception(exc)
        return 1, False


def flush_std_streams() -> bool:
    """Flush sys.stdout and sys.stderr; False when stdout could not be flushed."""
    flushed = True
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            flushed = flushed and stream is not sys.stdout
    return flushed


def shut_down_like_python(code: int) -> int:
    """Finish a run as the interpreter would: join threads, run atexit, flush."""
    threading = sys.modules.get("threading")
    if threading is not None and hasattr(threading, "_shutdown"):
        quietly(threading._shutdown)
    import atexit

    quietly(atexit._run_exitfuncs)
    if not flush_std_streams() and code == 0:
        return 120  # what python does when stdout cannot be flushed at exit
    return code


def fresh_main_module(path: str | None):
    """A new ``__main__`` module for user code (from file ``path``), installed in sys.modules."""
    import builtins
    import types

    main = types.ModuleType("__main__")
    if path is not None:
        main.__file__ = path
    main.__builtins__ = builtins
    main.__cached__ = None
    sys.modules["__main__"] = main
    return main


def run_program(scratch: str) -> tuple[int, bool]:
    """Run ``scratch/main.py`` as ``python3 main.py`` would."""
    path = os.path.join(scratch, "main.py")
    with open(path, "rb") as handle:
        source = handle.read()
    main = fresh_main_module(path)
    sys.argv = ["main.py"]
    sys.path[0] = scratch

    def execute() -> None:
        exec(compile(source, path, "exec"), main.__dict__)

    return run_source(execute)


# ---------------------------------------------------------------- serve mode


def child_main(job: dict, config: dict, uid: int | None, report_fd: int) -> None:
    """The forked child that runs one job; never returns."""
    code, memory = 126, False
    try:
        quietly(prefer_for_oom_kill)
        if uid is not None:
            drop_to_uid(uid)
        elif config.get("jobs") != 1:
            set_dumpable(True)
        scratch = config["scratch"]
        os.chdir(scratch)
        write_files(scratch, job["code"], job["files"])
        provide_stdin(job.get("stdin"))
        close_other_fds(report_fd)
        set_rlimits(job["rlimits"])
    except BaseException as exc:
        try:
            os.write(2, f"sandbox: could not set up the run: {exc}\n".encode())
        finally:
            os._exit(code)
    try:
        code, memory = run_program(scratch)
        code = shut_down_like_python(code)
        if memory:
            os.write(report_fd, b"M")
    finally:
        os._exit(code)


def prefer_for_oom_kill() -> None:
    """Make this process (and what it starts) the out-of-memory killer's first choice."""
    with open("/proc/self/oom_score_adj", "w") as handle:
        handle.write("1000")


def sandbox_pids(config: dict) -> list:
    """The sandbox's processes: all of its pid namespace, else the runner and descendants."""
    if config["pid_namespace"]:
        return [name for name in os.listdir("/proc") if name.isdigit()]
    found, todo = [], [str(os.getpid())]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as handle:
                    todo.extend(handle.read().split())
        except OSError:
            pass
    return found


def resident_kb(pid: str) -> int:
    """The anonymous and shared (not file-backed) resident KiB of process ``pid``."""
    total = 0
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:
            for line in handle:
                if line.startswith((b"RssAnon:", b"RssShmem:")):
                    total += int(line.split()[1])
    except (OSError, IndexError, ValueError):
        pass
    return total


def over_memory(config: dict) -> bool:
    """Whether the sandbox's processes together hold more than ``config["watch_kb"]``."""
    return sum(resident_kb(pid) for pid in sandbox_pids(config)) > config["watch_kb"]


def kill_run(uid: int | None, config: dict) -> None:
    """SIGKILL every process of the run, as the run's uid when it has one."""
    if uid is None:
        kill_leftovers(config)
        return
    pid = os.fork()
    if pid == 0:
        try:
            drop_to_uid(uid)
            kill_leftovers(config)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def host_gone(config: dict) -> None:
    """The host closed our stdin: kill what is left of the run and exit."""
    kill_leftovers(config)
    os._exit(0)


def wait_for_child(pid: int, config: dict, uid: int | None = None) -> tuple[int, bool]:
    """Wait for the child's exit status while watching for the host hanging up and, with
    ``config["watch_kb"]``, the sandbox's memory: return (status, killed for memory)."""
    watch = config.get("watch_kb")
    over = False
    poller = select.poll()
    poller.register(CONTROL_FD, 0)  # POLLHUP and POLLERR are always reported
    pidfd = None
    if hasattr(os, "pidfd_open"):
        try:
            pidfd = os.pidfd_open(pid)
            poller.register(pidfd, select.POLLIN)
        except OSError:
            pidfd = None
    timeout = WATCH_INTERVAL_MS if watch else (None if pidfd is not None else 5)
    try:
        while True:
            for fd, events in poller.poll(timeout):
                if fd == CONTROL_FD and events & (select.POLLHUP | select.POLLERR):
                    host_gone(config)
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # kill_run reaped it (a run with our uid: docker)
                return SIGKILL, over  # the wait status of a process killed by SIGKILL
            if done:
                return status, over
            if watch and not over and over_memory(config):
                over = True
                kill_run(uid, config)
    finally:
        if pidfd is not None:
            os.close(pidfd)


def kill_leftovers(config: dict) -> None:
    """SIGKILL every other process of the run.

    With a pid namespace of its own, that is every process of our uid but us and the
    sandbox's init (``kill(-1)`` reaches all we may signal); without one, the members of
    our process group.
    """
    if not config["pid_namespace"]:
        kill_process_group_but_me()
        return
    for _ in range(2000):
        try:
            os.kill(-1, SIGKILL)
        except OSError:  # ESRCH: nothing else is left
            return
        reap_children()
        if not others_of_my_uid():
            return
        select.select([], [], [], 0.001)


def others_of_my_uid() -> bool:
    """Whether a process with our real uid, other than us and init, still exists."""
    me, uid = os.getpid(), str(os.getuid()).encode()
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in (1, me):
            continue
        try:
            with open(f"/proc/{name}/status", "rb") as handle:
                for line in handle:
                    if line.startswith(b"Uid:"):
                        if line.split()[1] == uid:
                            return True
                        break
        except OSError:
            pass
    return False


def kill_process_group_but_me() -> None:
    """SIGKILL the other members of our process group."""
    group, me = os.getpgid(0), os.getpid()
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != me:
            try:
                with open(f"/proc/{name}/stat", "rb") as handle:
                    fields = handle.read().rsplit(b")", 1)[1].split()
                if int(fields[2]) == group:
                    os.kill(int(name), SIGKILL)
            except (OSError, IndexError, ValueError):
                pass


def reap_children() -> None:
    """Collect exited children so that they stop counting as processes."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def remove_tree(path: str) -> None:
    """Delete ``path`` and everything under it, making each directory ours to empty first."""
    import stat

    if stat.S_ISDIR(os.lstat(path).st_mode):
        os.chmod(path, stat.S_IRWXU)
        for name in os.listdir(path):
            remove_tree(os.path.join(path, name))
        os.rmdir(path)
    else:
        os.unlink(path)


def wipe(directory: str) -> bool:
    """Delete everything inside ``directory``; False when something could not go."""
    try:
        for name in os.listdir(directory):
            remove_tree(os.path.join(directory, name))
        return not os.listdir(directory)
    except (OSError, RecursionError):
        return False


def sysv_ipc_left() -> bool:
    """Whether the run left System V shared memory, semaphores or message queues."""
    for kind in ("shm", "sem", "msg"):
        try:
            with open("/proc/sysvipc/" + kind) as handle:
                if len(handle.read().splitlines()) > 1:
                    return True
        except OSError:
            pass
    return False


def clean_up(config: dict) -> bool:
    """Kill the run's processes and wipe its dirs; True when the sandbox is clean again."""
    kill_leftovers(config)
    clean = wipe(config["scratch"])
    if config.get("tmp"):
        clean = wipe(config["tmp"]) and clean
    return clean


def clean_up_as(uid: int | None, config: dict) -> bool:
    """Clean up after a run, as the run's uid when it had one (only it may kill its processes)."""
    if uid is None:
        clean = clean_up(config)
    else:
        pid = os.fork()
        if pid == 0:
            clean = False
            try:
                drop_to_uid(uid)
                clean = clean_up(config)
            finally:
                os._exit(0 if clean else 1)
        _, status = os.waitpid(pid, 0)
        clean = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    reap_children()
    return clean and not (config.get("private_ipc") and sysv_ipc_left())


def run_job(job: dict, config: dict, last: bool) -> dict:
    """Run one job in a forked child and return its status."""
    uid = pick_uid(config)
    report_read, report_write = os.pipe()
    flush_std_streams()
    pid = os.fork()
    if pid == 0:
        os.close(report_read)
        child_main(job, config, uid, report_write)
    os.close(report_write)
    status, over = wait_for_child(pid, config, uid)
    os.set_blocking(report_read, False)
    try:
        memory = b"M" in os.read(report_read, 16)
    except OSError:
        memory = False
    os.close(report_read)
    reusable = False if last else clean_up_as(uid, config)
    signaled = os.WIFSIGNALED(status)
    return {
        "exit_code": None if signaled else os.WEXITSTATUS(status),
        "signal": os.WTERMSIG(status) if signaled else None,
        "memory": memory or over,
        "run_memory": over,
        "reusable": reusable,
    }


def warm_up() -> None:
    """Import the modules that short programs tend to use, once for every later run."""
    import importlib

    for name in WARM_MODULES:
        quietly(importlib.import_module, name)


def set_dumpable(dumpable: bool) -> None:
    """Set whether processes of our uid may ptrace us or open our fds through /proc.

    Where runs share the runner's uid (rootless bwrap, docker), the runner makes itself
    non-dumpable, so that no run can reach its pipes and tamper with later runs; each
    child makes itself dumpable again, as a normal process is.
    """
    import ctypes

    ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, int(dumpable), 0, 0, 0)


def serve(config: dict) -> None:
    """Run jobs until the host closes the pipe or ``config["jobs"]`` have run."""
    if not config.get("uids") and config.get("jobs") != 1:
        set_dumpable(False)
    if config.get("warm"):
        warm_up()
    if config.get("hello"):
        send_end(config["hello"], {"hello": True})
    served = 0
    while config.get("jobs") is None or served < config["jobs"]:
        job = read_frame(CONTROL_FD)
        if job is None:
            return
        served += 1
        last = config.get("jobs") is not None and served >= config["jobs"]
        end_request(run_job(job, config, last))


# ---------------------------------------------------------------- session mode


def watch_host(control: int, config: dict) -> None:
    """Thread body: end the session when the host hangs up, even in the middle of a cell."""
    poller = select.poll()
    poller.register(control, 0)
    poller.poll()
    host_gone(config)


def watch_cells(config: dict, cell: dict) -> None:
    """Thread body: while ``cell["busy"]``, kill the other processes of the session (what
    the cell started) once the sandbox holds more than ``config["watch_kb"]``."""
    while True:
        select.select([], [], [], WATCH_INTERVAL_MS / 1000)
        if cell["busy"] and not cell["over"] and over_memory(config):
            cell["over"] = True
            kill_leftovers(config)


def set_cpu_budget(seconds: int) -> None:
    """Let the coming cell use ``seconds`` more CPU seconds than used so far."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = int(usage.ru_utime + usage.ru_stime) + 1
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = used + seconds
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def run_cell(source: str, namespace: dict, filename: str) -> tuple[int, bool]:
    """Run one cell in ``namespace``; a final bare expression's value goes to displayhook."""
    import ast
    import linecache

    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)

    def execute() -> None:
        tree = ast.parse(source, filename, "exec")
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        exec(compile(tree, filename, "exec"), namespace)
        if last is not None:
            sys.displayhook(eval(compile(last, filename, "eval"), namespace))

    return run_source(execute)


def session(config: dict) -> None:
    """Serve notebook cells in this process until the host closes the pipe."""
    import _thread

    uid = pick_uid(config)
    if uid is not None:
        drop_to_uid(uid)
    scratch = config["scratch"]
    os.chdir(scratch)
    sys.path[0] = scratch
    sys.argv = [""]
    control = os.dup(CONTROL_FD)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    set_rlimits(config["rlimits"])
    _thread.start_new_thread(watch_host, (control, config))
    cell_state = {"busy": False, "over": False}
    if config.get("watch_kb"):
        _thread.start_new_thread(watch_cells, (config, cell_state))
    main = fresh_main_module(None)
    me = os.getpid()
    if config.get("hello"):
        send_end(config["hello"], {"hello": True})
    count = 0
    while True:
        cell = read_frame(control)
        if cell is None:
            return
        count += 1
        set_cpu_budget(cell["cpu_s"])
        cell_state["over"], cell_state["busy"] = False, True
        code, memory = run_cell(cell["code"], main.__dict__, f"<cell {count}>")
        cell_state["busy"] = False
        flush_std_streams()
        if os.getpid() != me:  # a process the cell forked must not serve cells
            os._exit(code)
        over = cell_state["over"]
        status = {"exit_code": code, "signal": None, "memory": memory or over, "reusable": True}
        status["run_memory"] = over
        end_request(status, control)


def main() -> None:
    """Read the config from argv and run the requested mode."""
    config = marshal.loads(bytes.fromhex(sys.argv[2]))
    add_site_packages()
    if config["mode"] == "session":
        session(config)
    else:
        serve(config)
    flush_std_streams()
    os._exit(0)  # the interpreter's teardown would only add latency


if __name__ == "__main__":
    main()
