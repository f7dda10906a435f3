//! `blz chunk compress|decompress|info`: one file as one Blosc chunk.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use blz_blosc::{
    CLevel, CParams, ChunkHeader, Compressor, DParams, Format, MAX_BUFFERSIZE,
    MAX_BUFFERSIZE_BLOSC2, Shuffle, Special, TypeSize,
};
use serde_json::{Value, json};

use crate::demo::ratio;
use crate::outfile::{OutFile, same_file};

/// Arguments of `blz chunk`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Compress a whole file into one chunk.
    Compress(CompressArgs),
    /// Decompress a chunk file.
    Decompress(DecompressArgs),
    /// Print the header fields of a chunk file.
    Info(InfoArgs),
}

#[derive(clap::Args, Debug)]
struct CompressArgs {
    /// Codec: blosclz, lz4, lz4hc, snappy, zlib or zstd.
    #[arg(long, default_value = "lz4", value_parser = parse_codec)]
    codec: Compressor,
    /// Compression level, 0 (store) to 9.
    #[arg(long, default_value = "5", value_parser = parse_clevel, allow_negative_numbers = true)]
    clevel: CLevel,
    /// Filter: noshuffle, shuffle or bitshuffle.
    #[arg(long, default_value = "shuffle", value_parser = parse_filter)]
    filter: Shuffle,
    /// Element size in bytes, 1 to 255 (the unit the shuffles work on).
    #[arg(long, default_value = "1", value_parser = parse_typesize)]
    typesize: TypeSize,
    /// Threads compressing the blocks, 1 to 256.
    #[arg(long, default_value_t = 1)]
    nthreads: usize,
    /// Forced block size in bytes (default: chosen as C-Blosc does).
    #[arg(long)]
    blocksize: Option<usize>,
    /// Chunk format to write.
    #[arg(long, value_enum, default_value_t = FormatArg::Blosc1)]
    format: FormatArg,
    /// Store raw every stream that compression shrinks by less than this percent (0-99;
    /// default: C-Blosc's rule, raw only when a stream does not shrink). blz columns use 15:
    /// barely compressed streams decode slower than their few saved bytes can be read.
    #[arg(long, value_name = "PERCENT", value_parser = clap::value_parser!(u8).range(0..=99))]
    min_saving: Option<u8>,
    /// Replace OUTPUT if it exists (never the input file).
    #[arg(long)]
    overwrite: bool,
    /// Input file (raw bytes).
    input: PathBuf,
    /// Output chunk file (written whole or not at all).
    output: PathBuf,
}

#[derive(clap::Args, Debug)]
struct DecompressArgs {
    /// Threads decompressing the blocks, 1 to 256.
    #[arg(long, default_value_t = 1)]
    nthreads: usize,
    /// Replace OUTPUT if it exists (never the input file).
    #[arg(long)]
    overwrite: bool,
    /// Input chunk file.
    input: PathBuf,
    /// Output file (raw bytes, written whole or not at all).
    output: PathBuf,
}

#[derive(clap::Args, Debug)]
struct InfoArgs {
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Chunk file.
    input: PathBuf,
}

/// The chunk formats, as command-line values.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum FormatArg {
    /// Version 2, 16-byte header: every Blosc reader.
    Blosc1,
    /// Version 5, 32-byte header: C-Blosc2 readers only.
    Blosc2,
}

/// Runs `blz chunk`.
pub(crate) fn run(args: Args) -> Result<()> {
    match args.command {
        Command::Compress(a) => compress(&a),
        Command::Decompress(a) => decompress(&a),
        Command::Info(a) => info(&a),
    }
}

