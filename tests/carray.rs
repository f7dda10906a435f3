//! CArray against a `Vec<T>` model: random operation sequences give the same observable results,
//! for several element types, chunk lengths down to 1 and empty columns.

use std::sync::Arc;

use blz::{CArray, CArrayOptions, ChunkCache, Element, Pred};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op<T> {
    Push(T),
    Extend(Vec<T>),
    Set(usize, T),
    SetRange(usize, Vec<T>),
    Truncate(usize),
    Resize(usize, T),
    Flush,
    Clear,
}

fn ops<T: Clone + std::fmt::Debug + 'static>(
    val: impl Strategy<Value = T> + Clone + 'static,
) -> impl Strategy<Value = Vec<Op<T>>> {
    let op = prop_oneof![
        3 => val.clone().prop_map(Op::Push),
        3 => prop::collection::vec(val.clone(), 0..300).prop_map(Op::Extend),
        3 => (any::<usize>(), val.clone()).prop_map(|(i, v)| Op::Set(i, v)),
        2 => (any::<usize>(), prop::collection::vec(val.clone(), 0..120)).prop_map(|(i, v)| Op::SetRange(i, v)),
        1 => any::<usize>().prop_map(Op::Truncate),
        1 => (0usize..600, val).prop_map(|(n, v)| Op::Resize(n, v)),
        1 => Just(Op::Flush),
        1 => Just(Op::Clear).prop_filter("rare", |_| true),
    ];
    prop::collection::vec(op, 0..40)
}

/// Bit patterns, so NaNs compare equal to themselves.
fn bits<T: Element>(xs: &[T]) -> Vec<u8> {
    bytemuck::cast_slice(T::to_raw(xs)).to_vec()
}

