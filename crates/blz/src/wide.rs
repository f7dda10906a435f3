//! Run-time CPU dispatch for the plain loops of the container (chunk statistics, scans).
//!
//! The crate is compiled for the baseline x86-64 target (SSE2), where an eight-lane loop over
//! `f64` with four accumulators each (sum, min, max, ...) spills registers. [`wide`] runs a
//! closure inside a function compiled for AVX-512 or AVX2 when the CPU has them, so the same
//! safe Rust code is vectorised with wider registers. Results do not change: the loops are the
//! same operations in the same order (Rust never contracts `a * b + c` into an FMA).
//!
//! Without the `simd` feature, or on other architectures, the closure is simply called.
#![cfg_attr(
    all(feature = "simd", target_arch = "x86_64"),
    allow(
        unsafe_code,
        reason = "calling target-feature functions after run-time detection"
    )
)]

/// Runs `f`, compiled for the widest vector extension this CPU has. `f` should be an
/// `#[inline(always)]` closure around `#[inline(always)]` code: only what is inlined into the
/// target-feature function gets the features, and a closure left to the inliner's judgement
/// may stay a separate baseline (SSE2) function once its body is large.
#[inline]
pub(crate) fn wide<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(all(feature = "simd", target_arch = "x86_64"))]
    {
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("avx512dq")
        {
            // SAFETY: the only precondition of a `#[target_feature]` function is that the CPU
            // has those features; all four were detected just above.
            return unsafe { x86::avx512(f) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: as above, AVX2 was detected.
            return unsafe { x86::avx2(f) };
        }
    }
    f()
}

#[cfg(all(feature = "simd", target_arch = "x86_64"))]
mod x86 {
    #[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq,avx2,popcnt")]
    #[inline]
    pub(super) fn avx512<R>(f: impl FnOnce() -> R) -> R {
        f()
    }

    #[target_feature(enable = "avx2,popcnt")]
    #[inline]
    pub(super) fn avx2<R>(f: impl FnOnce() -> R) -> R {
        f()
    }
}

#[cfg(test)]
mod tests {
    use super::wide;

    #[test]
    fn wide_runs_the_closure_once_and_returns_its_value() {
        let mut calls = 0;
        let xs: Vec<f64> = (0..1000).map(f64::from).collect();
        let s = wide(|| {
            calls += 1;
            xs.iter().sum::<f64>()
        });
        assert_eq!((s, calls), (499_500.0, 1));
    }
}
