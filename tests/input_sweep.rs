//! The bounded adversarial sweep of the foreign-input readers: small seed files of every
//! format (CSV, Parquet, Arrow IPC file and stream, bcolz, python-blosc2 frames) mutated with
//! deterministic seeds (bit flips, 0x00/0xFF bytes, hostile integers in place, truncations,
//! deleted and repeated runs); each mutated input must read to `Ok` or an `Err`, never a
//! panic. The checks are those of the fuzz targets (tests/fuzz/input_harness.rs), and the
//! inputs the fuzzers found are replayed from tests/data/fuzz-regressions/.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use blz::CTable;
use blz::arrow::WriteOptions;
use blz::arrow::arrow_array::{
    ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};

#[allow(dead_code)]
mod input_harness {
    include!("fuzz/input_harness.rs");
}

/// SplitMix64: a deterministic stream of seeds.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Integers that break length and offset checks, written in place.
const HOSTILE: [u64; 8] = [
    0,
    0xFFFF_FFFF,
    0x7FFF_FFFF,
    0x8000_0000,
    u64::MAX,
    i64::MAX as u64,
    1 << 40,
    0xFFFF_FFFF_0000_0000,
];

/// One mutation of `seed`.
fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut d = seed.to_vec();
    if d.is_empty() {
        return d;
    }
    let rounds = 1 + rng.below(3);
    for _ in 0..rounds {
        let len = d.len().max(1);
        let at = rng.below(len);
        match rng.below(7) {
            0 => {
                if let Some(b) = d.get_mut(at) {
                    *b ^= 1 << rng.below(8);
                }
            }
            1 => {
                if let Some(b) = d.get_mut(at) {
                    *b = if rng.below(2) == 0 { 0 } else { 0xFF };
                }
            }
            2 => {
                let v = HOSTILE[rng.below(HOSTILE.len())].to_le_bytes();
                let w = if rng.below(2) == 0 { 4 } else { 8 };
                for (i, b) in v.iter().take(w).enumerate() {
                    if let Some(x) = d.get_mut(at + i) {
                        *x = *b;
                    }
                }
            }
            3 => d.truncate(at),
            4 => {
                let n = rng.below(16).min(d.len() - at.min(d.len()));
                d.drain(at..at + n);
            }
            5 => {
                let n = rng.below(32).min(d.len() - at);
                let run: Vec<u8> = d[at..at + n].to_vec();
                d.splice(at..at, run);
            }
            _ => {
                if let Some(b) = d.get_mut(at) {
                    *b = rng.next() as u8;
                }
            }
        }
        if d.is_empty() {
            break;
        }
    }
    d
}

/// What happened to one format's mutations.
#[derive(Default, Debug)]
struct Tally {
    tried: usize,
    ok: usize,
    err: usize,
    /// Panics inside a dependency's reader that the import boundary turned into errors.
    contained: usize,
    /// Panics that escaped (each a failure).
    panics: Vec<String>,
}

fn run(
    tally: &mut Tally,
    label: &str,
    case: usize,
    input: &[u8],
    read: &dyn Fn(&[u8]) -> Result<usize, String>,
) {
    tally.tried += 1;
    match catch_unwind(AssertUnwindSafe(|| read(input))) {
        Ok(Ok(_)) => tally.ok += 1,
        Ok(Err(msg)) => {
            tally.err += 1;
            if msg.contains("the reader failed") {
                tally.contained += 1;
            }
        }
        Err(_) => tally
            .panics
            .push(format!("{label} case {case} ({} bytes)", input.len())),
    }
}

/// A small table of every common type, as Arrow.
fn sample_batch(n: usize) -> RecordBatch {
    let i: Vec<i64> = (0..n as i64).map(|x| x * 7 - 30).collect();
    let f: Vec<Option<f64>> = (0..n)
        .map(|x| (x % 5 != 3).then_some(x as f64 / 4.0))
        .collect();
    let s: Vec<Option<String>> = (0..n)
        .map(|x| (x % 4 != 1).then(|| format!("s{}", x % 9)))
        .collect();
    let b: Vec<bool> = (0..n).map(|x| x % 3 == 0).collect();
    let t: Vec<i64> = (0..n as i64).map(|x| 1_600_000_000_000_000 + x).collect();
    RecordBatch::try_from_iter([
        ("i", Arc::new(Int64Array::from(i)) as ArrayRef),
        ("f", Arc::new(Float64Array::from(f)) as ArrayRef),
        ("s", Arc::new(StringArray::from(s)) as ArrayRef),
        ("b", Arc::new(BooleanArray::from(b)) as ArrayRef),
        (
            "t",
            Arc::new(TimestampMicrosecondArray::from(t)) as ArrayRef,
        ),
    ])
    .unwrap()
}

