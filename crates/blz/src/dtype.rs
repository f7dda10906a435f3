//! Element types: the run-time [`DType`] and the typed [`Element`] trait.

use std::fmt;

use bytemuck::{Pod, Zeroable};

/// Unit of a [`Timestamp`] column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum TimeUnit {
    /// Seconds since the Unix epoch.
    Second,
    /// Milliseconds since the Unix epoch.
    Millisecond,
    /// Microseconds since the Unix epoch.
    Microsecond,
    /// Nanoseconds since the Unix epoch.
    #[default]
    Nanosecond,
}

/// The type of a column's elements, known at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DType {
    /// `bool`, stored as one byte (0 or 1).
    Bool,
    /// `i8`.
    I8,
    /// `i16`.
    I16,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `u8`.
    U8,
    /// `u16`.
    U16,
    /// `u32`.
    U32,
    /// `u64`.
    U64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// [`Timestamp`]: an `i64` count of `unit`s since the Unix epoch.
    Timestamp(TimeUnit),
}

impl DType {
    /// Size of one element in bytes.
    pub fn size(self) -> usize {
        match self {
            DType::Bool | DType::I8 | DType::U8 => 1,
            DType::I16 | DType::U16 => 2,
            DType::I32 | DType::U32 | DType::F32 => 4,
            DType::I64 | DType::U64 | DType::F64 | DType::Timestamp(_) => 8,
        }
    }

    /// Whether the type is a floating-point type (has NaNs).
    pub fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::F64)
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            DType::Bool => "bool",
            DType::I8 => "i8",
            DType::I16 => "i16",
            DType::I32 => "i32",
            DType::I64 => "i64",
            DType::U8 => "u8",
            DType::U16 => "u16",
            DType::U32 => "u32",
            DType::U64 => "u64",
            DType::F32 => "f32",
            DType::F64 => "f64",
            DType::Timestamp(TimeUnit::Second) => "timestamp[s]",
            DType::Timestamp(TimeUnit::Millisecond) => "timestamp[ms]",
            DType::Timestamp(TimeUnit::Microsecond) => "timestamp[us]",
            DType::Timestamp(TimeUnit::Nanosecond) => "timestamp[ns]",
        };
        f.write_str(s)
    }
}

/// A point in time: a count of a column's [`TimeUnit`] since 1970-01-01T00:00:00 UTC.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Pod, Zeroable)]
#[repr(transparent)]
pub struct Timestamp(pub i64);

mod iso;
pub(crate) use iso::parse_iso;

mod sealed {
    pub trait Sealed {}
}

/// Lanes of the fixed association of float sums: element `i` of a run is added into lane
/// `i % SUM_LANES` (whole groups of lanes only), the lanes are then combined pairwise
/// ([`merge_lanes`]) and the elements after the last whole group added in order. Enough
/// independent additions to keep two vector adders busy (AVX-512: 4 registers of 8; AVX2: 8 of
/// 4); with 8 lanes a sum waited on the adder's latency. Every float sum of the crate (chunk
/// statistics, scans, `sum_slice`, query aggregates) uses this order, so they agree bit for bit.
pub(crate) const SUM_LANES: usize = 32;

/// Adds the whole groups of `N` elements of `xs` into `lanes` (element `k` of a group into
/// lane `k`); returns the elements after them.
#[inline(always)]
pub(crate) fn add_lanes<'a, A: Copy, T: Copy, const N: usize>(
    lanes: &mut [A; N],
    xs: &'a [T],
    add: impl Fn(A, T) -> A,
) -> &'a [T] {
    // A local copy: the lanes stay in registers (vectorised) instead of being stored through
    // the reference at every step.
    let mut l = *lanes;
    let groups = xs.chunks_exact(N);
    let rest = groups.remainder();
    for g in groups {
        for (a, &x) in l.iter_mut().zip(g) {
            *a = add(*a, x);
        }
    }
    *lanes = l;
    rest
}

