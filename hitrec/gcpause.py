"""Pausing Python's cyclic garbage collector around bursts of acyclic allocations."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while code allocates many (acyclic) objects.

    Allocating a few objects per node of a large graph triggers collections, and the full
    ones walk every object in the process: on 100,000 nodes that is a tenth to a third of
    the time, depending on what else the process holds (bench/bench_royalties_pure.py and
    bench/bench_lineage.py measure it). Callers make no reference cycles, so reference
    counting frees it all the same. The previous state is restored (a caller that had
    disabled collection keeps it disabled).
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