/// Seed files of the Arrow formats: Parquet, IPC file, IPC stream, and an lz4-compressed IPC
/// file (whose buffers carry decompressed sizes).
fn arrow_seeds(dir: &Path) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    use blz::arrow::arrow_ipc::CompressionType;
    use blz::arrow::arrow_ipc::writer::{FileWriter, IpcWriteOptions, StreamWriter};
    let t = CTable::from_record_batches([sample_batch(40)]).unwrap();
    let write = |name: &str, f: &dyn Fn(&PathBuf)| {
        let p = dir.join(name);
        f(&p);
        std::fs::read(&p).unwrap()
    };
    let batches = || t.record_batches(None, 16).unwrap();
    let pq = write("s.parquet", &|p| {
        blz::arrow::export_parquet(batches(), p, &WriteOptions::default()).unwrap();
    });
    let ipc = write("s.arrow", &|p| {
        blz::arrow::export_ipc(batches(), p, &WriteOptions::default()).unwrap();
    });
    let stream = write("s.arrows", &|p| {
        blz::arrow::export_ipc_stream(batches(), p, &WriteOptions::default()).unwrap();
    });
    let schema = t.arrow_schema();
    let opts = IpcWriteOptions::default()
        .try_with_compression(Some(CompressionType::LZ4_FRAME))
        .unwrap();
    let mut w = FileWriter::try_new_with_options(Vec::new(), &schema, opts.clone()).unwrap();
    let mut s = StreamWriter::try_new_with_options(Vec::new(), &schema, opts).unwrap();
    for b in batches() {
        let b = b.unwrap();
        w.write(&b).unwrap();
        s.write(&b).unwrap();
    }
    let lz4 = w.into_inner().unwrap();
    let lz4_stream = s.into_inner().unwrap();
    (vec![pq], vec![ipc, stream, lz4, lz4_stream])
}

fn csv_seeds() -> Vec<Vec<u8>> {
    vec![
        b"id,name,x,when,ok\n1,\"a, b\",1.5,2024-01-02,true\n2,\"q\"\"x\",NA,2024-02-29T10:00:00Z,false\n3,\"two\nlines\",-7,,TRUE\n18446744073709551615,z,2,2020-01-01 00:00,\n".to_vec(),
        b"a\tb\tc\n1\t2\t3\n4\t\t6\n".to_vec(),
        b"k;v\n1;2,5\n2;3,5\n".to_vec(),
        b"h1,h2\n".to_vec(),
    ]
}

fn b2frame_seeds() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/b2frame");
    ["schunk_i8", "b2nd_f8", "b2nd_S6", "b2nd_i4_zstd", "b2nd_u2"]
        .iter()
        .map(|n| std::fs::read(dir.join(format!("{n}.b2frame"))).unwrap())
        .collect()
}

fn bcolz_template() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bcolz/carray_i8")
}

/// Mutations per seed file of each format.
const PER_SEED: usize = 200;

#[test]
fn input_sweep_mutated_files_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let (pq, ipc) = arrow_seeds(dir.path());
    let template = bcolz_template();
    let bcolz_seeds: Vec<Vec<u8>> = input_harness::BCOLZ_FILES
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let mut v = vec![i as u8];
            v.extend(std::fs::read(template.join(f)).unwrap());
            v
        })
        .collect();
    let read_bcolz = |d: &[u8]| {
        // The selector byte stays: only the file's contents are mutated.
        input_harness::read_bcolz(&template, d)
    };
    type Reader<'a> = &'a dyn Fn(&[u8]) -> Result<usize, String>;
    let formats: [(&str, Vec<Vec<u8>>, Reader<'_>); 5] = [
        ("csv", csv_seeds(), &input_harness::read_csv),
        ("parquet", pq, &input_harness::read_parquet),
        ("ipc", ipc, &input_harness::read_ipc),
        ("bcolz", bcolz_seeds, &read_bcolz),
        ("b2frame", b2frame_seeds(), &input_harness::read_b2frame),
    ];
    let mut report = Vec::new();
    let mut escaped = Vec::new();
    for (k, (name, seeds, read)) in formats.iter().enumerate() {
        let mut tally = Tally::default();
        for (s, seed) in seeds.iter().enumerate() {
            // The seed itself reads.
            assert!(read(seed).is_ok(), "{name} seed {s} does not read");
            let per = if *name == "parquet" {
                3 * PER_SEED
            } else {
                PER_SEED
            };
            let mut rng = Rng(0xB12 ^ ((k as u64) << 32) ^ s as u64);
            for case in 0..per {
                let mut m = mutate(seed, &mut rng);
                if *name == "bcolz" {
                    // Keep the selector byte.
                    if m.is_empty() {
                        m.push(seed[0]);
                    } else {
                        m[0] = seed[0];
                    }
                }
                run(&mut tally, name, s * per + case, &m, *read);
            }
        }
        report.push(format!(
            "{name}: {} tried, {} ok, {} errors ({} contained dependency panics), {} panics",
            tally.tried,
            tally.ok,
            tally.err,
            tally.contained,
            tally.panics.len()
        ));
        escaped.extend(tally.panics);
    }
    println!("{}", report.join("\n"));
    assert!(
        escaped.is_empty(),
        "panics:\n{}\n{}",
        escaped.join("\n"),
        report.join("\n")
    );
}

/// The inputs the input fuzz targets found, replayed (named `import_<format>-<what>.bin`).
#[test]
fn input_fuzz_regressions_replay() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz-regressions");
    assert!(dir.join("README.md").is_file(), "{} missing", dir.display());
    let template = bcolz_template();
    let mut replayed = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let Some(target) = name
            .strip_prefix("import_")
            .and_then(|n| n.split('-').next())
        else {
            continue;
        };
        let data = std::fs::read(&p).unwrap();
        let r = catch_unwind(AssertUnwindSafe(|| match target {
            "csv" => input_harness::read_csv(&data),
            "parquet" => input_harness::read_parquet(&data),
            "ipc" => input_harness::read_ipc(&data),
            "bcolz" => input_harness::read_bcolz(&template, &data),
            "b2frame" => input_harness::read_b2frame(&data),
            other => panic!("{name}: unknown target {other}"),
        }));
        assert!(r.is_ok(), "{name} panics");
        replayed += 1;
    }
    assert!(
        replayed > 0,
        "no import_* regression inputs in {}",
        dir.display()
    );
}