fn compress(a: &CompressArgs) -> Result<()> {
    let (format, max, fname) = match a.format {
        FormatArg::Blosc1 => (Format::Blosc1, MAX_BUFFERSIZE, "blosc1"),
        FormatArg::Blosc2 => (Format::Blosc2, MAX_BUFFERSIZE_BLOSC2, "blosc2"),
    };
    let params = CParams::default()
        .with_compressor(a.codec)
        .with_clevel(a.clevel)
        .with_shuffle(a.filter)
        .with_typesize(a.typesize)
        .with_nthreads(a.nthreads)
        .with_blocksize(a.blocksize)
        .with_format(format)
        .with_min_saving(a.min_saving);
    // --nthreads, --blocksize, a codec the format lacks...: usage errors, said first.
    params.validate().map_err(crate::usage)?;
    check_output(&a.input, &a.output, a.overwrite)?;
    // Check the size before reading, so a huge file fails fast and without the memory.
    let len = std::fs::metadata(&a.input)
        .with_context(|| format!("cannot read {}", a.input.display()))?
        .len();
    if len > max as u64 {
        bail!(
            "{} is {len} bytes, but one {fname} chunk holds at most {max} bytes (split the file)",
            a.input.display()
        );
    }
    let data = read(&a.input)?;
    let chunk = blz_blosc::compress(&data, &params)
        .with_context(|| format!("cannot compress {}", a.input.display()))?;
    write(&a.output, &chunk, a.overwrite)?;
    eprintln!(
        "{} -> {}: {} -> {} bytes (ratio {:.2}, {} {} {}, typesize {}, {fname})",
        a.input.display(),
        a.output.display(),
        data.len(),
        chunk.len(),
        ratio(data.len(), chunk.len()),
        a.codec,
        a.clevel.get(),
        a.filter,
        a.typesize.get(),
    );
    Ok(())
}

fn decompress(a: &DecompressArgs) -> Result<()> {
    let dparams = DParams::default().with_nthreads(a.nthreads);
    dparams.validate().map_err(crate::usage)?;
    check_output(&a.input, &a.output, a.overwrite)?;
    let chunk = read(&a.input)?;
    let data = blz_blosc::decompress_with(&chunk, &dparams)
        .with_context(|| format!("cannot decompress {}", a.input.display()))?;
    write(&a.output, &data, a.overwrite)
}

fn info(a: &InfoArgs) -> Result<()> {
    let chunk = read(&a.input)?;
    let h = ChunkHeader::parse(&chunk)
        .with_context(|| format!("{} is not a Blosc chunk", a.input.display()))?;
    let fields = header_fields(&h, chunk.len());
    if a.json {
        let map: serde_json::Map<String, Value> =
            fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        outln!("{}", serde_json::to_string_pretty(&map)?);
        return Ok(());
    }
    outln!("{}", a.input.display());
    for (k, val) in &fields {
        let text = match val {
            Value::String(s) => s.clone(),
            Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(" "),
            Value::Number(n) if *k == "ratio" => format!("{:.3}", n.as_f64().unwrap_or(0.0)),
            other => other.to_string(),
        };
        outln!("  {k:<14} {text}");
    }
    Ok(())
}

/// The header fields, in a readable order, as JSON values.
fn header_fields(h: &ChunkHeader, file_bytes: usize) -> Vec<(&'static str, Value)> {
    let flags = h.flags();
    let pipeline: Vec<String> = if h.is_extended() {
        h.filters()
            .iter()
            .zip(h.filters_meta())
            .filter(|&(&id, _)| id != 0)
            .map(|(&id, meta)| filter_name(id, meta))
            .collect()
    } else {
        match h.shuffle() {
            Shuffle::None => vec![],
            s => vec![s.to_string()],
        }
    };
    let special = h.special().map(|s| match s {
        Special::Zeros => "zeros",
        Special::Nan => "nan",
        Special::Value => "value",
        Special::Uninit => "uninit",
        _ => "other",
    });
    vec![
        ("version", json!(h.version())),
        ("versionlz", json!(h.versionlz())),
        ("flags", json!(format!("0x{flags:02x}"))),
        ("flags_decoded", json!(decode_flags(flags, h.is_extended()))),
        ("typesize", json!(h.typesize())),
        ("nbytes", json!(h.nbytes())),
        ("blocksize", json!(h.blocksize())),
        ("cbytes", json!(h.cbytes())),
        ("nblocks", json!(h.nblocks())),
        ("header_len", json!(h.header_len())),
        ("extended", json!(h.is_extended())),
        ("codec", json!(h.compressor().name())),
        ("shuffle", json!(h.shuffle().name())),
        ("filters", json!(pipeline)),
        ("memcpyed", json!(h.is_memcpyed())),
        ("dont_split", json!(h.dont_split())),
        ("special", json!(special)),
        ("dict", json!(h.has_dict())),
        ("ratio", json!(ratio(h.nbytes(), h.cbytes()))),
        ("file_bytes", json!(file_bytes)),
    ]
}