fn check<T: Element + PartialEq>(
    ops: Vec<Op<T>>,
    chunklen: usize,
    stats: bool,
) -> Result<(), TestCaseError> {
    let cache = ChunkCache::new(1 << 20).unwrap();
    let opts = CArrayOptions::default()
        .with_chunklen(chunklen)
        .with_cache(cache)
        .with_stats(stats);
    let mut a = CArray::<T>::with_options(opts).unwrap();
    let mut m: Vec<T> = Vec::new();
    for op in ops {
        match op {
            Op::Push(v) => {
                a.push(v).unwrap();
                m.push(v);
            }
            Op::Extend(v) => {
                // Both bulk appends: from a slice, and from an iterator (odd lengths).
                if v.len() % 2 == 0 {
                    a.extend_from_slice(&v).unwrap();
                } else {
                    a.extend(v.iter().copied()).unwrap();
                }
                m.extend_from_slice(&v);
            }
            Op::Set(i, v) => {
                if m.is_empty() {
                    prop_assert!(a.set(i, v).is_err());
                } else {
                    let i = i % m.len();
                    a.set(i, v).unwrap();
                    m[i] = v;
                }
            }
            Op::SetRange(i, v) => {
                let i = if m.is_empty() { 0 } else { i % m.len() };
                if i + v.len() > m.len() {
                    prop_assert!(a.set_range(i, &v).is_err());
                } else {
                    a.set_range(i, &v).unwrap();
                    m[i..i + v.len()].copy_from_slice(&v);
                }
            }
            Op::Truncate(n) => {
                let n = n % (m.len() + 2);
                a.truncate(n).unwrap();
                m.truncate(n);
            }
            Op::Resize(n, v) => {
                a.resize(n, v).unwrap();
                m.resize(n, v);
            }
            Op::Flush => a.flush().unwrap(),
            Op::Clear => {
                a.clear();
                m.clear();
            }
        }
        prop_assert_eq!(a.len(), m.len());
    }
    // Everything observable agrees with the model.
    prop_assert_eq!(bits(&a.to_vec().unwrap()), bits(&m));
    let it: Vec<T> = a.iter().map(|x| x.unwrap()).collect();
    prop_assert_eq!(bits(&it), bits(&m));
    for (i, &x) in m.iter().enumerate().step_by(7) {
        prop_assert_eq!(bits(&[a.get(i).unwrap()]), bits(&[x]));
    }
    prop_assert!(a.get(m.len()).is_err());
    let n = m.len();
    if n > 0 {
        let idx: Vec<usize> = (0..n).rev().step_by(3).chain([0, n / 2, 0]).collect();
        let want: Vec<T> = idx.iter().map(|&i| m[i]).collect();
        prop_assert_eq!(bits(&a.take(&idx).unwrap()), bits(&want));
        let (s, e) = (n / 3, n - n / 4);
        prop_assert_eq!(bits(&a.slice(s..e).unwrap()), bits(&m[s..e]));
        let stepped: Vec<T> = m[s..e].iter().step_by(5).copied().collect();
        prop_assert_eq!(bits(&a.slice_step(s..e, 5).unwrap()), bits(&stepped));
        let mask: Vec<bool> = (0..n).map(|i| i % 3 == 1).collect();
        let want: Vec<T> = m
            .iter()
            .zip(&mask)
            .filter(|(_, k)| **k)
            .map(|(x, _)| *x)
            .collect();
        prop_assert_eq!(bits(&a.filter_mask(&mask).unwrap()), bits(&want));
    }
    prop_assert!(a.slice(0..n + 1).is_err());
    let mut blocks = a.blocks(13).unwrap();
    let mut seen = Vec::new();
    while let Some(b) = blocks.next_block() {
        let (start, xs) = b.unwrap();
        prop_assert_eq!(start, seen.len());
        seen.extend_from_slice(xs);
    }
    prop_assert_eq!(bits(&seen), bits(&m));
    // Reductions.
    let valid: Vec<T> = m.iter().copied().filter(|x| !x.is_nan()).collect();
    let mut min: Option<T> = None;
    let mut max: Option<T> = None;
    for &x in &valid {
        if min.is_none_or(|v| x < v) {
            min = Some(x);
        }
        if max.is_none_or(|v| x > v) {
            max = Some(x);
        }
    }
    prop_assert_eq!(a.min().unwrap(), min);
    prop_assert_eq!(a.max().unwrap(), max);
    prop_assert_eq!(
        a.argmin().unwrap(),
        min.and_then(|v| m.iter().position(|&x| x == v))
    );
    prop_assert_eq!(
        a.argmax().unwrap(),
        max.and_then(|v| m.iter().position(|&x| x == v))
    );
    if let Some(&pivot) = valid.get(valid.len() / 2) {
        for pred in [
            Pred::Lt(pivot),
            Pred::Le(pivot),
            Pred::Gt(pivot),
            Pred::Ge(pivot),
            Pred::Eq(pivot),
            Pred::Ne(pivot),
        ] {
            let want: Vec<(usize, T)> = m
                .iter()
                .copied()
                .enumerate()
                .filter(|(_, x)| pred.test(*x))
                .collect();
            prop_assert_eq!(a.count_where(pred).unwrap(), want.len(), "{:?}", pred);
            let got = a.where_(pred).unwrap();
            prop_assert_eq!(
                got.iter().map(|p| p.0).collect::<Vec<_>>(),
                want.iter().map(|p| p.0).collect::<Vec<_>>()
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64)))]

    #[test]
    fn carray_i32_matches_vec(ops in ops(any::<i32>()), chunklen in 1usize..70, stats in any::<bool>()) {
        check(ops, chunklen, stats)?;
        // Integer sums are exact (wrapping i64).
    }

    #[test]
    fn carray_f64_matches_vec(ops in ops(prop_oneof![-1e6f64..1e6, Just(f64::NAN), Just(0.0)]), chunklen in 1usize..70, stats in any::<bool>()) {
        check(ops, chunklen, stats)?;
    }

    #[test]
    fn carray_bool_u8_u64_match_vec(b in ops(any::<bool>()), u in ops(any::<u8>()), w in ops(any::<u64>()), chunklen in 1usize..40) {
        check(b, chunklen, true)?;
        check(u, chunklen, false)?;
        check(w, chunklen, true)?;
    }

    #[test]
    fn sums_do_not_depend_on_statistics_or_threads(xs in prop::collection::vec(-1e9f64..1e9, 0..5000), chunklen in 1usize..600) {
        let opts = CArrayOptions::default().with_chunklen(chunklen);
        let mut a = CArray::<f64>::with_options(opts).unwrap();
        a.extend_from_slice(&xs).unwrap();
        let with = a.sum().unwrap();
        a.set_use_stats(false);
        let without = a.sum().unwrap();
        prop_assert_eq!(with.to_bits(), without.to_bits());
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let serial = one.install(|| a.sum().unwrap());
        prop_assert_eq!(serial.to_bits(), without.to_bits());
    }
}