/// Combines the lanes pairwise, level by level: `((l0 + l1) + (l2 + l3)) + ...` (`N` a power
/// of two).
#[inline(always)]
pub(crate) fn merge_lanes<A: Copy, const N: usize>(lanes: [A; N], add: impl Fn(A, A) -> A) -> A {
    debug_assert!(N.is_power_of_two());
    let mut v = lanes;
    let mut n = N;
    while n > 1 {
        n /= 2;
        for i in 0..n {
            v[i] = add(v[2 * i], v[2 * i + 1]);
        }
    }
    v[0]
}

/// A type a [`CArray`](crate::CArray) can hold.
///
/// Implemented for `bool`, the integer types, `f32`, `f64` and [`Timestamp`]; sealed.
pub trait Element:
    Copy + Send + Sync + PartialOrd + Default + fmt::Debug + 'static + sealed::Sealed
{
    /// The run-time type.
    const DTYPE: DType;
    /// The storage representation (`u8` for `bool`, the type itself otherwise): any bit pattern
    /// is a valid `Raw`, so chunks decompress straight into `Raw` buffers.
    type Raw: Pod + Send + Sync;
    /// Views decompressed storage as elements; `None` if a `bool` byte is not 0 or 1.
    fn from_raw(raw: &[Self::Raw]) -> Option<&[Self]>;
    /// Views elements as storage.
    fn to_raw(xs: &[Self]) -> &[Self::Raw];
    /// Views elements as mutable storage where every storage value is a valid element
    /// (`None` for `bool`).
    fn raw_mut(xs: &mut [Self]) -> Option<&mut [Self::Raw]>;
    /// Accumulator of sums: `i64` for signed integers and timestamps (wrapping, as numpy),
    /// `u64` for unsigned integers and `bool` (the count of `true`), `f64` for floats.
    type Acc: Copy + Send + Sync + Default + PartialEq + fmt::Debug + 'static;

    /// Adds `x` to the accumulator.
    fn acc(a: Self::Acc, x: Self) -> Self::Acc;
    /// Combines two partial sums.
    fn acc_merge(a: Self::Acc, b: Self::Acc) -> Self::Acc;
    /// The accumulator as `f64` (for means).
    fn acc_f64(a: Self::Acc) -> f64;
    /// Whether the value is a NaN (always false but for floats).
    fn is_nan(self) -> bool {
        false
    }
    /// Sum of a slice with a fixed association order (so results do not depend on threads):
    /// for floats, element `i` into lane `i % 32`, the lanes combined pairwise, then the
    /// elements after the last whole group of 32 in order.
    fn sum_slice(xs: &[Self]) -> Self::Acc {
        xs.iter()
            .fold(Self::Acc::default(), |a, &x| Self::acc(a, x))
    }
}

macro_rules! int_element {
    ($t:ty, $d:expr, $acc:ty) => {
        impl sealed::Sealed for $t {}
        impl Element for $t {
            const DTYPE: DType = $d;
            type Raw = $t;
            fn from_raw(raw: &[$t]) -> Option<&[$t]> {
                Some(raw)
            }
            fn to_raw(xs: &[$t]) -> &[$t] {
                xs
            }
            fn raw_mut(xs: &mut [$t]) -> Option<&mut [$t]> {
                Some(xs)
            }
            type Acc = $acc;
            #[inline]
            fn acc(a: $acc, x: $t) -> $acc {
                a.wrapping_add(<$acc>::from(x))
            }
            #[inline]
            fn acc_merge(a: $acc, b: $acc) -> $acc {
                a.wrapping_add(b)
            }
            #[expect(clippy::cast_precision_loss, reason = "means are f64 by definition")]
            fn acc_f64(a: $acc) -> f64 {
                a as f64
            }
            fn sum_slice(xs: &[$t]) -> $acc {
                // Eight independent lanes let the compiler vectorise; integer sums are exact
                // (wrapping) so the order does not matter.
                let mut lanes = [<$acc>::default(); 8];
                let chunks = xs.chunks_exact(8);
                let rest = chunks.remainder();
                for c in chunks {
                    for (l, &x) in lanes.iter_mut().zip(c) {
                        *l = l.wrapping_add(<$acc>::from(x));
                    }
                }
                let mut s = lanes
                    .iter()
                    .fold(<$acc>::default(), |a, &l| a.wrapping_add(l));
                for &x in rest {
                    s = s.wrapping_add(<$acc>::from(x));
                }
                s
            }
        }
    };
}