/// The flag bits by name (the Blosc1 meanings, or the Blosc2 ones with the extended header).
fn decode_flags(flags: u8, extended: bool) -> Vec<String> {
    let mut out = Vec::new();
    if extended {
        out.push("extended_header".to_owned());
        if flags & 0x08 != 0 {
            out.push("delta".to_owned());
        }
    } else {
        if flags & 0x01 != 0 {
            out.push("shuffle".to_owned());
        }
        if flags & 0x04 != 0 {
            out.push("bitshuffle".to_owned());
        }
        if flags & 0x08 != 0 {
            out.push("reserved_0x08".to_owned());
        }
    }
    if flags & 0x02 != 0 {
        out.push("memcpyed".to_owned());
    }
    if flags & 0x10 != 0 {
        out.push("dont_split".to_owned());
    }
    let code = flags >> 5;
    let codec = Compressor::from_format_code(code).map_or("?", Compressor::name);
    out.push(format!("codec_format={code} ({codec})"));
    out
}

/// A Blosc2 filter id (with its meta byte where it matters) by name.
fn filter_name(id: u8, meta: u8) -> String {
    match id {
        1 => "shuffle".to_owned(),
        2 => "bitshuffle".to_owned(),
        3 => "delta".to_owned(),
        4 => format!("trunc_prec({})", i8::from_le_bytes([meta])),
        34 => "bytedelta_buggy".to_owned(),
        35 => "bytedelta".to_owned(),
        _ => format!("filter_{id}"),
    }
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Refuses to write over the input (through any name or link) and, without `overwrite`, over
/// an existing file.
fn check_output(input: &Path, output: &Path, overwrite: bool) -> Result<()> {
    if same_file(input, output) {
        bail!(
            "{} is the input file; write the output to another file",
            output.display()
        );
    }
    if !overwrite && std::fs::metadata(output).is_ok_and(|m| m.is_file()) {
        bail!(
            "{} already exists; pass --overwrite to replace it",
            output.display()
        );
    }
    Ok(())
}

/// Writes `bytes` to `path` whole: beside it first, then moved into place.
fn write(path: &Path, bytes: &[u8], overwrite: bool) -> Result<()> {
    let mut out = OutFile::create(path, overwrite)?;
    out.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    out.commit()
}

/// `--codec`: a codec name.
pub(crate) fn parse_codec(s: &str) -> Result<Compressor, String> {
    s.parse().map_err(|e: blz_blosc::Error| e.to_string())
}

/// `--clevel`: 0 to 9.
pub(crate) fn parse_clevel(s: &str) -> Result<CLevel, String> {
    let v: i64 = s
        .trim()
        .parse()
        .map_err(|_| format!("invalid parameter clevel: got {s}, expected 0..=9"))?;
    CLevel::try_from(v).map_err(|e| e.to_string())
}

/// `--filter`: noshuffle, shuffle or bitshuffle.
pub(crate) fn parse_filter(s: &str) -> Result<Shuffle, String> {
    s.parse().map_err(|e: blz_blosc::Error| e.to_string())
}

/// `--typesize`: 1 to 255.
pub(crate) fn parse_typesize(s: &str) -> Result<TypeSize, String> {
    let v: usize = s
        .trim()
        .parse()
        .map_err(|_| format!("invalid parameter typesize: got {s}, expected 1..=255"))?;
    TypeSize::try_from(v).map_err(|e| e.to_string())
}
