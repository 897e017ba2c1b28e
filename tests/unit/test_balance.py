"""The balancer's choices from stage costs: decode workers and model threads sized to what was measured, the
user's explicit settings kept, a core left to the desktop on request, figures retaken when the load jumps."""

from __future__ import annotations

import pytest

from photoclip.core import balance
from photoclip.core.balance import Balancer


def measured(balancer: Balancer, decode_ms: float, model_ms: dict[int, float]) -> Balancer:
    for _ in range(5):
        balancer.decoded(decode_ms)
        for threads, ms in model_ms.items():
            balancer.embedded(16, ms * 16, threads)
    return balancer


@pytest.fixture(autouse=True)
def steady_load(monkeypatch):
    monkeypatch.setattr(balance, "_load_average", lambda: 1.0)


def test_a_fast_model_gets_every_core_for_decoding():
    # AVX-512 VNNI: OpenVINO int8 14 ms a photo, decoding 36 ms: one worker would leave the model idle
    plan = measured(Balancer(2), 36, {1: 14}).plan()
    assert (plan.workers, plan.threads) == (2, 1)
    assert plan.rate == pytest.approx(2000 / (36 + 14))  # all of both cores busy


def test_a_slow_model_keeps_one_thread_on_two_cores_and_gets_more_on_eight():
    # AVX2: torch int8 65 ms, decoding 39 ms. Two model threads beside a decode worker would crowd 2 cores.
    two = measured(Balancer(2), 39, {1: 65}).plan()
    assert two.threads == 1 and two.rate == pytest.approx(1000 / 65)
    eight = measured(Balancer(8), 39, {1: 65}).plan()
    assert eight.threads > 2 and eight.workers + eight.threads <= 8
    assert eight.rate > 3 * two.rate


def test_a_thread_count_measured_slower_than_estimated_is_given_up():
    balancer = measured(Balancer(8), 39, {1: 65})
    tried = balancer.rebalance()
    assert tried.threads > 1
    # under other load the extra threads bought nothing: the measurement replaces the estimate
    measured(balancer, 39, {tried.threads: 65})
    assert balancer.rebalance().threads == 1


def test_the_users_settings_are_kept():
    balancer = measured(Balancer(8, workers=1, threads=4), 36, {4: 14})
    for _ in range(3):
        plan = balancer.rebalance()
        assert (plan.workers, plan.threads) == (1, 4)
    only_workers = measured(Balancer(8, workers=3), 39, {1: 65}).plan()
    assert only_workers.workers == 3 and only_workers.threads > 1
    only_threads = measured(Balancer(2, threads=2), 36, {2: 9}).plan()
    assert only_threads.threads == 2


def test_a_core_is_left_to_the_desktop_while_the_app_is_in_front():
    balancer = measured(Balancer(4), 36, {1: 14})
    behind = balancer.rebalance(reserve=0)
    assert behind.workers == 3 and behind.rate == pytest.approx(1000 / 14)  # the model is the limit
    front = balancer.rebalance(reserve=1)
    assert front.workers + front.threads <= 3 and front.rate < behind.rate  # one core stays free
    assert balancer.rebalance(reserve=0) == behind  # behind other windows again: every core
    assert Balancer(2, reserve=1).workers == 1  # from the start, before anything is measured


def test_small_gains_do_not_change_the_model_threads():
    balancer = measured(Balancer(4), 10, {1: 20, 2: 19.6})  # 2 threads: 2% faster, not worth a recompile
    assert balancer.plan().threads > 1 and balancer.plan().rate < 1.08 * balancer.rate(4, 1)
    assert balancer.rebalance().threads == 1
    balancer.model_ms[2] = 15  # 33% faster: worth it
    assert balancer.rebalance().threads >= 2


def test_nothing_measured_keeps_the_start(monkeypatch):
    balancer = Balancer(6, start_threads=3)
    assert (balancer.plan().workers, balancer.plan().threads, balancer.plan().rate) == (6, 3, 0.0)


def test_a_busier_machine_means_measuring_again(monkeypatch):
    balancer = measured(Balancer(4), 36, {1: 14, 2: 8})
    balancer.threads = 2
    monkeypatch.setattr(balance, "_load_average", lambda: 4.0)  # something else started
    assert balancer.check_load()
    assert set(balancer.model_ms) == {2} and balancer.decode_ms is not None
    assert not balancer.check_load()  # steady again


def test_the_tail_gives_the_model_every_core_when_that_pays_for_the_change():
    # Zen 4, SigLIP 2 int8: 33 ms a photo on one thread; decoding is over, photos wait for the model
    balancer = measured(Balancer(2), 33, {1: 33})
    assert balancer.tail_threads(backlog=40) == 2
    assert balancer.tail_threads(backlog=5) == 1  # a recompile and its first batch cost more than they save
    assert measured(Balancer(2, threads=1), 33, {1: 33}).tail_threads(40) == 1  # the user's setting
    assert measured(Balancer(2, reserve=1), 33, {1: 33}).tail_threads(40) == 1  # the desktop's core stays free
    assert Balancer(2).tail_threads(40) == 1  # nothing measured yet


def test_a_model_of_independent_streams_shares_every_core_with_decoding():
    # OpenVINO streams of one thread each: none waits for another, so decode workers and streams may outnumber
    # the cores and the OS shares them; whichever stage is the limit gets what the other leaves
    for decode_ms, model_ms in ((36, {1: 14}), (39, {1: 65})):  # a fast model (AVX-512 VNNI), a slow one (AVX2)
        balancer = measured(Balancer(4, streams=True), decode_ms, model_ms)
        assert (balancer.workers, balancer.threads) == (4, 4)  # from the start, before anything is measured
        plan = balancer.rebalance()
        assert (plan.workers, plan.threads) == (4, 4)
    assert Balancer(4, threads=1, streams=True).threads == 1  # the user's settings are kept
    assert Balancer(4, workers=2, streams=True).workers == 2


def test_streams_leave_the_desktops_core_free_and_take_the_cores_at_the_tail_for_any_gain():
    balancer = measured(Balancer(4, streams=True), 36, {1: 14})
    front = balancer.rebalance(reserve=1)
    assert front.workers + front.threads <= 3  # no more runnable threads than the cores left
    behind = balancer.rebalance(reserve=0)
    assert (behind.workers, behind.threads) == (4, 4)  # behind other windows again: every core, twice over
    # the desktop's core stays free; the run's last photos are decoded and the model gets the other three
    costs = {1: 33, 3: 12}
    streams, compiled = (measured(Balancer(4, reserve=1, streams=s), 33, costs) for s in (True, False))
    for balancer in (streams, compiled):
        balancer.threads = 1
    assert streams.tail_threads(backlog=3) == 3  # a change costs nothing: any gain is worth it
    assert compiled.tail_threads(backlog=3) == 1  # 63 ms saved would not pay for a recompile


def test_the_model_is_found_to_run_as_streams_once_loaded():
    balancer = Balancer(2, start_threads=1)
    assert (balancer.workers, balancer.threads) == (2, 1)
    balancer.model_streams()
    assert (balancer.workers, balancer.threads) == (2, 2)
