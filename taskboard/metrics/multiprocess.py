"""Multiprocess values written to their files once per request, not once per change.

prometheus_client's multiprocess value (MmapedValue) writes every change to a memory-mapped
file under a lock, after asking for the process id: measured with callgrind, about 8,500 CPU
instructions per counter increment and 16,500 per histogram observation (two writes). A warm
board read made 13 such writes, and every SQL statement two more (its time in
taskboard_db_query_seconds): most of the metrics' cost (docs/benchmarks.md "Metrics' cost").

`DeferredValue` keeps prometheus_client's files, keys and layout (its multiprocess collector
and `mark_process_dead` read them as before) and changes when they are written: at once
outside a request; inside one (between `defer_writes()` and `write_deferred()`, which the
first HTTP middleware calls once it has counted the request) a change stays in memory and
each value changed is written once when the request ends, however often it changed. A
scrape sees a request's values when it has ended; a worker killed in the middle of a
request loses that request's changes (it would have lost the rest of the request anyway).
After a fork the child opens files of its own (os.register_at_fork), where prometheus_client
checks the process id before every write.
"""

import os
import struct
import threading
from typing import Any

from prometheus_client.mmap_dict import MmapedDict, mmap_key

# prometheus_client's layout of a value in the file: the value and a timestamp, two doubles.
_pack_two_doubles = struct.Struct("dd").pack

_lock = threading.Lock()
_pid = os.getpid()
_files: dict[str, MmapedDict] = {}
_values: list["DeferredValue"] = []
_pending: list["DeferredValue"] = []
# Open deferrals (threads of an ASGI server may serve several requests at once): values are
# written when each one ends, so nothing waits for the last.
_deferring = 0


def _file(prefix: str) -> MmapedDict:
    """This process's file of `prefix` (lock held): the names prometheus_client gives them."""
    file = _files.get(prefix)
    if file is None:
        folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
        file = _files[prefix] = MmapedDict(os.path.join(folder, f"{prefix}_{_pid}.db"))
    return file


class DeferredValue:
    """A float in this process's multiprocess file (prometheus_client's value interface)."""

    _multiprocess = True

    def __init__(
        self,
        typ: str,
        metric_name: str,
        name: str,
        labelnames: Any,
        labelvalues: Any,
        help_text: str,
        multiprocess_mode: str = "",
        **kwargs: Any,
    ) -> None:
        self._prefix = f"{typ}_{multiprocess_mode}" if typ == "gauge" else typ
        self._key = mmap_key(metric_name, name, labelnames, labelvalues, help_text)
        self._pending = False
        with _lock:
            self._open()
            _values.append(self)

    def _open(self) -> None:
        self._file = _file(self._prefix)
        # read_value places the key in the file (at a position it keeps from then on).
        self._value, self._timestamp = self._file.read_value(self._key)
        self._position = self._file._positions[self._key]

    def _write(self) -> None:
        """Lock held. MmapedDict.write_value's write, without looking the key up again; its
        map is read each time (it is replaced when the file grows, under this lock)."""
        position = self._position
        self._file._m[position : position + 16] = _pack_two_doubles(self._value, self._timestamp)

    def _changed(self) -> None:
        """Lock held: written now, or when the request ends."""
        if not _deferring:
            self._write()
        elif not self._pending:
            self._pending = True
            _pending.append(self)

    # acquire() and release() rather than `with _lock:`: a with-block calls the lock's
    # __exit__ with three arguments, and inc() runs a dozen times per request
    # (bench/api_call_costs.py: 932 instructions against 2,019; docs/benchmarks.md
    # "Metrics' cost").
    def inc(self, amount: float) -> None:
        _lock.acquire()
        try:
            self._value += amount
            self._timestamp = 0.0
            # _changed(), inline: a call more on every change of every request.
            if not _deferring:
                self._write()
            elif not self._pending:
                self._pending = True
                _pending.append(self)
        finally:
            _lock.release()

    def set(self, value: float, timestamp: float | None = None) -> None:
        _lock.acquire()
        try:
            self._value = value
            self._timestamp = timestamp or 0.0
            self._changed()
        finally:
            _lock.release()

    def set_exemplar(self, exemplar: Any) -> None:
        # As prometheus_client's: no exemplars in multiprocess mode.
        return

    def get(self) -> float:
        with _lock:
            return float(self._value)

    def get_exemplar(self) -> None:
        return None


def defer_writes() -> None:
    """From here until write_deferred(), changes are written once, at its call."""
    global _deferring
    _lock.acquire()
    _deferring += 1
    _lock.release()


def write_deferred() -> None:
    global _deferring
    _lock.acquire()
    try:
        _deferring -= 1
        # DeferredValue._write, inline: a dozen values per request.
        for value in _pending:
            value._pending = False
            position = value._position
            value._file._m[position : position + 16] = _pack_two_doubles(value._value, value._timestamp)
        _pending.clear()
    finally:
        _lock.release()


def _forked() -> None:
    """In a forked child: its own files, every value read again from them (zero: a new
    process id's files are new), as prometheus_client does after a fork."""
    global _lock, _pid, _deferring
    _lock = threading.Lock()
    _pid = os.getpid()
    for file in _files.values():
        file.close()
    _files.clear()
    _pending.clear()
    _deferring = 0
    for value in _values:
        value._pending = False
        value._open()


os.register_at_fork(after_in_child=_forked)
