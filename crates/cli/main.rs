//! The `blz` command: Blosc chunks from the command line, a demo on built-in data and the codec
//! benchmark.
//!
//! - `blz demo`: compresses generated columns with a few codecs and prints ratio and speed.
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

mod bench;
#[cfg(feature = "interop")]
mod cblosc;
mod chunk;
mod demo;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// blz: compressed in-memory columnar containers (Blosc chunks, demo, benchmarks).
#[derive(Parser, Debug)]
#[command(name = "blz", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Compress generated columns with a few codecs; print ratio and speed, check round trips.
    Demo(demo::Args),
    /// Compress, decompress or describe one Blosc chunk stored in a file.
    Chunk(chunk::Args),
    /// Benchmarks.
    Bench(bench::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(a) => demo::run(&a),
        Command::Chunk(a) => chunk::run(a),
        Command::Bench(a) => bench::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("blz: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
