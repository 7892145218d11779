//! One-to-one matching of two coders' spans: exact (same start and end) and by overlap.
//!
//! Overlap matching is a maximum-cardinality bipartite matching between the two lists, an
//! edge joining two spans that share at least one code point. Among maximum matchings the one
//! found prefers, for each reference span in text order, the partner with the largest overlap
//! (then the nearest start). Because the number of matched pairs is the maximum, it does not
//! depend on which coder is the reference.

use std::collections::HashMap;

use crate::document::Span;

/// Pairs (index in `a`, index in `b`) of identical spans, each span used at most once.
pub fn exact(a: &[Span], b: &[Span]) -> Vec<(usize, usize)> {
    let mut free: HashMap<Span, Vec<usize>> = HashMap::new();
    for (j, s) in b.iter().enumerate().rev() {
        free.entry(*s).or_default().push(j);
    }
    let mut pairs = Vec::new();
    for (i, s) in a.iter().enumerate() {
        if let Some(j) = free.get_mut(s).and_then(Vec::pop) {
            pairs.push((i, j));
        }
    }
    pairs
}

/// A maximum one-to-one matching of overlapping spans, as (index in `a`, index in `b`) sorted
/// by the index in `a`.
pub fn overlap(a: &[Span], b: &[Span]) -> Vec<(usize, usize)> {
    let mut by_start: Vec<usize> = (0..b.len()).collect();
    by_start.sort_by_key(|&j| (b[j].start, b[j].end, j));
    // A span of `b` overlapping `sa` starts before `sa.end` and no earlier than
    // `sa.start − longest`, so only that slice of `by_start` is looked at.
    let longest = b.iter().map(Span::len).max().unwrap_or(0);
    let adj: Vec<Vec<usize>> = a
        .iter()
        .map(|sa| {
            let from = by_start.partition_point(|&j| b[j].start < sa.start.saturating_sub(longest));
            let to = by_start.partition_point(|&j| b[j].start < sa.end);
            let mut cands: Vec<usize> = by_start[from..to.max(from)]
                .iter()
                .copied()
                .filter(|&j| sa.overlaps(&b[j]) && !sa.is_empty() && !b[j].is_empty())
                .collect();
            cands.sort_by_key(|&j| {
                let shared = sa.end.min(b[j].end) - sa.start.max(b[j].start);
                (std::cmp::Reverse(shared), sa.start.abs_diff(b[j].start), j)
            });
            cands
        })
        .collect();
    let mut order: Vec<usize> = (0..a.len()).collect();
    order.sort_by_key(|&i| (a[i].start, a[i].end, i));
    let mut match_a: Vec<Option<usize>> = vec![None; a.len()];
    let mut match_b: Vec<Option<usize>> = vec![None; b.len()];
    let mut seen = vec![false; b.len()];
    for i in order {
        seen.iter_mut().for_each(|s| *s = false);
        augment(i, &adj, &mut match_a, &mut match_b, &mut seen);
    }
    match_a.iter().enumerate().filter_map(|(i, m)| m.map(|j| (i, j))).collect()
}

/// Kuhn's augmenting-path search from `start`, iterative so that long chains cannot overflow
/// the stack. Returns whether `start` was matched.
fn augment(
    start: usize,
    adj: &[Vec<usize>],
    match_a: &mut [Option<usize>],
    match_b: &mut [Option<usize>],
    seen: &mut [bool],
) -> bool {
    // Frames of (a index, next edge); `via[k]` is the b that leads from frame k to frame k+1.
    let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
    let mut via: Vec<usize> = Vec::new();
    while let Some(top) = stack.len().checked_sub(1) {
        let (u, edge) = stack[top];
        if edge >= adj[u].len() {
            stack.pop();
            via.pop();
            continue;
        }
        stack[top].1 += 1;
        let v = adj[u][edge];
        if seen[v] {
            continue;
        }
        seen[v] = true;
        via.push(v);
        match match_b[v] {
            None => {
                for (k, &(a, _)) in stack.iter().enumerate() {
                    let b = via[k];
                    match_b[b] = Some(a);
                    match_a[a] = Some(b);
                }
                return true;
            }
            Some(w) => stack.push((w, 0)),
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_matching_is_maximum_not_greedy() {
        // Greedy would pair a0 with b0 (the larger overlap) and leave a1 unmatched.
        let a = [Span::new(0, 10), Span::new(8, 9)];
        let b = [Span::new(5, 9), Span::new(0, 2)];
        let pairs = overlap(&a, &b);
        assert_eq!(pairs.len(), 2);
        assert!(pairs.contains(&(1, 0)) && pairs.contains(&(0, 1)));
    }

    /// The largest matching by trying every choice (small inputs only).
    fn brute_force(a: &[Span], b: &[Span], used: &mut Vec<bool>) -> usize {
        let Some((first, rest)) = a.split_first() else { return 0 };
        let mut best = brute_force(rest, b, used);
        for j in 0..b.len() {
            if !used[j] && first.overlaps(&b[j]) {
                used[j] = true;
                best = best.max(1 + brute_force(rest, b, used));
                used[j] = false;
            }
        }
        best
    }

    fn spans() -> impl proptest::strategy::Strategy<Value = Vec<Span>> {
        use proptest::prelude::*;
        prop::collection::vec((0..30usize, 1..10usize).prop_map(|(s, l)| Span::new(s, s + l)), 0..7)
    }

    proptest::proptest! {
        #[test]
        fn overlap_matching_is_maximum_and_one_to_one(a in spans(), b in spans()) {
            let pairs = overlap(&a, &b);
            let mut used = vec![false; b.len()];
            proptest::prop_assert_eq!(pairs.len(), brute_force(&a, &b, &mut used));
            proptest::prop_assert_eq!(overlap(&b, &a).len(), pairs.len());
            let mut seen_b: Vec<usize> = pairs.iter().map(|p| p.1).collect();
            seen_b.sort_unstable();
            seen_b.dedup();
            proptest::prop_assert_eq!(seen_b.len(), pairs.len());
            for (i, j) in pairs {
                proptest::prop_assert!(a[i].overlaps(&b[j]));
            }
        }
    }

    #[test]
    fn each_span_is_used_once() {
        let a = [Span::new(0, 10)];
        let b = [Span::new(0, 3), Span::new(4, 8)];
        assert_eq!(overlap(&a, &b), vec![(0, 1)]);
        assert_eq!(exact(&[Span::new(1, 2), Span::new(1, 2)], &[Span::new(1, 2)]).len(), 1);
    }
}