#[test]
fn int_sums_and_means() {
    let a = CArray::<i32>::try_from_iter(-1000..1000).unwrap();
    assert_eq!(a.sum().unwrap(), -1000);
    assert!((a.mean().unwrap() - (-0.5)).abs() < 1e-12);
    let b = CArray::<bool>::from_slice(&[true, false, true]).unwrap();
    assert_eq!(b.sum().unwrap(), 2);
    assert_eq!(b.wheretrue().unwrap(), vec![0, 2]);
}

#[test]
fn statistics_skip_chunks() {
    // A sorted column: a selective predicate decides almost every chunk from statistics, and the
    // answers match a scan without statistics.
    let opts = CArrayOptions::default().with_chunklen(1000);
    let mut a = CArray::<i64>::with_options(opts).unwrap();
    a.extend(0..100_000).unwrap();
    assert_eq!(a.count_where(Pred::Between(500, 1500)).unwrap(), 1001);
    assert_eq!(a.min().unwrap(), Some(0));
    assert_eq!(a.max().unwrap(), Some(99_999));
    a.set(5, -7).unwrap();
    assert_eq!(a.min().unwrap(), Some(-7));
    assert_eq!(a.argmin().unwrap(), Some(5));
    a.flush().unwrap();
    assert_eq!(a.stats().unwrap().min, Some(-7));
    assert_eq!(a.argmin().unwrap(), Some(5));
}

#[test]
fn bad_input_gives_errors() {
    let a = CArray::<u16>::from_slice(&[1, 2, 3]).unwrap();
    assert!(a.get(3).is_err());
    assert!(a.take(&[0, 9]).is_err());
    assert!(a.slice(2..5).is_err());
    assert!(a.slice_step(0..3, 0).is_err());
    assert!(a.filter_mask(&[true]).is_err());
    assert!(a.blocks(0).is_err());
    assert!(ChunkCache::new(0).is_err());
    assert!(CArray::<u16>::with_options(CArrayOptions::default().with_chunklen(0)).is_err());
}

#[test]
fn carray_is_send_and_sync_and_reads_from_threads() {
    fn assert_sync<X: Send + Sync>() {}
    assert_sync::<CArray<f64>>();
    let a = CArray::<u32>::try_from_iter(0..300_000).unwrap();
    std::thread::scope(|s| {
        for t in 0..4u32 {
            let a = &a;
            s.spawn(move || {
                for i in (t as usize..300_000).step_by(997) {
                    assert_eq!(a.get(i).unwrap(), i as u32);
                }
            });
        }
    });
}

/// A take with many random, unsorted, repeated indices per chunk (the path that picks elements
/// from the decoded byte rows of each block) on noisy and smooth data, types of 4 and 8 bytes.
#[test]
fn take_of_many_random_indices_matches_the_vec() {
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let n = 600_000;
    let noisy: Vec<f64> = (0..n).map(|_| f64::from_bits(next() >> 2)).collect();
    let smooth: Vec<i32> = (0..n as i32).map(|i| i / 3).collect();
    let idx: Vec<usize> = (0..50_000)
        .map(|_| (next() % n as u64) as usize)
        .chain([0, n - 1, 0])
        .collect();
    let a = CArray::from_slice(&noisy).unwrap();
    let want: Vec<u64> = idx.iter().map(|&i| noisy[i].to_bits()).collect();
    let got: Vec<u64> = a.take(&idx).unwrap().iter().map(|v| v.to_bits()).collect();
    assert_eq!(got, want);
    let b = CArray::from_slice(&smooth).unwrap();
    let want: Vec<i32> = idx.iter().map(|&i| smooth[i]).collect();
    assert_eq!(b.take(&idx).unwrap(), want);
    let mut sorted = idx.clone();
    sorted.sort_unstable();
    let want: Vec<i32> = sorted.iter().map(|&i| smooth[i]).collect();
    assert_eq!(b.take(&sorted).unwrap(), want);
}

