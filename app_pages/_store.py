"""What the dashboard keeps on the server: finished results, drawn figures, and what each page last asked for.

One :class:`Store` per server process (``st.cache_resource``), shared read-only by every session, so
an answer survives a page switch, a browser refresh and a second user asking the same question.
Results are keyed by the data's key and only the settings that change the model; display options
(which scale a plot shows, which table) key figures, never fits.  Each key is computed once: a
second session asking for a key being computed waits for it.  ``computations()`` counts the library
calls made, so tests can check that a display change fitted nothing.

What the pages remember (:func:`remember`, :func:`recall`) lives in the session and, under a short
key written into the address (``?s=…``), in the store, so a refresh of the page finds it again.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import streamlit as st

T = TypeVar("T")
#: Entries kept per kind (least recently used dropped first); kinds not listed keep DEFAULT_ENTRIES.
MAX_ENTRIES = {"crosslag": 64, "groups": 32, "causal": 16, "causal-estimate": 16, "report": 8, "power": 8,
               "power-folder": 8, "figure": 256, "state": 2000}
DEFAULT_ENTRIES = 32
#: The address parameter holding the key of what the pages remember.
STATE_PARAM = "s"


class Store:
    """Finished values by (kind, key), bounded per kind, each computed once."""

    def __init__(self) -> None:
        self._values: dict[str, OrderedDict[Hashable, Any]] = {}
        self._locks: dict[tuple[str, Hashable], threading.Lock] = {}
        self._guard = threading.Lock()
        self._counts: Counter[str] = Counter()

    def get(self, kind: str, key: Hashable) -> Any | None:
        """The value stored under ``key`` (None if there is none)."""
        with self._guard:
            values = self._values.get(kind)
            if values is None or key not in values:
                return None
            values.move_to_end(key)
            return values[key]

    def put(self, kind: str, key: Hashable, value: Any) -> None:
        with self._guard:
            values = self._values.setdefault(kind, OrderedDict())
            values[key] = value
            values.move_to_end(key)
            while len(values) > MAX_ENTRIES.get(kind, DEFAULT_ENTRIES):
                values.popitem(last=False)

    @contextmanager
    def lock(self, kind: str, key: Hashable) -> Iterator[None]:
        """Hold the lock of one key (work on it happens once at a time)."""
        with self._guard:
            lock = self._locks.setdefault((kind, key), threading.Lock())
        with lock:
            yield

    def fetch(self, kind: str, key: Hashable, compute: Callable[[], T]) -> T:
        """The value under ``key``, computed by ``compute()`` (and counted) if it is not stored yet."""
        found = self.get(kind, key)
        if found is not None:
            return found
        with self.lock(kind, key):
            found = self.get(kind, key)  # computed meanwhile by another session
            if found is not None:
                return found
            value = compute()
            self.put(kind, key, value)
            with self._guard:
                self._counts[kind] += 1
            return value

    def entries(self, kind: str) -> list[tuple[Hashable, Any]]:
        """The (key, value) pairs of one kind, oldest first."""
        with self._guard:
            return list(self._values.get(kind, {}).items())

    def counts(self) -> dict[str, int]:
        with self._guard:
            return dict(self._counts)


@st.cache_resource(show_spinner=False)
def store() -> Store:
    """The server process's store (cleared with the app's other caches)."""
    return Store()


def computations() -> dict[str, int]:
    """How many values of each kind were computed in this server process (library calls made)."""
    return store().counts()


# -- what the pages remember ------------------------------------------------------------------------

def _pages() -> dict[str, dict]:
    """What each page remembers in this session; after a refresh, found again by the address's key."""
    state = st.session_state.get("remembered")
    if state is None:
        key = st.query_params.get(STATE_PARAM)
        text = store().get("state", key) if key else None
        state = json.loads(text) if text else {}
        st.session_state["remembered"] = state
        st.session_state["remembered_key"] = key if text else None
    return state


def _save(state: dict[str, dict]) -> None:
    text = json.dumps(state, sort_keys=True, default=str)
    key = hashlib.sha256(text.encode()).hexdigest()[:12] if state else None
    if key is not None:
        store().put("state", key, text)
    st.session_state["remembered"] = json.loads(text)
    st.session_state["remembered_key"] = key
    keep_address()


def keep_address() -> None:
    """Write the key of what the pages remember into the address (navigating between pages drops it)."""
    _pages()
    key = st.session_state.get("remembered_key")
    if key is None:
        if STATE_PARAM in st.query_params:
            del st.query_params[STATE_PARAM]
    elif st.query_params.get(STATE_PARAM) != key:
        st.query_params[STATE_PARAM] = key


def remember(name: str, data: str, settings: dict) -> None:
    """Remember page ``name``'s settings for the data keyed ``data`` (JSON-safe values)."""
    _save({**_pages(), name: {"data": data, **settings}})


def recall(name: str, data: str) -> dict | None:
    """Settings of the last analysis on page ``name`` for the data keyed ``data`` (None if there is none)."""
    s = _pages().get(name)
    if not s or s.get("data") != data:
        return None
    return {k: v for k, v in json.loads(json.dumps(s)).items() if k != "data"}


def forget_all() -> None:
    """Forget every page's settings (a new dataset)."""
    _save({})
