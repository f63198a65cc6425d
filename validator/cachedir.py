"""Where walint keeps what it caches between runs (link answers, parsed registries, the phone
fast tests), and whether this process may use the caches kept for a whole process."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir", "process_caches", "stop_process_caches"]

_process_caches = True


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/walint`` when that is an absolute path, else ``~/.cache/walint``."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "walint"


def process_caches() -> bool:
    """Whether this process reads and writes the caches it keeps for all its runs (the phone
    fast tests, ``rules.phone_cache``), which no one run's settings can govern alone: until a
    ``Validator`` is made with ``no_cache`` (``--no-cache``), then never again."""
    return _process_caches


def stop_process_caches() -> None:
    """Read and write no cache kept for the whole process from now on."""
    global _process_caches
    _process_caches = False
