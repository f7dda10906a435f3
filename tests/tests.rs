//! Integration tests of blz (one binary, as ripgrep does).
#![allow(
    clippy::cast_possible_truncation,
    reason = "test data generators and manifest fields narrow known-small values"
)]

mod arrow_interop;
mod carray;
mod cli;
mod cli_bench;
mod cli_input;
mod cli_output;
mod cli_query_bench;
mod cli_query_sql;
mod cli_safety;
mod cli_table;
mod corruption;
mod ctable;
mod decompress_sizes;
mod golden;
mod import;
mod input_sweep;
mod interop;
mod persist;
mod props;
mod query_diff;
mod regressions;
mod select;
mod table_compat;
mod util;
