//! The `blz` command: compressed tables on disk (import, info, query, export, verify), Blosc
//! chunks from the command line, a demo on built-in data and the benchmarks.
//!
//! - `blz demo`: a generated table compressed in memory, queried next to plain `Vec`s; then
//!   generated columns compressed with a few codecs (ratio and speed).
//! - `blz import|info|query|export|verify`: tables on disk (a directory per table).
//! - `blz chunk compress|decompress|info`: one file as one Blosc chunk.
//! - `blz bench codec`: chunked compress/decompress throughput against memcpy (and C-Blosc1
//!   with the `interop` feature), in the anchors' JSON Lines schema.
//! - `blz bench sum|take|append`: `CArray<f64>` reductions, random access and appends against
//!   `Vec<f64>` and the codec, in the anchors' container JSON Lines schema.
//! - `blz bench query`: a `CTable` filter query (count, sum) and group-by on the anchors'
//!   `table_10M`, in the same schema.
//!
//! Unsafe code is forbidden everywhere but in `cblosc`, the FFI to the C-Blosc1 yardstick,
//! which exists only with the `interop` feature.
#![cfg_attr(not(feature = "interop"), forbid(unsafe_code))]

/// `println!` for results on standard output. `println!` panics when the reader has gone
/// (`blz chunk info x | head`); this ends the process quietly then, as a closed pipe is not a
/// failure (see [`is_broken_pipe`]), and reports any other write error.
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($t)*) {
            $crate::stdout_failed(&e);
        }
    }};
}

/// `bail!` for a mistake in the command line: returns a [`UsageError`], which exits with code
/// 2 as clap's own usage errors do.
macro_rules! usage_bail {
    ($($t:tt)*) => {
        return Err(anyhow::Error::new($crate::UsageError(format!($($t)*))))
    };
}

mod bench;
#[cfg(feature = "interop")]
mod cblosc;
mod cells;
mod chunk;
mod demo;
mod export;
mod import;
mod info;
mod outfile;
mod output;
mod progress;
mod query;
mod schema_arg;
mod tables;
mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// blz: compressed columnar tables on disk (import, query, export, verify), Blosc chunks from
/// the command line, a demo and benchmarks.
#[derive(Parser, Debug)]
#[command(name = "blz", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// A generated table compressed in memory and queried next to the same data uncompressed;
    /// then the codecs on generated columns (ratio, speed, round trips checked).
    Demo(demo::Args),
    /// Create a table on disk from a CSV, Parquet or Arrow IPC file, a bcolz directory or a
    /// python-blosc2 frame (or add rows to one).
    Import(import::Args),
    /// Describe a table: schema, rows, per-column sizes, ratio, codec and chunks.
    Info(info::Args),
    /// Filter, select, aggregate or group a table's rows.
    Query(query::Args),
    /// Write a table's rows (or a query's matches) to a CSV, Parquet or Arrow IPC file or stream.
    Export(export::Args),
    /// Check every checksum and chunk of a table; exit code 1 when anything is wrong.
    Verify(verify::Args),
    /// Compress, decompress or describe one Blosc chunk stored in a file.
    Chunk(chunk::Args),
    /// Benchmarks.
    Bench(bench::Args),
}

fn main() -> ExitCode {
    survive_file_size_limit();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(a) => demo::run(&a),
        Command::Import(a) => import::run(&a),
        Command::Info(a) => info::run(&a),
        Command::Query(a) => query::run(&a),
        Command::Export(a) => export::run(&a),
        Command::Verify(a) => match verify::run(&a) {
            Ok(true) => Ok(()),
            Ok(false) => return ExitCode::FAILURE,
            Err(e) => Err(e),
        },
        Command::Chunk(a) => chunk::run(a),
        Command::Bench(a) => bench::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("blz: error: {}", message(&e));
            if e.chain().any(|c| c.is::<UsageError>()) {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// A mistake in the command line that clap cannot see (a value that parses but does not fit
/// the other arguments or the input): exit code 2, as the README promises for usage errors.
#[derive(Debug)]
pub(crate) struct UsageError(pub(crate) String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Turns any error into a [`UsageError`] with the same message (for `map_err`).
pub(crate) fn usage(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::Error::new(UsageError(format!("{e:#}")))
}

/// The error and its causes joined by `: `, each said once: a cause whose text its parent's
/// message already ends with (`cannot open x: No such file` over `No such file`) is skipped.
fn message(e: &anyhow::Error) -> String {
    let mut out = String::new();
    let mut prev = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if text.is_empty() || prev.ends_with(text.as_str()) {
            prev = text;
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
        prev = text;
    }
    out
}

/// Makes a file-size limit (`ulimit -f`) an error rather than a kill: SIGXFSZ's default action
/// ends the process without a word; with a handler installed the write that crosses the limit
/// fails with EFBIG instead, and every command reports it as any write error (an append keeps its
/// last commit, a new table or an export is not created). The handler only sets a flag nobody reads.
fn survive_file_size_limit() {
    let hit = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Failing to install it leaves the default action: no worse than before.
    let _ = signal_hook::flag::register(signal_hook::consts::SIGXFSZ, hit);
}

/// Ends the process after a failed write to standard output: quietly with success for a
/// closed pipe, else with the error.
fn stdout_failed(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("blz: error: writing to standard output: {e}");
    std::process::exit(1)
}

/// Whether the error is a closed stdout (`blz query ... | head`), which is not a failure.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
