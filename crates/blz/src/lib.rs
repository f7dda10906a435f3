//! # blz
//!
//! Compressed in-memory columnar containers over Blosc chunks. This crate is at its start: it
//! re-exports the codec ([`blosc`]); `CArray<T>` and `CTable` come next.
#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used)]

pub use blz_blosc as blosc;

#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
