"""Runs one scanner process: argument list only, never past its deadline, never out of sight.

Guarantees, and how each is kept:

* **Every wait has a deadline.** The runner reads stdout and stderr itself (a selector, no
  ``communicate()``), and stops at ``timeout``; once the main process has exited it drains for at
  most ``DRAIN_SECONDS``, so a detached child that keeps the pipes open cannot hold the harness.
  Then the process group and every leftover process of the tool are killed and the pipes closed:
  ``run`` returns at most ``DRAIN_SECONDS + 4 * GRACE_SECONDS`` (9 s) after ``timeout``, however
  the tool and its children behave.
* **Output is bounded.** More than ``MAX_OUTPUT_BYTES`` on stdout or on stderr kills the tool and
  is an error ("printed more than 64 MiB"); memory stays bounded by twice that.
* **Nothing outlives its tool.** Each tool runs in its own session and, where the kernel allows,
  in its own user+PID+mount namespaces (``sandbox.py``), whose processes die with it. Without
  namespaces, its processes carry an environment marker and the harness is their child subreaper
  (``processes.py``), so group, tree and marker together find what it left behind. Anything left
  behind is killed and makes the tool run an error, like a hang.
* **No credentials.** Scanners get an environment without anything that looks like a credential
  (except names a scanner declares it needs), no file descriptors but their pipes, and, in a
  namespace, a /proc in which the harness and its ancestors do not exist (``credentials.py``
  explains the rest of that model).
* **Interruption.** ``abort_all()`` (the CLI's SIGINT/SIGTERM handler) kills every running tool
  and makes any later ``run`` return at once, so the harness can exit within seconds.

Faults the adapter cannot see in a ProcessOutcome's exit code (output limit, leftover processes)
are also recorded per thread: ``collect_problems()`` lets the engine turn them into a tool error.
"""

from __future__ import annotations

import itertools
import os
import re
import resource
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import processes, sandbox

# Variables that look like credentials. CI tokens are the classic leak: a scanner (or a plugin, or
# a dependency resolver it calls) has no business seeing GITHUB_TOKEN.
_CREDENTIAL_NAME = re.compile(
    r"(TOKEN|SECRET|PASSW(OR)?D|PASSPHRASE|CREDENTIAL|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|AUTH|"
    r"CONNECTION_?STRING|SAS|COOKIE|SESSION)",
    re.IGNORECASE,
)
_CREDENTIAL_PREFIXES = ("AWS_", "AZURE_", "ARM_", "GOOGLE_", "GCP_", "ACTIONS_", "PYPI_", "TWINE_", "NPM_")
# Harmless variables that merely contain one of the words above.
_ALWAYS_KEEP = frozenset({"SSH_AUTH_SOCK_UNUSED", "GITHUB_ACTIONS", "CI"})

GRACE_SECONDS = 2.0
# After the main process exits, how long its output may still arrive before leftovers are killed.
DRAIN_SECONDS = 1.0
# Per stream (stdout, stderr): beyond this a tool's output is an error, not something to parse.
MAX_OUTPUT_BYTES = 64 * 1024 * 1024
STDERR_TAIL_LINES = 15
STDERR_TAIL_CHARS = 2000


def is_credential_name(name: str) -> bool:
    if name in _ALWAYS_KEEP:
        return False
    return bool(_CREDENTIAL_NAME.search(name)) or name.upper().startswith(_CREDENTIAL_PREFIXES)


