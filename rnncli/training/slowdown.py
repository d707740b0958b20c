"""How fast epochs go: an epoch far slower than those before it is said, with what to do about it.

On a laptop or a shared machine another job can take the cores mid-run; torch then runs its
threads oversubscribed and an epoch can take ten or a hundred times as long, which looks like a hang.
"""

from __future__ import annotations

SLOWER = 3.0  # an epoch this many times the fastest before it is worth a line
AT_LEAST = 5.0  # ... when it took at least these seconds (a 0.1 s epoch taking 0.4 s is noise)


def check(seconds: list[float], device: str, threads: int) -> str | None:
    """A line about the last epoch if it took SLOWER times the fastest before it, else None."""
    if len(seconds) < 2 or seconds[-1] < AT_LEAST:
        return None
    fastest = min(seconds[:-1])
    if seconds[-1] < SLOWER * fastest:
        return None
    where = (
        "another process may be using the GPU"
        if device.startswith("cuda")
        else f"another program is likely using the CPU cores, and torch's {threads} threads wait on each "
        "other; close it, or give each job its share of the cores: OMP_NUM_THREADS=N rnncli train ... (N "
        "about cores / jobs)"
    )
    return (
        f"epoch {len(seconds)} took {seconds[-1]:.0f}s, {seconds[-1] / fastest:.0f} times the fastest "
        f"before it ({fastest:.1f}s): {where}"
    )
