//! Per-chunk statistics, computed when a chunk is sealed and kept exact across updates.

use crate::dtype::{Element, SUM_LANES, add_lanes, merge_lanes};

/// Summary of a run of elements: min and max ignore NaNs (`None` when every value is NaN or
/// there are none); `sum` follows IEEE rules (a NaN makes it NaN).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stats<T: Element> {
    /// Smallest non-NaN value.
    pub min: Option<T>,
    /// Largest non-NaN value.
    pub max: Option<T>,
    /// Sum of the values (see [`Element::Acc`]); NaN if any value is NaN.
    pub sum: T::Acc,
    /// Number of elements.
    pub count: usize,
    /// Number of NaNs.
    pub nan_count: usize,
}

impl<T: Element> Default for Stats<T> {
    fn default() -> Self {
        Stats {
            min: None,
            max: None,
            sum: T::Acc::default(),
            count: 0,
            nan_count: 0,
        }
    }
}

impl<T: Element> Stats<T> {
    /// Statistics of a slice, summed in one run.
    pub fn of(xs: &[T]) -> Self {
        Self::of_blocks(xs, xs.len().max(1))
    }

    /// Statistics of a slice whose sum is taken block by block (`block` elements at a time)
    /// and the block sums added in order: the same association as a block-wise scan, so a sum
    /// from statistics equals a sum from the data bit for bit.
    pub fn of_blocks(xs: &[T], block: usize) -> Self {
        xs.chunks(block.max(1))
            .fold(Stats::default(), |a, b| a.merge(Self::of_one_pass(b)))
    }

    /// Statistics of one block in a single pass over it (min, max, NaN count and the sum
    /// together): the sum has exactly [`Element::sum_slice`]'s association.
    pub(crate) fn of_one_pass(xs: &[T]) -> Self {
        // `#[inline(always)]` on the closure: without it the closure, as big as the loop, was
        // compiled as a function of its own for the baseline target (SSE2) and called from the
        // AVX-512 one, so the loop never got the wide registers: 40 -> 26 ms for 100 M f64 in
        // 1 MiB blocks in cache.
        crate::wide::wide(
            #[inline(always)]
            || Self::of_one_pass_body(xs),
        )
    }

    #[inline(always)]
    fn of_one_pass_body(xs: &[T]) -> Self {
        // Sums in `SUM_LANES` lanes (the association of `sum_slice`), min and max in eight
        // (one register each: more did not fit AVX2's sixteen registers).
        let n = xs.len() / SUM_LANES * SUM_LANES;
        let mut sum = [T::Acc::default(); SUM_LANES];
        let first = xs.iter().copied().find(|x| !x.is_nan());
        let init = first.unwrap_or_default();
        let (mut mn, mut mx) = ([init; 8], [init; 8]);
        for c in xs[..n].chunks_exact(SUM_LANES) {
            for k in 0..SUM_LANES {
                sum[k] = T::acc(sum[k], c[k]);
            }
            // Eight-lane groups (`k % 8` indexing kept the compiler from vectorising the whole
            // loop: appends lost a third of their speed).
            for g in c.chunks_exact(8) {
                min_max_lanes(&mut mn, &mut mx, g);
            }
        }
        let mut total = merge_lanes(sum, T::acc_merge);
        // NaNs are not counted in the loop (four more registers of lanes made it spill): a
        // NaN turns its lane's sum into NaN, and only then are they counted.
        let mut nans = if sum.iter().any(|&a| acc_is_nan(a)) {
            xs[..n].iter().filter(|x| x.is_nan()).count()
        } else {
            0
        };
        let (mut lo, mut hi) = (mn[0], mx[0]);
        for k in 1..8 {
            if mn[k] < lo {
                lo = mn[k];
            }
            if mx[k] > hi {
                hi = mx[k];
            }
        }
        for &x in &xs[n..] {
            total = T::acc(total, x);
            nans += usize::from(x.is_nan());
            if x < lo {
                lo = x;
            }
            if x > hi {
                hi = x;
            }
        }
        let (min, max) = if first.is_none() {
            (None, None)
        } else if nans > 0 {
            // Keep the sequential rule with NaNs about (which of equal values is reported).
            let (a, b, _) = min_max(xs);
            (a, b)
        } else {
            (Some(lo), Some(hi))
        };
        Stats {
            min,
            max,
            sum: total,
            count: xs.len(),
            nan_count: nans,
        }
    }

