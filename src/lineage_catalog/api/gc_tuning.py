"""The server process's garbage collector, tuned for large answers.

A 10k-node GraphQL page allocates about a million objects, a few hundred thousand of which
live until the response is sent. With CPython's defaults (a young collection every 700 net
allocations of container objects, a full one whenever the survivors grow by a quarter)
that one request ran 2-3 full collections over every object of the process (the modules,
the schema, the page itself): 250 of its 780 ms. Now:

- what exists once the app has started (modules, schema, settings: never garbage) is
  frozen, so no collection walks it again;
- a young collection waits for 200,000 net allocations: a large answer meets one or two
  instead of hundreds, each walking what the answer holds at that moment; a small request
  rarely meets one. At most that many objects in reference cycles wait a little longer to
  be freed (tens of MB at worst); everything else is still freed by reference counting.

On a 10k-node page, measured in-process: defaults 559 ms, frozen 473 ms, frozen with
(50,000, 20, 10) 429 ms, no collector at all 397 ms (before the other W6 changes); with
them, (50,000, 20, 10) left 40 ms of collections per page and (200,000, 20, 10) none that
showed beside the collector switched off (docs/performance.md, "What changed").
"""

from __future__ import annotations

import gc

# Young collections every 200,000 net allocations (CPython: 700), the middle generation
# every 20 of them (10); the full collection keeps its own rule (a quarter more survivors).
THRESHOLDS = (200_000, 20, 10)
_tuned = False


def tune_gc() -> None:
    """Once per process: collect, freeze what has survived start-up, raise the thresholds."""
    global _tuned
    if _tuned:
        return
    _tuned = True
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