/// Random gets over far more blocks than the cache holds read each element without churning
/// the cache (a lone miss decodes only what it needs once the cache is full), while reads
/// that come back to a block get it cached; every value is right either way.
#[test]
fn random_gets_past_the_budget_leave_the_cache_alone_and_sequential_gets_hit() {
    let n = 2_000_000;
    let xs: Vec<f64> = (0..n).map(|i| (i as f64 * 1e-3).sin() * 100.0).collect();
    // 64 KiB blocks (8 Ki elements, 245 of them), a cache of 8 of them.
    let cache = ChunkCache::with_chunk_size(8 * (64 << 10) + 8 * 64, 64 << 10).unwrap();
    let mut a = CArray::with_options(
        CArrayOptions::default()
            .with_expected_len(n)
            .with_block_bytes(64 << 10)
            .with_cache(Arc::clone(&cache)),
    )
    .unwrap();
    a.extend_from_slice(&xs).unwrap();
    let mut x = 0x9E37_79B9_7F4A_7C15_u64;
    for _ in 0..5000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let i = (x % n as u64) as usize;
        assert_eq!(a.get(i).unwrap().to_bits(), xs[i].to_bits(), "get({i})");
    }
    let s = cache.stats();
    // Gets in the uncompressed tail do not look the cache up.
    assert!(
        s.hits + s.misses > 4500 && s.hits + s.misses <= 5000,
        "{s:?}"
    );
    assert!(s.bytes <= s.capacity, "{s:?}");
    // Filled while it had room, then left alone: a few blocks replaced, not thousands.
    assert!(s.evictions < 100, "random gets churn the cache: {s:?}");
    // Reading on through one block: the second miss caches it, the rest are hits.
    let before = cache.stats();
    let start = 1_234_567;
    assert!(
        start + 4000 <= a.nchunks() * a.chunklen(),
        "the reads are in sealed chunks"
    );
    for (i, x) in xs.iter().enumerate().skip(start).take(4000) {
        assert_eq!(a.get(i).unwrap().to_bits(), x.to_bits(), "get({i})");
    }
    let after = cache.stats();
    let (hits, misses) = (after.hits - before.hits, after.misses - before.misses);
    assert!(misses <= 4, "sequential gets miss {misses} times");
    assert_eq!(hits + misses, 4000);
}

#[test]
fn weak_byte_streams_are_stored_raw_by_default() {
    use blz::{DEFAULT_MIN_SAVING, blosc::CParams};
    // A random walk: its low byte streams do not compress, the next one barely.
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut walk = 0.0f64;
    let v: Vec<f64> = (0..300_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            walk += ((x % 2001) as f64 / 1000.0 - 1.0) * 100.0;
            walk
        })
        .collect();
    let opts = CArrayOptions::default().with_chunklen(100_000);
    let build = |o: CArrayOptions| {
        let mut a = CArray::<f64>::with_options(o).unwrap();
        a.extend_from_slice(&v).unwrap();
        a
    };
    let a = build(opts.clone());
    assert_eq!(a.cparams().min_saving, Some(DEFAULT_MIN_SAVING));
    // C-Blosc's rule on request: every stream that shrinks at all stays compressed.
    let c_rule = opts.with_cparams(CParams::default().with_min_saving(Some(0)));
    let b = build(c_rule);
    assert_eq!(b.cparams().min_saving, Some(0));
    assert!(a.cbytes() > b.cbytes(), "{} vs {}", a.cbytes(), b.cbytes());
    // Within a few percent of the ratio, and the same data.
    assert!((a.cbytes() as f64) < b.cbytes() as f64 * 1.05);
    assert_eq!(a.to_vec().unwrap(), v);
    assert_eq!(a.sum().unwrap().to_bits(), b.sum().unwrap().to_bits());
    assert_eq!(a.get(123_456).unwrap(), v[123_456]);
}
