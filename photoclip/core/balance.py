"""How many decode workers and model threads an index run uses, from stage costs measured while it runs.

The right split differs by machine: where the model costs 65 ms a photo and decoding 39 ms (an AVX2 CPU), the
model is the limit and a second model thread helps; where the model costs 8–14 ms (AVX-512 VNNI, AMX) decoding
is, and the model thread idles behind one decode worker unless decoding gets every core. So the pipeline
measures, per photo, the decode worker's CPU time and the model's wall time at its thread count, and asks
``Balancer.plan`` for the pair (decode workers, model threads) whose predicted rate is highest:

    rate(w, t) = min(1000 / model_ms(t),             the model is one consumer
                     w × 1000 / decode_ms,           each decode worker is at most a core
                     cores × 1000 / (decode_ms + model_ms(t) × t))    all work shares the cores

``model_ms(t)`` is what was measured at ``t`` threads, else an estimate from the nearest measured count (80% of
linear scaling per added thread); a model with ``t`` > 1 threads slows when decode workers crowd its cores
(one preempted thread stalls the others at every step), so ``w + t`` beyond the cores is charged for. Measured
figures are running averages, so a machine that gets busier (another program, the user's desktop) shows up in
them, and a jump in the load average drops them to be measured afresh. A user's explicit setting
(``PHOTOCLIP_THREADS``, ``PHOTOCLIP_DECODE_WORKERS``) is never changed. ``reserve`` cores are left to the
desktop (the app in front).

A model of independent streams (OpenVINO's image tower, one thread each: up to 8 cores) is not balanced at
all: decoding and the model both get every usable core and the OS shares them out (``shares_cores``); only
with a core left to the desktop is the split chosen as above, and then changing it costs nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

#: A 12 MP JPEG's decode cost (ms, one core: read, hash, DCT-scaled decode, thumbnail, prepare) before any
#: photo of this run was measured (docs/benchmarks.md).
PRIOR_DECODE_MS = 40.0
#: Share of a linear speed-up each added model thread is assumed to bring until measured.
THREAD_EFFICIENCY = 0.8
#: Weight of a new sample in the running averages.
SMOOTHING = 0.3
#: A plan must beat the current one by this much to be worth a change (model threads may cost a recompile).
MIN_GAIN = 0.08
#: The load average rising by this much (runnable processes) since the figures were taken: measure again.
LOAD_JUMP = 1.0
#: What changing the model's thread count costs where it is compiled for one (an OpenVINO tower before streams,
#: measured: 140 ms to import it again + 150-180 ms of slower first batch, B/32 int8 on Zen 4); streams: 0.
SWITCH_MS = 300.0


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS tells, else the CPU count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Plan:
    workers: int
    threads: int
    #: predicted photos/s (0 when nothing is measured yet)
    rate: float


class Balancer:
    def __init__(self, cores: int | None = None, *, workers: int | None = None, threads: int | None = None,
                 start_threads: int = 1, reserve: int = 0, streams: bool = False) -> None:
        """``workers`` / ``threads``: the user's explicit settings (kept as they are); ``start_threads``: the
        model's thread count at load; ``reserve``: cores left to the desktop; ``streams``: the model runs as
        independent streams of one thread, changed at no cost (``image_config`` in embed/openvino_backend.py)."""
        self.cores = cores or available_cores()
        self.fixed_workers = workers
        self.fixed_threads = threads
        self.reserve = reserve
        self.streams = False
        self.threads = threads or start_threads
        self.workers = workers or self.usable_cores()
        self.decode_ms: float | None = None
        #: model wall ms per image at each thread count measured
        self.model_ms: dict[int, float] = {}
        self._load = _load_average()
        if streams:
            self.model_streams()

    def model_streams(self) -> None:
        """The model turned out to run as independent streams (known once it is loaded): from now on decoding
        and the model may share the cores (``shares_cores``)."""
        self.streams = True
        if self.shares_cores():
            shared = self.plan()
            self.workers, self.threads = shared.workers, shared.threads

    def usable_cores(self) -> int:
        return max(1, self.cores - max(0, self.reserve))

    def shares_cores(self) -> bool:
        """Decoding and a model of independent streams both get every usable core, and the OS shares them out.
        No thread waits for another, so a core is idle only when nothing at all is runnable: whichever stage
        is the limit gets the cores the other does not use, photo by photo, with nothing to measure or switch
        (SigLIP 2 B/32 int8 on Zen 4, 192 photos: 29.0-29.2 photos/s, 93-97% of the floor, against 27.1-27.8
        balanced; docs/benchmarks.md, "Sixth round"). Not with a core left to the desktop: more runnable threads than
        the cores left would take it."""
        return self.streams and not self.reserve

    # --- measurements -------------------------------------------------------------------------------------

    def decoded(self, cpu_ms: float) -> None:
        """One photo's decode cost (CPU ms in its worker)."""
        if cpu_ms > 0:
            self.decode_ms = _average(self.decode_ms, cpu_ms)

    def embedded(self, images: int, wall_ms: float, threads: int) -> None:
        """A batch of ``images`` took ``wall_ms`` on the model at ``threads`` threads."""
        if images > 0 and wall_ms > 0:
            self.model_ms[threads] = _average(self.model_ms.get(threads), wall_ms / images)

    def check_load(self) -> bool:
        """Forget the model figures when the machine got much busier (or quieter) since they were taken; True
        when it did. Decode figures are CPU time, which other programs barely change."""
        load = _load_average()
        if abs(load - self._load) < LOAD_JUMP:
            return False
        self._load = load
        current = self.model_ms.get(self.threads)
        self.model_ms = {}
        if current is not None:  # keep a rough figure for the count in use: it is measured again at once
            self.model_ms[self.threads] = current
        return True

    # --- decisions ----------------------------------------------------------------------------------------

    def plan(self) -> Plan:
        """The best (workers, threads) for the figures so far; the current pair while nothing is measured."""
        cores = self.usable_cores()
        if self.shares_cores():
            w, t = self.fixed_workers or cores, self.fixed_threads or cores
            return Plan(w, t, self.rate(w, t) if self.model_ms else 0.0)
        if self.decode_ms is None or not self.model_ms:
            return Plan(self.workers, self.threads, 0.0)
        workers = [self.fixed_workers] if self.fixed_workers else range(1, cores + 1)
        threads = [self.fixed_threads] if self.fixed_threads else range(1, cores + 1)
        best: Plan | None = None
        for t in threads:
            for w in workers:
                if self.reserve and not self.fixed_workers and w > 1 and w + t > cores:
                    continue  # a core left to the desktop stays free: no more runnable threads than cores
                rate = self.rate(w, t)
                # ties (within 2%): fewer model threads, then fewer workers (less contention, less memory)
                if best is None or rate > best.rate * 1.02:
                    best = Plan(w, t, rate)
        assert best is not None
        return best

    def rebalance(self, reserve: int | None = None) -> Plan:
        """Adopt the best plan when it beats the current pair by ``MIN_GAIN`` (or the current pair no longer
        fits the cores left after ``reserve``); return what is in force."""
        if reserve is not None:
            self.reserve = reserve
        self.check_load()
        cores = self.usable_cores()
        over = (not self.fixed_workers and self.workers > cores) or (not self.fixed_threads and self.threads > cores)
        best = self.plan()
        if self.shares_cores():  # nothing to weigh: a change costs nothing
            self.workers, self.threads = best.workers, best.threads
            return best
        if not best.rate:
            if over:
                self.workers = self.fixed_workers or min(self.workers, cores)
            return Plan(self.workers, self.threads, 0.0)
        current = self.rate(self.workers, self.threads)
        fewer = best.threads < self.threads and best.rate >= current * 0.98  # as fast with fewer: less CPU
        if over or fewer or best.threads == self.threads or best.rate > current * (1 + MIN_GAIN):
            self.workers, self.threads = best.workers, best.threads
        return Plan(self.workers, self.threads, self.rate(self.workers, self.threads))

    def rate(self, workers: int, threads: int) -> float:
        """Predicted photos/s with ``workers`` decode workers and ``threads`` model threads."""
        decode = self.decode_ms if self.decode_ms is not None else PRIOR_DECODE_MS
        model = self.model_estimate(threads)
        cores = self.usable_cores()
        if threads > 1 and workers + threads > cores and not self.streams:
            model *= (workers + threads) / cores  # crowded: its threads wait for each other
        return min(1000 / model, workers * 1000 / decode, cores * 1000 / (decode + model * threads))

    def model_estimate(self, threads: int) -> float:
        """Model ms per image at ``threads``: measured; between two measured counts, interpolated; beyond
        them, scaled from the nearest with the assumed efficiency, or with the one measured between the two
        largest counts where that was worse (a busy machine)."""
        known = sorted(self.model_ms)
        if threads in self.model_ms:
            return self.model_ms[threads]
        lower = [t for t in known if t < threads]
        upper = [t for t in known if t > threads]
        if lower and upper:
            a, b = lower[-1], upper[0]
            return self.model_ms[a] + (self.model_ms[b] - self.model_ms[a]) * (threads - a) / (b - a)
        if upper:  # fewer threads than measured: slower by the assumed scaling
            return self.model_ms[upper[0]] * _speedup(upper[0]) / _speedup(threads)
        top = known[-1]
        assumed = _speedup(threads) / _speedup(top)
        if len(known) >= 2:
            below = known[-2]
            seen = self.model_ms[below] / self.model_ms[top]  # speed-up measured from `below` to `top`
            per_thread = (seen - 1) / (top - below)
            assumed = min(assumed, max(1.0, 1 + per_thread * (threads - top)))
        return self.model_ms[top] / assumed

    def tail_threads(self, backlog: int) -> int:
        """Model threads for the run's tail, once every photo is decoded and ``backlog`` of them wait for the
        model: all the usable cores where the time that saves beats what changing costs (``SWITCH_MS``)."""
        cores = self.usable_cores()
        now = self.model_ms.get(self.threads)
        if self.fixed_threads or now is None or cores <= self.threads:
            return self.threads
        saved = backlog * (now - self.model_estimate(cores))
        return cores if saved > (0 if self.streams else SWITCH_MS) else self.threads

    def floor(self) -> float:
        """The best rate these stage costs allow on these cores (what a run is measured against)."""
        return self.plan().rate


def _speedup(threads: int) -> float:
    return 1 + THREAD_EFFICIENCY * (threads - 1)


def _average(old: float | None, new: float) -> float:
    return new if old is None else old + SMOOTHING * (new - old)


def _load_average() -> float:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):  # Windows
        return 0.0