def scrubbed_env(passthrough: Iterable[str] = (), base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment minus anything that looks like a credential, except names a scanner declared it needs."""
    allowed = set(passthrough)
    source = os.environ if base is None else base
    env = {k: v for k, v in source.items() if k in allowed or not is_credential_name(k)}
    # Scanners must never prompt or colourise: their output is parsed.
    env.setdefault("PYTHONIOENCODING", "utf-8")
    env["NO_COLOR"] = "1"
    return env


@dataclass
class ProcessOutcome:
    argv: list[str]
    exit_code: int | None
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool = False
    not_found: bool = False
    # A fault the exit code does not show (output limit, processes left behind), as one line.
    problem: str = ""
    interrupted: bool = False
    isolation: str = ""
    # CPU seconds (user + system) and peak resident memory (KiB, of its largest process) of the tool
    # and every descendant it waited for, from wait4(); None when it had to be killed.
    cpu_s: float | None = None
    max_rss_kb: int | None = None

    @property
    def killed_by_signal(self) -> int | None:
        if self.exit_code is not None and self.exit_code < 0:
            return -self.exit_code
        return None

    def stderr_tail(self) -> str:
        """The last lines of stderr, cut only between words: a cut inside a token would keep a piece
        of it (half a secret) that redaction, which matches whole values, could no longer recognise."""
        lines = self.stderr.strip().splitlines()[-STDERR_TAIL_LINES:]
        text = "\n".join(lines)
        if len(text) <= STDERR_TAIL_CHARS:
            return text
        cut = text[-STDERR_TAIL_CHARS:]
        boundary = next((i for i, ch in enumerate(cut) if ch.isspace()), len(cut))
        return "..." + cut[boundary:]




def kill_group(proc: subprocess.Popen[bytes], grace: float = GRACE_SECONDS) -> None:
    """SIGTERM the process's whole group, give it a grace period, then SIGKILL whatever is left."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass


# --- every process this harness started, so an interruption can kill them all -----------------

_RUN_PREFIX = uuid.uuid4().hex[:12]  # this harness process; each tool run adds a counter
_counter = itertools.count(1)
_lock = threading.RLock()  # re-entrant: the signal handler may run while the main thread holds it
_live: dict[int, subprocess.Popen[bytes]] = {}
_aborting = threading.Event()
_local = threading.local()


@dataclass
class _Settings:
    owns_all_descendants: bool = False  # the CLI: every descendant is a scanner's
    hidden: tuple[str, ...] = ()  # folders scanners in a namespace see as empty


_settings = _Settings()


@contextmanager
def hidden_from_scanners(folders: Iterable[Path]) -> Iterator[None]:
    """Inside the block, scanners run in a namespace (where available) in which these folders look empty."""
    previous = _settings.hidden
    _settings.hidden = tuple(sorted({str(Path(f).resolve()) for f in folders if Path(f).is_dir()}))
    try:
        yield
    finally:
        _settings.hidden = previous


def claim_all_descendants() -> None:
    """Called by the CLI: every descendant of this process is a scanner's, so the sweeps may kill all of them.

    (A library caller, such as a test process running a fixture database, keeps its own children.)
    """
    _settings.owns_all_descendants = True
    # Orphans of scanners are reparented here, not to PID 1, and stay findable. Only for the CLI:
    # in a library caller (a test process) it would make other code's daemons our zombies.
    processes.become_subreaper()


@contextmanager
def collect_problems() -> Iterator[list[str]]:
    """The problems (one line each) of every ``run`` on this thread inside the block."""
    previous = getattr(_local, "problems", None)
    found: list[str] = []
    _local.problems = found
    try:
        yield found
    finally:
        _local.problems = previous


def _record(problem: str) -> None:
    found = getattr(_local, "problems", None)
    if found is not None and problem:
        found.append(problem)


def kill_leftovers() -> None:
    """Kill every process a tool of this harness left behind (all descendants, when the CLI owns them)."""
    with _lock:
        live = set(_live)
    procs = processes.snapshot()
    mine = processes.tagged(_RUN_PREFIX, procs) - live
    if _settings.owns_all_descendants:
        mine |= processes.descendants(os.getpid(), procs) - live
    processes.kill_pids(mine, reap=mine)
    if _settings.owns_all_descendants:
        # Orphans that died on their own were reparented here (subreaper): reap their zombies.
        zombies = {p.pid for p in processes.snapshot().values() if p.ppid == os.getpid() and p.state == "Z"}
        processes.kill_pids((), reap=zombies - live)


def abort_all() -> None:
    """Interruption: kill every running tool now and refuse to start new ones."""
    _aborting.set()
    with _lock:
        running = list(_live.values())
    for proc in running:
        processes.kill_group(proc.pid)
    kill_leftovers()


def aborting() -> bool:
    return _aborting.is_set()


def end_abort() -> None:
    """After an interruption has been handled: an in-process caller may run tools again."""
    _aborting.clear()


def _contains(folder: str, path: Path) -> bool:
    return path == Path(folder) or Path(folder) in path.parents


def _resolve(program: str, env: Mapping[str, str], cwd: Path) -> str | None:
    """The absolute executable, found like execvp would (the scanner's PATH), or None."""
    if os.sep in program:
        path = program if os.path.isabs(program) else os.path.join(cwd, program)
        return path if os.path.isfile(path) and os.access(path, os.X_OK) else None
    return shutil.which(program, path=env.get("PATH", os.defpath))


class _Capture:
    """Reads a process's stdout and stderr until EOF, its deadline, the output limit or an abort."""

    def __init__(self, proc: subprocess.Popen[bytes], deadline: float) -> None:
        self.proc = proc
        self.deadline = deadline
        self.data: dict[str, bytearray] = {"stdout": bytearray(), "stderr": bytearray()}
        self.timed_out = False
        self.interrupted = False
        self.overflow = ""  # the stream that went over the limit
        self.held_open = False
        self.usage: resource.struct_rusage | None = None

    def exited(self) -> bool:
        """Whether the tool has exited; reaps it with wait4() so that its resource usage is kept.

        (Popen.poll() would reap it with waitpid() and lose the usage; setting returncode makes
        Popen treat it as reaped.)"""
        if self.proc.returncode is not None:
            return True
        try:
            pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
        except ChildProcessError:
            return self.proc.poll() is not None
        if pid == 0:
            return False
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        self.usage = usage
        return True

    def await_exit(self, seconds: float) -> None:
        """Its pipes are closed: give it ``seconds`` to exit (and be reaped with its usage) before it is killed."""
        until = time.monotonic() + seconds
        while not self.exited() and time.monotonic() < until:
            time.sleep(0.005)

    def run(self) -> None:
        with selectors.DefaultSelector() as selector:
            for name, pipe in (("stdout", self.proc.stdout), ("stderr", self.proc.stderr)):
                assert pipe is not None  # noqa: S101  # narrowing: the pipes were opened with PIPE
                os.set_blocking(pipe.fileno(), False)
                selector.register(pipe.fileno(), selectors.EVENT_READ, name)
            exited_at: float | None = None
            while selector.get_map():
                now = time.monotonic()
                if _aborting.is_set():
                    self.interrupted = True
                    return
                if exited_at is None and self.exited():
                    exited_at = now
                if exited_at is not None and now >= exited_at + DRAIN_SECONDS:
                    self.held_open = True  # someone else still holds the pipes open
                    return
                if now >= self.deadline:
                    self.timed_out = True
                    return
                limit = self.deadline if exited_at is None else min(self.deadline, exited_at + DRAIN_SECONDS)
                for key, _events in selector.select(max(0.0, min(0.1, limit - now))):
                    if not self._read(key.fd, key.data):
                        selector.unregister(key.fd)
                    if self.overflow:
                        return

    def _read(self, fd: int, name: str) -> bool:
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            return True
        except OSError:
            return False
        if not chunk:
            return False
        buffer = self.data[name]
        room = MAX_OUTPUT_BYTES - len(buffer)
        buffer += chunk[:room]
        if len(chunk) > room:
            self.overflow = name
        return True


def _feed_stdin(proc: subprocess.Popen[bytes], data: bytes) -> None:
    """Write stdin from a helper thread; it ends when the tool reads it all, closes it or dies."""
    def write() -> None:
        assert proc.stdin is not None  # noqa: S101  # narrowing: stdin was opened with PIPE
        try:
            proc.stdin.write(data)
            proc.stdin.close()
        except (BrokenPipeError, OSError, ValueError):
            pass
    threading.Thread(target=write, name="scanner-stdin", daemon=True).start()


def _finish(proc: subprocess.Popen[bytes], tag: str) -> int:
    """Kill whatever is left of one tool (its group, its tree, its marked processes); how many were left."""
    tree = processes.descendants(proc.pid)
    if proc.poll() is None:
        kill_group(proc)
    group_left = processes.kill_group(proc.pid)
    with _lock:
        live = set(_live)
    procs = processes.snapshot()
    leftovers = (tree | processes.tagged(tag + ":", procs)) - live - {proc.pid}
    leftovers = {pid for pid in leftovers if processes.alive(pid)}
    processes.kill_pids(leftovers, reap=leftovers)
    try:
        proc.wait(timeout=GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        pass
    return len(leftovers) + (1 if group_left and not leftovers else 0)


@dataclass
class _Started:
    proc: subprocess.Popen[bytes]
    tag: str
    status_read: int  # the namespace init's status pipe, or -1


def _start(argv: list[str], executable: str, cwd: Path, env: dict[str, str], stdin: bool,
           isolation: sandbox.Isolation) -> _Started:
    """Start the tool (inside its namespaces where available), registered for abort_all; OSError if it cannot start."""
    # The marker ends in ":" so that tool 1's tag is not a prefix of tool 12's.
    tag = f"{_RUN_PREFIX}-{next(_counter)}"
    env[processes.TAG_VAR] = tag + ":"
    status_read = status_write = -1
    command = [executable, *argv[1:]]
    if isolation.namespaces:
        status_read, status_write = os.pipe()
        # A folder that holds what the tool needs (its working directory, its executable, the
        # interpreter of the namespace init, the scratch folders) cannot be hidden from it.
        needed = [Path(p).resolve() for p in (cwd, executable, sys.executable, tempfile.gettempdir())]
        hide = tuple(h for h in _settings.hidden if not any(_contains(h, p) for p in needed))
        command = sandbox.wrap(command, status_write, sandbox.unshare_path(), hide)
    try:
        with _lock:
            proc = subprocess.Popen(  # noqa: S603  # pylint: disable=consider-using-with  # its lifetime is managed by run()
                command,  # argument list, never a shell
                cwd=cwd,
                env=env,
                stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,  # its own process group, so a timeout can kill every child
                pass_fds=(status_write,) if status_write >= 0 else (),
            )
            _live[proc.pid] = proc
    except OSError:
        if status_read >= 0:
            os.close(status_read)
        raise
    finally:
        if status_write >= 0:
            os.close(status_write)
    return _Started(proc, tag, status_read)


@dataclass
class Service:
    """A long-running process the harness starts and stops itself (the app the zap stage deploys)."""

    proc: subprocess.Popen[bytes]
    isolation: str  # as ProcessOutcome.isolation
    status_read: int  # the namespace init's status pipe, or -1


def start_service(argv: list[str], *, cwd: Path) -> Service:
    """Start ``argv`` exactly as ``run`` starts a scanner (no credentials in its environment, in the
    sandbox where available, registered for abort_all) but without waiting: its stdout and stderr are
    pipes for the caller to read. OSError when it cannot start; ``stop_service`` always follows."""
    env = scrubbed_env()
    executable = _resolve(argv[0], env, Path(cwd))
    if executable is None:
        raise FileNotFoundError(f"{argv[0]}: not found or not executable")
    isolation = sandbox.isolation()
    started = _start(argv, executable, cwd, env, False, isolation)
    return Service(started.proc, isolation.description, started.status_read)


def stop_service(service: Service, grace: float = GRACE_SECONDS) -> None:
    """SIGTERM to the service's process group, SIGKILL after ``grace``; in a namespace the kernel then
    kills whatever else it left there."""
    try:
        kill_group(service.proc, grace=grace)
    finally:
        with _lock:
            _live.pop(service.proc.pid, None)
        if service.status_read >= 0:
            os.close(service.status_read)


def _problem(capture: _Capture, left: int, status_missing: bool) -> str:  # pylint: disable=too-many-return-statements
    """The one fault, if any, that the exit code does not show."""
    if capture.overflow:
        return (f"printed more than {MAX_OUTPUT_BYTES // (1024 * 1024)} MiB on {capture.overflow}; "
                "it was killed and its output discarded")
    if capture.interrupted:
        return "interrupted: the harness is shutting down"
    if capture.timed_out:
        return ""  # the adapter names the timeout itself
    if status_missing:
        return "its namespace init reported no exit status (the sandbox failed or was tampered with)"
    if capture.held_open:
        return ("exited, but a process it left behind kept its output open; every leftover process "
                "was killed and its output may be incomplete")
    if left:
        return f"left {left} process(es) running after it exited; they were killed"
    return ""


def run(
    argv: list[str],
    *,
    cwd: Path,
    timeout: float,
    passthrough_env: Iterable[str] = (),
    extra_env: Mapping[str, str] | None = None,
    stdin_text: str | None = None,
) -> ProcessOutcome:
    """Run ``argv`` (never through a shell) and capture everything it prints, within ``timeout``."""
    if not argv or not all(isinstance(a, str) for a in argv):
        raise TypeError("argv must be a non-empty list of strings")
    start = time.monotonic()
    if _aborting.is_set():
        return ProcessOutcome(list(argv), None, "", "the harness is being interrupted", 0.0,
                              interrupted=True, problem="not started: the harness is being interrupted")
    env = scrubbed_env(passthrough_env)
    if extra_env:
        env.update(extra_env)
    executable = _resolve(argv[0], env, Path(cwd))
    if executable is None:
        return ProcessOutcome(list(argv), None, "", f"{argv[0]}: not found or not executable", 0.0, not_found=True)
    isolation = sandbox.isolation()
    try:
        started = _start(argv, executable, cwd, env, stdin_text is not None, isolation)
    except OSError as exc:
        return ProcessOutcome(list(argv), None, "", str(exc), time.monotonic() - start, not_found=True)
    proc = started.proc
    capture = _Capture(proc, start + timeout)
    try:
        if stdin_text is not None:
            _feed_stdin(proc, stdin_text.encode())
        capture.run()
        if not (capture.timed_out or capture.overflow or capture.interrupted):
            capture.await_exit(DRAIN_SECONDS)
        left = _finish(proc, started.tag)
    finally:
        if proc.poll() is None:
            processes.kill_group(proc.pid)
        with _lock:
            _live.pop(proc.pid, None)
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
    exit_code = proc.returncode
    status_missing = False
    if started.status_read >= 0:
        status = _read_status(started.status_read)
        if status is not None:
            kind, number, inside_left = status
            exit_code = -number if kind == "signal" else number
            left += inside_left
        status_missing = status is None
    problem = _problem(capture, left, status_missing)
    _record(problem)
    usage = capture.usage
    return ProcessOutcome(
        argv=list(argv),
        exit_code=exit_code,
        stdout="" if capture.overflow == "stdout" else capture.data["stdout"].decode("utf-8", errors="replace"),
        stderr=capture.data["stderr"].decode("utf-8", errors="replace"),
        duration_s=time.monotonic() - start,
        timed_out=capture.timed_out,
        problem=problem,
        interrupted=capture.interrupted,
        isolation=isolation.description,
        cpu_s=None if usage is None else round(usage.ru_utime + usage.ru_stime, 3),
        max_rss_kb=None if usage is None else int(usage.ru_maxrss),
    )


def _read_status(fd: int) -> tuple[str, int, int] | None:
    """The namespace init's status line (its write end is closed: every process holding it is dead)."""
    try:
        os.set_blocking(fd, False)
        try:
            text = os.read(fd, 256).decode("ascii", "replace")
        except BlockingIOError:
            text = ""
    finally:
        os.close(fd)
    return sandbox.parse_status(text)
