"""Where walint keeps what it caches between runs (link answers, parsed registries, the phone
fast tests), and whether this process may use the caches kept for a whole process."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir", "process_caches", "stop_process_caches", "store"]

_process_caches = True


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/walint`` when that is an absolute path, else ``~/.cache/walint``."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "walint"


def store(path: Path, blob: bytes, keep: int) -> None:
    """Write a cache file whole (under a temporary name, then renamed: a reader sees all of it
    or none) and keep the ``keep`` newest of its folder; a cache that cannot be written is
    skipped, never an error."""
    from .atomic import atomic_writer  # here: most runs only read
    from .errors import InputError

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_writer(path) as out:
            out.write(blob)
        _prune(path.parent, keep)
    except (OSError, InputError):  # atomic_writer says it cannot write as an InputError
        pass


def _prune(folder: Path, keep: int) -> None:
    """Keep the ``keep`` newest ``.json`` files of ``folder`` (another process may be pruning
    too: a file gone, or going, is no error)."""
    files = []
    for entry in os.scandir(folder):
        if entry.name.endswith(".json"):
            try:
                files.append((entry.stat().st_mtime_ns, entry.path))
            except OSError:
                continue
    for _, name in sorted(files, reverse=True)[keep:]:
        try:
            os.unlink(name)
        except OSError:
            pass


def process_caches() -> bool:
    """Whether this process reads and writes the caches it keeps for all its runs (the phone
    fast tests, ``rules.phone_cache``), which no one run's settings can govern alone: until a
    ``Validator`` is made with ``no_cache`` (``--no-cache``), then never again."""
    return _process_caches


def stop_process_caches() -> None:
    """Read and write no cache kept for the whole process from now on."""
    global _process_caches
    _process_caches = False