int_element!(i8, DType::I8, i64);
int_element!(i16, DType::I16, i64);
int_element!(i32, DType::I32, i64);
int_element!(i64, DType::I64, i64);
int_element!(u8, DType::U8, u64);
int_element!(u16, DType::U16, u64);
int_element!(u32, DType::U32, u64);
int_element!(u64, DType::U64, u64);

macro_rules! float_element {
    ($t:ty, $d:expr) => {
        impl sealed::Sealed for $t {}
        impl Element for $t {
            const DTYPE: DType = $d;
            type Raw = $t;
            fn from_raw(raw: &[$t]) -> Option<&[$t]> {
                Some(raw)
            }
            fn to_raw(xs: &[$t]) -> &[$t] {
                xs
            }
            fn raw_mut(xs: &mut [$t]) -> Option<&mut [$t]> {
                Some(xs)
            }
            type Acc = f64;
            #[inline]
            fn acc(a: f64, x: $t) -> f64 {
                a + f64::from(x)
            }
            #[inline]
            fn acc_merge(a: f64, b: f64) -> f64 {
                a + b
            }
            fn acc_f64(a: f64) -> f64 {
                a
            }
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            fn sum_slice(xs: &[$t]) -> f64 {
                // `SUM_LANES` lanes in a fixed order: vectorised, and the same result for the
                // same slice whatever the thread that runs it.
                crate::wide::wide(
                    #[inline(always)]
                    || {
                        let mut lanes = [0.0f64; SUM_LANES];
                        let rest = add_lanes(&mut lanes, xs, |a, x| a + f64::from(x));
                        let mut s = merge_lanes(lanes, |a, b| a + b);
                        for &x in rest {
                            s += f64::from(x);
                        }
                        s
                    },
                )
            }
        }
    };
}

float_element!(f32, DType::F32);
float_element!(f64, DType::F64);

impl sealed::Sealed for bool {}
impl Element for bool {
    const DTYPE: DType = DType::Bool;
    type Raw = u8;
    fn from_raw(raw: &[u8]) -> Option<&[bool]> {
        bytemuck::checked::try_cast_slice(raw).ok()
    }
    fn to_raw(xs: &[bool]) -> &[u8] {
        bytemuck::cast_slice(xs)
    }
    fn raw_mut(_xs: &mut [bool]) -> Option<&mut [u8]> {
        None
    }
    type Acc = u64;
    fn acc(a: u64, x: bool) -> u64 {
        a + u64::from(x)
    }
    fn acc_merge(a: u64, b: u64) -> u64 {
        a + b
    }
    #[expect(clippy::cast_precision_loss, reason = "means are f64 by definition")]
    fn acc_f64(a: u64) -> f64 {
        a as f64
    }
    fn sum_slice(xs: &[bool]) -> u64 {
        let bytes: &[u8] = bytemuck::cast_slice(xs);
        u8::sum_slice(bytes)
    }
}

impl sealed::Sealed for Timestamp {}
impl Element for Timestamp {
    const DTYPE: DType = DType::Timestamp(TimeUnit::Nanosecond);
    type Raw = Timestamp;
    fn from_raw(raw: &[Timestamp]) -> Option<&[Timestamp]> {
        Some(raw)
    }
    fn to_raw(xs: &[Timestamp]) -> &[Timestamp] {
        xs
    }
    fn raw_mut(xs: &mut [Timestamp]) -> Option<&mut [Timestamp]> {
        Some(xs)
    }
    type Acc = i64;
    fn acc(a: i64, x: Timestamp) -> i64 {
        a.wrapping_add(x.0)
    }
    fn acc_merge(a: i64, b: i64) -> i64 {
        a.wrapping_add(b)
    }
    #[expect(clippy::cast_precision_loss, reason = "means are f64 by definition")]
    fn acc_f64(a: i64) -> f64 {
        a as f64
    }
    fn sum_slice(xs: &[Timestamp]) -> i64 {
        i64::sum_slice(bytemuck::cast_slice(xs))
    }
}
