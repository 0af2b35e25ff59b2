"""The multi-fidelity promotion rule: non-dominated rank under the budgets, not accuracy alone."""

from tinynas_tui.core.fidelity import ScreenPoint, ScreenRule, judge

PEERS = [ScreenPoint(0.90, 100.0, 50.0), ScreenPoint(0.80, 20.0, 10.0), ScreenPoint(0.95, 300.0, 200.0)]


def test_a_dominated_candidate_is_held_back():
    verdict = judge(ScreenPoint(0.85, 120.0, 60.0), PEERS)
    assert not verdict.promoted
    assert verdict.dominated_by == 1
    assert verdict.reason == "dominated by 1 of 3 screened candidates"


def test_a_small_fast_candidate_of_modest_accuracy_is_promoted():
    # Less accurate than every peer, but smaller and faster than all: on the front, so promoted.
    verdict = judge(ScreenPoint(0.60, 5.0, 2.0), PEERS)
    assert verdict.promoted
    assert verdict.dominated_by == 0


def test_accuracy_alone_does_not_decide():
    # Below the best accuracy, yet not dominated by it (it is smaller): promoted.
    assert judge(ScreenPoint(0.91, 150.0, 100.0), PEERS).promoted
    # Above the median accuracy, yet dominated by a smaller, faster, more accurate peer: held back.
    assert not judge(ScreenPoint(0.89, 110.0, 55.0), PEERS).promoted


def test_slack_spares_a_candidate_within_the_noise():
    candidate = ScreenPoint(0.89, 110.0, 55.0)  # 0.01 below a peer that is smaller and faster
    assert not judge(candidate, PEERS, ScreenRule(slack=0.0)).promoted
    assert judge(candidate, PEERS, ScreenRule(slack=0.02)).promoted


def test_everything_feasible_is_promoted_until_enough_peers():
    weak = ScreenPoint(0.10, 500.0, 500.0)
    assert judge(weak, PEERS[:2], ScreenRule(min_peers=3)).promoted
    assert not judge(weak, PEERS, ScreenRule(min_peers=3)).promoted


def test_over_a_budget_is_never_promoted_and_never_a_peer():
    assert not judge(ScreenPoint(0.99, 1.0, 1.0, feasible=False), PEERS).promoted
    # The only peer that would dominate it is over a budget: it does not count.
    over = [ScreenPoint(0.99, 1.0, 1.0, feasible=False), *PEERS]
    verdict = judge(ScreenPoint(0.70, 10.0, 5.0), over)
    assert verdict.promoted and verdict.peers == 3


def test_an_equal_peer_does_not_dominate():
    assert judge(PEERS[0], PEERS).promoted