    /// Combines the statistics of two runs (`self` first).
    pub fn merge(self, o: Self) -> Self {
        let pick = |a: Option<T>, b: Option<T>, less: bool| match (a, b) {
            (Some(x), Some(y)) => Some(if (y < x) == less { y } else { x }),
            (x, None) => x,
            (None, y) => y,
        };
        Stats {
            min: pick(self.min, o.min, true),
            max: pick(self.max, o.max, false),
            sum: T::acc_merge(self.sum, o.sum),
            count: self.count + o.count,
            nan_count: self.nan_count + o.nan_count,
        }
    }
}

/// Whether a sum accumulator is NaN (never for integer accumulators).
#[expect(
    clippy::eq_op,
    reason = "x != x is the NaN test that works for every accumulator type"
)]
fn acc_is_nan<A: PartialEq>(a: A) -> bool {
    a != a
}

/// [`Element::sum_slice`] of a slice handed over in consecutive pieces (all but the last a
/// multiple of [`SUM_LANES`] elements long): the same additions in the same order, so the same
/// result bit for bit, without the slice ever being whole in memory.
pub(crate) struct LaneSum<T: Element> {
    lanes: [T::Acc; SUM_LANES],
    rest: Option<T::Acc>,
}

impl<T: Element> LaneSum<T> {
    pub(crate) fn new() -> Self {
        LaneSum {
            lanes: [T::Acc::default(); SUM_LANES],
            rest: None,
        }
    }

    /// Adds the next piece.
    #[inline]
    pub(crate) fn add(&mut self, xs: &[T]) {
        debug_assert!(self.rest.is_none(), "a piece after a piece of odd length");
        let rest = crate::wide::wide(
            #[inline(always)]
            || add_lanes(&mut self.lanes, xs, T::acc),
        );
        if !rest.is_empty() {
            let mut s = merge_lanes(self.lanes, T::acc_merge);
            for &x in rest {
                s = T::acc(s, x);
            }
            self.rest = Some(s);
        }
    }

    /// The sum of everything added.
    pub(crate) fn finish(self) -> T::Acc {
        self.rest
            .unwrap_or_else(|| merge_lanes(self.lanes, T::acc_merge))
    }
}

/// Sum of `xs` taken `block` elements at a time, block sums added in order. NaNs propagate.
pub(crate) fn block_sum<T: Element>(xs: &[T], block: usize) -> T::Acc {
    xs.chunks(block.max(1))
        .fold(T::Acc::default(), |a, b| T::acc_merge(a, T::sum_slice(b)))
}

/// Min, max (ignoring NaNs) and the NaN count of a slice. Without NaNs (always for integers) it
/// runs eight independent lanes that the compiler vectorises.
///
/// Compiled for the baseline target on purpose: forced into [`crate::wide::wide`]'s AVX-512
/// function (an `#[inline(always)]` closure) the min scans of `blz bench sum` ran 40 % slower
/// (linspace 46-49 -> 68-70 ms, randwalk 24-25 -> 34-36 ms). The `wide` call that stood here
/// with a plain closure measured the same as this.
pub(crate) fn min_max<T: Element>(xs: &[T]) -> (Option<T>, Option<T>, usize) {
    min_max_body(xs)
}

/// One step of the eight-lane min/max loops: lane `k` takes `g[k]` (`g` has 8 elements).
#[inline(always)]
fn min_max_lanes<T: Element>(mn: &mut [T; 8], mx: &mut [T; 8], g: &[T]) {
    for k in 0..8 {
        let x = g[k];
        if x < mn[k] {
            mn[k] = x;
        }
        if x > mx[k] {
            mx[k] = x;
        }
    }
}

