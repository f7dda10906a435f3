// The checks of the input-reader fuzz targets (`import_csv`, `import_parquet`, `import_ipc`,
// `import_bcolz`, `import_b2frame`), as plain functions with no fuzzing dependency.
//
// Included (`include!`) by tests/fuzz/fuzz_targets/import_*.rs and by tests/input_sweep.rs
// (the bounded adversarial sweep and the replay of saved findings), so an input means the same
// in both places. Items only; each includer wraps it in `mod input_harness { ... }`.
//
// Each `read_*` writes the input where its reader expects a file, reads it whole into an
// in-memory table (at most `MAX_ROWS` rows, so a small file that declares a huge one is cut
// short) and returns the rows read or the error's message. It must never panic: a panic is the
// finding.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Rows read at most from one input.
pub(crate) const MAX_ROWS: usize = 1 << 20;

/// A fresh scratch folder (unique per process and call), removed on drop.
pub(crate) struct Scratch(pub(crate) PathBuf);

impl Scratch {
    pub(crate) fn new() -> Scratch {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "blz-input-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("scratch folder");
        Scratch(p)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Reads every batch of an Arrow reader into an in-memory table.
fn drain_arrow(
    reader: impl Iterator<Item = Result<blz::arrow::arrow_array::RecordBatch, blz::arrow::arrow_schema::ArrowError>>,
) -> Result<usize, String> {
    let mut t = blz::CTable::new();
    let mut rows = 0;
    for b in reader {
        let b = b.map_err(|e| e.to_string())?;
        t.append_record_batch(&b).map_err(|e| e.to_string())?;
        rows += b.num_rows();
        if rows >= MAX_ROWS {
            break;
        }
    }
    Ok(rows)
}

/// Reads a bcolz or python-blosc2 source's batches (decoded, not stored).
fn drain_source(src: blz::import::Source) -> Result<usize, String> {
    let mut rows = 0;
    for b in src {
        let b = b.map_err(|e| e.to_string())?;
        rows += b.first().map_or(0, |c| c.values.len());
        if rows >= MAX_ROWS {
            break;
        }
    }
    Ok(rows)
}

/// A CSV input (also read as tab-separated, and with an explicit schema of every type).
pub(crate) fn read_csv(data: &[u8]) -> Result<usize, String> {
    use blz::arrow::CsvOptions;
    let small = CsvOptions::default().with_batch_rows(7).with_infer_rows(5);
    let _ = blz::arrow::open_csv_reader(std::io::Cursor::new(data.to_vec()), "in.tsv", &small)
        .map_err(|e| e.to_string())
        .and_then(drain_arrow);
    let opts = CsvOptions::default().with_batch_bytes(4096);
    let r = blz::arrow::open_csv_reader(std::io::Cursor::new(data.to_vec()), "in.csv", &opts)
        .map_err(|e| e.to_string())?;
    drain_arrow(r)
}

/// A file read through `blz::arrow::open` (Parquet, Arrow IPC file or stream, by its bytes).
fn read_arrow_file(data: &[u8], name: &str) -> Result<usize, String> {
    let dir = Scratch::new();
    let p = dir.0.join(name);
    std::fs::write(&p, data).map_err(|e| e.to_string())?;
    let opts = blz::arrow::CsvOptions::default().with_batch_rows(1000);
    let r = blz::arrow::open(&p, &opts).map_err(|e| e.to_string())?;
    drain_arrow(r)
}

/// A Parquet input.
pub(crate) fn read_parquet(data: &[u8]) -> Result<usize, String> {
    read_arrow_file(data, "in.parquet")
}

/// An Arrow IPC input (file or stream), also read as a stream from memory.
pub(crate) fn read_ipc(data: &[u8]) -> Result<usize, String> {
    let _ = blz::arrow::open_ipc_reader(std::io::Cursor::new(data.to_vec()), "in.arrows")
        .map_err(|e| e.to_string())
        .and_then(drain_arrow);
    let name = if data.starts_with(&[0xFF; 4]) {
        "in.arrows"
    } else {
        "in.arrow"
    };
    read_arrow_file(data, name)
}

/// A python-blosc2 frame input.
pub(crate) fn read_b2frame(data: &[u8]) -> Result<usize, String> {
    let dir = Scratch::new();
    let p = dir.0.join("in.b2frame");
    std::fs::write(&p, data).map_err(|e| e.to_string())?;
    let src = blz::import::Source::open(&p).map_err(|e| e.to_string())?;
    drain_source(src)
}

/// The files of a bcolz input a fuzz input can replace, relative to the carray folder.
pub(crate) const BCOLZ_FILES: [&str; 5] = [
    "meta/sizes",
    "meta/storage",
    "__attrs__",
    "data/__0.blp",
    "data/__1.blp",
];

/// Copies a directory tree.
pub(crate) fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let target = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_tree(&e.path(), &target)?;
        } else {
            std::fs::copy(e.path(), &target)?;
        }
    }
    Ok(())
}

/// A bcolz input: the carray `template` with one of its files replaced, the first byte of
/// `data` choosing which ([`BCOLZ_FILES`]), the rest its new contents.
pub(crate) fn read_bcolz(template: &Path, data: &[u8]) -> Result<usize, String> {
    let Some((&which, contents)) = data.split_first() else {
        return Ok(0);
    };
    let dir = Scratch::new();
    let root = dir.0.join("in.bcolz");
    copy_tree(template, &root).map_err(|e| e.to_string())?;
    let file = BCOLZ_FILES[usize::from(which) % BCOLZ_FILES.len()];
    std::fs::write(root.join(file), contents).map_err(|e| e.to_string())?;
    let src = blz::import::Source::open(&root).map_err(|e| e.to_string())?;
    drain_source(src)
}
