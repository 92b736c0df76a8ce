//! The best candidate and the trade-off table (Pareto front).
//!
//! Order of preference (design choice): the higher probability that every goal is met, then
//! the lower probability that a limit is exceeded, then the lower activity administered (as low
//! as reasonably achievable for the same odds), then the day nearest the planned one, the
//! earlier first.

use crate::optimise::Candidate;
use std::cmp::Ordering;

/// `a` before `b` in the order of preference.
pub(crate) fn preference(a: &Candidate, b: &Candidate) -> Ordering {
    b.p_goals
        .total_cmp(&a.p_goals)
        .then(a.p_exceeded.total_cmp(&b.p_exceeded))
        .then(a.administered().gbq().total_cmp(&b.administered().gbq()))
        .then(a.day.unsigned_abs().cmp(&b.day.unsigned_abs()))
        .then(a.day.cmp(&b.day))
}

/// The indices of `candidates` in the order of preference.
pub(crate) fn ranked(candidates: &[Candidate]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by(|&a, &b| preference(&candidates[a], &candidates[b]));
    order
}

/// The best feasible candidate: the first in the order of preference whose probability of a
/// limit exceeded is at most `epsilon`.
pub(crate) fn best(candidates: &[Candidate], ranked: &[usize], epsilon: f64) -> Option<usize> {
    ranked
        .iter()
        .copied()
        .find(|&i| candidates[i].p_exceeded <= epsilon)
}

/// The Pareto front on (P(goals met) up, P(limit exceeded) down): the candidates no other
/// beats on one probability without losing on the other; of candidates with the same two
/// probabilities, the first in the order of preference. Walking the candidates in the order
/// of preference (P(goals) falling), one is on the front exactly when its P(exceeded) is below
/// that of every candidate before it. The front is returned in that order.
pub(crate) fn front(candidates: &[Candidate], ranked: &[usize]) -> Vec<usize> {
    let mut lowest = f64::INFINITY;
    let mut out = Vec::new();
    for &i in ranked {
        if candidates[i].p_exceeded < lowest {
            lowest = candidates[i].p_exceeded;
            out.push(i);
        }
    }
    out
}