#[inline(always)]
fn min_max_body<T: Element>(xs: &[T]) -> (Option<T>, Option<T>, usize) {
    let nan = xs.iter().filter(|x| x.is_nan()).count();
    if nan > 0 {
        let mut min: Option<T> = None;
        let mut max: Option<T> = None;
        for &x in xs.iter().filter(|x| !x.is_nan()) {
            if min.is_none_or(|m| x < m) {
                min = Some(x);
            }
            if max.is_none_or(|m| x > m) {
                max = Some(x);
            }
        }
        return (min, max, nan);
    }
    let Some(&first) = xs.first() else {
        return (None, None, 0);
    };
    let mut mn = [first; 8];
    let mut mx = [first; 8];
    let chunks = xs.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        min_max_lanes(&mut mn, &mut mx, c);
    }
    let mut lo = mn[0];
    let mut hi = mx[0];
    for k in 1..8 {
        if mn[k] < lo {
            lo = mn[k];
        }
        if mx[k] > hi {
            hi = mx[k];
        }
    }
    for &x in rest {
        if x < lo {
            lo = x;
        }
        if x > hi {
            hi = x;
        }
    }
    (Some(lo), Some(hi), 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The one-pass statistics against the separate passes they replace: the same min, max and
    /// NaN count, and the sum bit for bit (the association of `block_sum`).
    fn check<T: Element>(xs: &[T], block: usize) -> std::result::Result<(), TestCaseError> {
        let s = Stats::of_blocks(xs, block);
        let (mn, mx, nan) = min_max(xs);
        prop_assert_eq!(s.count, xs.len());
        prop_assert_eq!(s.nan_count, nan);
        // Equal values (-0.0 == 0.0: which of the two is reported may differ).
        prop_assert!(s.min == mn, "{:?} vs {mn:?}", s.min);
        prop_assert!(s.max == mx, "{:?} vs {mx:?}", s.max);
        prop_assert_eq!(
            format!("{:?}", s.sum),
            format!("{:?}", block_sum(xs, block))
        );
        Ok(())
    }

    proptest! {
        #[test]
        fn one_pass_floats(
            xs in prop::collection::vec(prop_oneof![
                8 => -1e6f64..1e6, 1 => Just(f64::NAN), 1 => Just(-0.0f64), 1 => Just(0.0f64),
            ], 0..700),
            block in 1usize..200,
        ) {
            check(&xs, block)?;
        }

        /// A sum fed in pieces (multiples of `SUM_LANES` but the last) equals `sum_slice` bit
        /// for bit.
        #[test]
        #[expect(clippy::cast_possible_truncation, reason = "test data of other types")]
        fn lane_sum_in_pieces_equals_sum_slice(
            xs in prop::collection::vec(prop_oneof![
                8 => -1e6f64..1e6, 1 => Just(f64::NAN), 1 => Just(-0.0f64), 1 => Just(1e300f64),
            ], 0..1200),
            groups in 1usize..12,
        ) {
            let piece = groups * SUM_LANES;
            let mut lanes = LaneSum::<f64>::new();
            xs.chunks(piece).for_each(|p| lanes.add(p));
            prop_assert_eq!(lanes.finish().to_bits(), f64::sum_slice(&xs).to_bits());
            let small: Vec<f32> = xs.iter().map(|&x| x as f32).collect();
            let mut lanes = LaneSum::<f32>::new();
            small.chunks(piece).for_each(|p| lanes.add(p));
            prop_assert_eq!(lanes.finish().to_bits(), f32::sum_slice(&small).to_bits());
            let ints: Vec<i32> = xs.iter().map(|&x| x as i32).collect();
            let mut lanes = LaneSum::<i32>::new();
            ints.chunks(piece).for_each(|p| lanes.add(p));
            prop_assert_eq!(lanes.finish(), i32::sum_slice(&ints));
            let flags: Vec<bool> = ints.iter().map(|&x| x % 3 == 0).collect();
            let mut lanes = LaneSum::<bool>::new();
            flags.chunks(piece).for_each(|p| lanes.add(p));
            prop_assert_eq!(lanes.finish(), bool::sum_slice(&flags));
        }

        #[test]
        fn one_pass_integers(xs in prop::collection::vec(any::<i64>(), 0..700), block in 1usize..200) {
            check(&xs, block)?;
            let small: Vec<u8> = xs.iter().map(|&x| x.to_le_bytes()[0]).collect();
            check(&small, block)?;
            let flags: Vec<bool> = xs.iter().map(|&x| x % 3 == 0).collect();
            check(&flags, block)?;
        }
    }
}
