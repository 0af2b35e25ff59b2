"""Where studies live: Optuna RDB storage (SQLite by default), its artifact store, and safe URL display.

One private module per concern, as Optuna's own `storages` package does: `_target` checks a location
without touching anything, `_inspect` reads what a database already holds (refusing one that is not
Optuna's), `_open` connects, `_retry` waits out locks and dropped connections (and nothing else),
`_artifacts` keeps each trial's files. Importing this package imports neither Optuna nor SQLAlchemy
(the UI checks a storage URL before its first frame); the retrying storage is loaded on first use.
"""

from __future__ import annotations

from typing import Any

from tinynas_tui.search.storage._artifacts import DatabaseArtifactStore, open_artifact_store
from tinynas_tui.search.storage._open import MIN_FREE_MB, check_writable, open_storage
from tinynas_tui.search.storage._target import (
    DEFAULT_HEARTBEAT_GRACE_S,
    DEFAULT_HEARTBEAT_INTERVAL_S,
    HeartbeatSettings,
    StorageTarget,
    mask_url,
    resolve_storage,
    scrub,
    url_form,
)

_LAZY = ("RetryingRDBStorage", "call_with_retry", "failure_line", "transient", "transient_reason", "RetryListener")


def __getattr__(name: str) -> Any:
    if name in _LAZY:  # these import Optuna
        from tinynas_tui.search.storage import _retry

        return getattr(_retry, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_HEARTBEAT_GRACE_S", "DEFAULT_HEARTBEAT_INTERVAL_S", "MIN_FREE_MB", "DatabaseArtifactStore",
    "HeartbeatSettings", "StorageTarget", "check_writable", "mask_url", "open_artifact_store", "open_storage",
    "resolve_storage", "scrub", "url_form", *_LAZY,
]
