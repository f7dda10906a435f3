//! [`DiskTable`]: a table in a directory, owning its in-memory [`CTable`], the directory's
//! files and (when writable) the writer lock. Reads go through the `CTable` it lends; changes go
//! through it and become durable at [`DiskTable::commit`].

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;

use super::array::codec_rec;
use super::load::{arrays_of, ids_of, is_ours, load, read_manifest_bytes, releases_pages};
use super::manifest::{
    ArrayRec, FORMAT_NAME, FORMAT_VERSION, MANIFEST, Manifest, SideRec, StorageRec,
};
use super::place::{TableLock, rename_noreplace, sibling, take_lock};
use super::save::{empty_manifest, remap_column, save_column, write_manifest};
use super::write::{DataFile, SideWriter, sync_dir};
use super::{CreateOptions, OpenMode};
use crate::cache::ChunkCache;
use crate::chunk::MappedFile;
use crate::ctable::{AppendRows, CTable, ColumnBatch, ColumnSlice, ColumnType};
use crate::error::{Error, Result};

/// The smallest chunk length of a table on disk. Every chunk of every column costs a manifest
/// record (offset, size, checksum and statistics: about 200 bytes of JSON) and a Blosc header;
/// below 64 rows a chunk of 8-byte values (512 bytes) hardly outweighs its record, and a table
/// of one-row chunks has a manifest many times its data. `blz import` asks for more (1,024).
pub const MIN_TABLE_CHUNKLEN: usize = 64;

/// The on-disk side of a table opened from (or created in) a directory.
pub(super) struct Store {
    dir: Arc<Path>,
    writable: bool,
    /// The writer lock, held while the table is open for writing.
    _lock: Option<File>,
    committed: Manifest,
    files: BTreeMap<String, DataFile>,
    maps: BTreeMap<String, Arc<MappedFile>>,
    /// Column name -> the number in its data files' names.
    ids: HashMap<String, u64>,
    next_id: u64,
    /// Changes not committed yet.
    changed: bool,
}

impl Store {
    /// Forgets chunks written since the last commit: every data file goes back to its
    /// committed length.
    fn rewind_files(&mut self) {
        for (name, f) in &mut self.files {
            f.rewind(self.committed.files.get(name).copied().unwrap_or(0));
        }
    }

    pub(super) fn data_file(&mut self, name: &str) -> Result<&mut DataFile> {
        if !self.files.contains_key(name) {
            let committed = self.committed.files.get(name).copied().unwrap_or(0);
            let f = DataFile::open(&self.dir, name, committed)?;
            self.files.insert(name.to_owned(), f);
        }
        self.files
            .get_mut(name)
            .ok_or_else(|| Error::table(&self.dir, "data file vanished"))
    }

    pub(super) fn id_for(&mut self, column: &str) -> u64 {
        if let Some(&id) = self.ids.get(column) {
            return id;
        }
        let id = self.next_id;
        self.next_id += 1;
        self.ids.insert(column.to_owned(), id);
        id
    }

    /// Removes files of ours that the committed manifest does not name (dropped columns, old
    /// side files, garbage of crashed commits). Best effort.
    fn collect_garbage(&mut self) {
        let keep: Vec<&str> = self
            .committed
            .files
            .keys()
            .map(String::as_str)
            .chain(self.committed.side.as_ref().map(|s| s.file.as_str()))
            .collect();
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for e in rd.flatten() {
            let name = e.file_name();
            let Some(name) = name.to_str() else { continue };
            if is_ours(name) && !keep.contains(&name) {
                self.files.remove(name);
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// A table on disk: a directory (see the crate's `docs/format.md`) opened read-only or for
/// appending, or newly created.
///
/// It owns the in-memory [`CTable`] whose chunks point into the directory's data files, and
/// lends it for every read and query (`DiskTable` derefs to `CTable`, so `t.len()`,
/// `t.query(..)` and functions taking `&CTable` work on it). Changes go through the
/// `DiskTable`'s own methods ([`append`](DiskTable::append),
/// [`add_column`](DiskTable::add_column), ...), which a table opened read-only refuses with
/// [`Error::ReadOnly`]; they become durable at [`commit`](DiskTable::commit) and are undone by
/// [`rollback`](DiskTable::rollback).
///
/// **Dropping a `DiskTable` discards what was not committed**, as a database transaction that
/// is not committed (rusqlite, redb): the directory keeps its last commit, and dropping does no
/// I/O besides releasing the writer lock. Call `commit` to keep the changes and to see its
/// errors.
///
/// ```
/// use blz::{ColumnBatch, CreateOptions, DiskTable, OpenMode};
/// # fn main() -> blz::Result<()> {
/// let dir = std::env::temp_dir().join(format!("blz-doc-disk-{}", std::process::id()));
/// # let _ = std::fs::remove_dir_all(&dir);
/// let mut t = DiskTable::create(&dir, CreateOptions::default())?;
/// t.append(vec![ColumnBatch::new("x", (0..1000).collect::<Vec<i64>>())])?;
/// t.commit()?;
/// t.append(vec![ColumnBatch::new("x", vec![5i64; 10])])?;
/// drop(t); // the ten rows appended after the commit are discarded
/// let t = DiskTable::open(&dir, OpenMode::ReadOnly)?;
/// assert_eq!(t.len(), 1000);
/// assert_eq!(t.query("x < 10")?.count()?, 10);
/// # drop(t);
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok(())
/// # }
/// ```
pub struct DiskTable {
    /// The rows as committed plus the changes since (chunks of committed rows are mapped).
    table: CTable,
    /// The directory, its files and the writer lock.
    store: Store,
}

impl Deref for DiskTable {
    type Target = CTable;
    fn deref(&self) -> &CTable {
        &self.table
    }
}

impl AppendRows for DiskTable {
    fn append_rows(&mut self, batches: &[ColumnSlice<'_>]) -> Result<()> {
        self.append_slices(batches)
    }
}

impl std::fmt::Debug for DiskTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: ", self.store.dir.display())?;
        std::fmt::Display::fmt(&self.table, f)
    }
}

impl DiskTable {
    /// Creates a table in a new directory `path` (see [`CreateOptions`]), holding its writer
    /// lock. Rows appended become durable at [`DiskTable::commit`].
    ///
    /// # Errors
    /// [`Error::AlreadyExists`] when `path` exists (unless `overwrite`, which replaces only a blz
    /// table or an empty directory), [`Error::Locked`] when the table to replace is open for
    /// writing, [`Error::InvalidParam`] for a chunk length below [`MIN_TABLE_CHUNKLEN`],
    /// [`Error::Io`] on file errors.
    pub fn create(path: impl AsRef<Path>, opts: CreateOptions) -> Result<DiskTable> {
        let dir = path.as_ref();
        // The table to replace, locked from here to the swap: no other writer runs meanwhile.
        let mut replace = None;
        if std::fs::symlink_metadata(dir).is_ok() {
            if !opts.overwrite {
                return Err(Error::AlreadyExists {
                    path: dir.to_path_buf(),
                });
            }
            replace = Some(TableLock::acquire(dir)?);
        }
        // Build the table in a hidden sibling directory and move it into place, so a crash
        // during creation never leaves a half-made table at `path`, and a replaced table is
        // swapped for the new one atomically.
        let parent = dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, "create", e))?;
        let staging = sibling(dir, "creating")?;
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir(&staging).map_err(|e| Error::io(&staging, "create", e))?;
        let made = (|| -> Result<(File, CTable, Manifest)> {
            let lock = take_lock(&staging)?;
            let t = match opts.column {
                Some(o) => CTable::with_options(o)?,
                None => CTable::new(),
            };
            if t.chunklen() < MIN_TABLE_CHUNKLEN {
                return Err(Error::param(
                    "chunklen",
                    t.chunklen(),
                    "at least 64 (MIN_TABLE_CHUNKLEN) for a table on disk: every chunk costs a \
                     manifest record of about 200 bytes per column",
                ));
            }
            let m = empty_manifest(&t.opts, t.chunklen());
            write_manifest(&staging, &m)?;
            match replace {
                Some(old) => old.replace_with(&staging)?,
                None => rename_noreplace(&staging, dir)?,
            }
            sync_dir(parent)?;
            Ok((lock, t, m))
        })();
        let (lock, t, m) = match made {
            Ok(x) => x,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&staging);
                return Err(e);
            }
        };
        Ok(DiskTable {
            table: t,
            store: Store {
                dir: Arc::from(dir),
                writable: true,
                _lock: Some(lock),
                committed: m,
                files: BTreeMap::new(),
                maps: BTreeMap::new(),
                ids: HashMap::new(),
                next_id: 0,
                changed: false,
            },
        })
    }

    /// Opens the table in directory `path`, reading through the process-wide cache.
    ///
    /// # Errors
    /// [`Error::Table`] when `path` holds no table, a damaged manifest, a newer format or files
    /// that do not match the manifest; [`Error::Locked`] for a second writer; [`Error::Io`].
    pub fn open(path: impl AsRef<Path>, mode: OpenMode) -> Result<DiskTable> {
        Self::open_with_cache(path, mode, ChunkCache::global())
    }

    /// Opens the table in directory `path`, reading through `cache`.
    ///
    /// # Errors
    /// As [`DiskTable::open`].
    pub fn open_with_cache(
        path: impl AsRef<Path>,
        mode: OpenMode,
        cache: Arc<ChunkCache>,
    ) -> Result<DiskTable> {
        let dir = path.as_ref();
        if !dir.is_dir() {
            return Err(Error::table(
                dir,
                if dir.exists() {
                    "not a blz table (not a directory)"
                } else {
                    "no such table"
                },
            ));
        }
        let lock = match mode {
            OpenMode::Append => Some(take_lock(dir)?),
            OpenMode::ReadOnly => None,
        };
        let adir: Arc<Path> = Arc::from(dir);
        // A writer may commit (and delete the files of the previous commit), or replace the
        // whole table (`blz import --overwrite` swaps directories), between our reading the
        // manifest and opening its files: a reader reads the manifest again after loading and
        // starts over when it changed, so the files it holds are the ones the manifest names.
        let mut attempt = 0;
        let (m, loaded) = loop {
            let raw = read_manifest_bytes(dir)?;
            let m = Manifest::from_bytes(&raw, &dir.join(MANIFEST))?;
            let res = load(&adir, &m, &cache);
            let settled = lock.is_some()
                || attempt >= 16
                || read_manifest_bytes(dir).ok().as_deref() == Some(&raw[..]);
            match res {
                Ok(l) if settled => break (m, l),
                Err(e) if settled => return Err(e),
                _ => attempt += 1,
            }
        };
        let (ids, next_id) = ids_of(&m);
        let rows = usize::try_from(m.rows).map_err(|_| Error::table(dir, "too many rows"))?;
        let mut store = Store {
            dir: adir,
            writable: lock.is_some(),
            _lock: lock,
            committed: m,
            files: BTreeMap::new(),
            maps: loaded.maps,
            ids,
            next_id,
            changed: false,
        };
        if store.writable {
            // Reclaim what crashed commits left: bytes past the committed ends, stray files.
            let names: Vec<String> = store.committed.files.keys().cloned().collect();
            for n in names {
                store.data_file(&n)?;
            }
            store.collect_garbage();
        }
        Ok(DiskTable {
            table: CTable {
                columns: loaded.columns,
                len: rows,
                opts: loaded.opts,
            },
            store,
        })
    }

    /// The table's directory.
    pub fn path(&self) -> &Path {
        &self.store.dir
    }

    /// Whether the table is open read-only.
    pub fn is_read_only(&self) -> bool {
        !self.store.writable
    }

    /// Whether there are changes since the last commit (appended rows, added, dropped or
    /// renamed columns, codec parameters), which [`DiskTable::commit`] would make durable and
    /// dropping the table discards.
    pub fn has_uncommitted_changes(&self) -> bool {
        self.store.changed
    }

    /// The in-memory table, as the deref gives it.
    pub fn table(&self) -> &CTable {
        &self.table
    }

    /// Gives up the directory (and the writer lock) and keeps the rows as a table in memory:
    /// committed chunks stay mapped from their files, uncommitted rows stay in memory and are
    /// not written.
    pub fn into_table(self) -> CTable {
        self.table
    }

    /// The table for a change: refused on a table opened read-only; notes the change.
    fn change(&mut self) -> Result<&mut CTable> {
        if !self.store.writable {
            return Err(Error::ReadOnly {
                path: self.store.dir.to_path_buf(),
            });
        }
        self.store.changed = true;
        Ok(&mut self.table)
    }

    /// Appends rows given as one batch per column, as [`CTable::append`]; durable at the next
    /// commit.
    ///
    /// # Errors
    /// [`Error::ReadOnly`], and those of [`CTable::append`].
    pub fn append(&mut self, batches: Vec<ColumnBatch>) -> Result<()> {
        self.change()?.append(batches)
    }

    /// Appends rows given as borrowed slices, as [`CTable::append_slices`]; durable at the next
    /// commit.
    ///
    /// # Errors
    /// [`Error::ReadOnly`], and those of [`CTable::append_slices`].
    pub fn append_slices(&mut self, batches: &[ColumnSlice<'_>]) -> Result<()> {
        self.change()?.append_slices(batches)
    }

    /// Adds a column with a value for every row, as [`CTable::add_column`].
    ///
    /// # Errors
    /// [`Error::ReadOnly`], and those of [`CTable::add_column`].
    pub fn add_column(&mut self, batch: ColumnBatch) -> Result<()> {
        self.change()?.add_column(batch)
    }

    /// Adds an empty column, as [`CTable::add_empty_column`].
    ///
    /// # Errors
    /// [`Error::ReadOnly`], and those of [`CTable::add_empty_column`].
    pub fn add_empty_column(&mut self, name: &str, ty: ColumnType) -> Result<()> {
        self.change()?.add_empty_column(name, ty)
    }

    /// Removes a column; its files go at the next commit.
    ///
    /// # Errors
    /// [`Error::ReadOnly`], [`Error::UnknownColumn`].
    pub fn drop_column(&mut self, name: &str) -> Result<()> {
        self.change()?.drop_column(name)?;
        self.store.ids.remove(name);
        Ok(())
    }

    /// Renames a column (its files keep their names).
    ///
    /// # Errors
    /// [`Error::ReadOnly`], and those of [`CTable::rename_column`].
    pub fn rename_column(&mut self, from: &str, to: &str) -> Result<()> {
        self.change()?.rename_column(from, to)?;
        if let Some(id) = self.store.ids.remove(from) {
            self.store.ids.insert(to.to_owned(), id);
        }
        Ok(())
    }

    /// Sets the codec parameters of one column, as [`CTable::set_column_cparams`]; saved with
    /// the next commit.
    ///
    /// # Errors
    /// [`Error::ReadOnly`], and those of [`CTable::set_column_cparams`].
    pub fn set_column_cparams(&mut self, name: &str, cparams: blz_blosc::CParams) -> Result<()> {
        self.change()?.set_column_cparams(name, cparams)
    }

    /// Turns the use of per-chunk statistics on or off, as [`CTable::set_use_stats`] (a way
    /// of reading, not a change: allowed on a table opened read-only).
    pub fn set_use_stats(&mut self, on: bool) {
        self.table.set_use_stats(on);
    }

    /// Discards every change since the last commit (appended rows, added, dropped or renamed
    /// columns): the table returns to its committed state.
    ///
    /// # Errors
    /// [`Error::ReadOnly`], and the errors of [`DiskTable::open`] when the committed files
    /// cannot be read again.
    pub fn rollback(&mut self) -> Result<()> {
        let store = &mut self.store;
        if !store.writable {
            return Err(Error::ReadOnly {
                path: store.dir.to_path_buf(),
            });
        }
        let cache = self
            .table
            .opts
            .cache
            .clone()
            .unwrap_or_else(ChunkCache::global);
        let loaded = load(&store.dir, &store.committed, &cache)?;
        store.rewind_files();
        let (ids, next_id) = ids_of(&store.committed);
        store.ids = ids;
        store.next_id = store.next_id.max(next_id);
        store.maps = loaded.maps;
        store.changed = false;
        self.table = CTable {
            columns: loaded.columns,
            len: usize::try_from(store.committed.rows).unwrap_or(usize::MAX),
            opts: loaded.opts,
        };
        Ok(())
    }

    /// Makes every change durable: new chunks are appended to the data files and synced, then
    /// a new manifest replaces the old one atomically. When this returns `Ok`, the rows are on
    /// disk; a crash before that leaves the table as of the previous commit.
    ///
    /// # Errors
    /// [`Error::ReadOnly`] for a table opened read-only, [`Error::Io`] when writing fails (a
    /// full disk): the table on disk keeps its last committed state and this table keeps its
    /// rows, so `commit` may be retried.
    pub fn commit(&mut self) -> Result<()> {
        let r = commit_into(&mut self.table, &mut self.store);
        if r.is_err() {
            self.store.rewind_files();
        }
        r
    }

    /// Bytes column `name` takes as stored: its compressed chunks, tail and dictionary as the
    /// last commit wrote them (with uncommitted changes, as [`CTable::column_sizes`], the tail
    /// counted uncompressed).
    ///
    /// # Errors
    /// [`Error::UnknownColumn`].
    pub fn column_stored_bytes(&self, name: &str) -> Result<usize> {
        let (_, mem) = self.table.column_sizes(name)?;
        let store = &self.store;
        if store.changed {
            return Ok(mem);
        }
        let Some(rec) = store.committed.columns.iter().find(|c| c.name == name) else {
            return Ok(mem);
        };
        let mut n = 0u64;
        for (_, a) in arrays_of(rec) {
            let chunks = a
                .chunks
                .iter()
                .fold(0u64, |x, c| x.saturating_add(c.cbytes));
            n = n
                .saturating_add(chunks)
                .saturating_add(a.tail.as_ref().map_or(0, |t| t.len));
        }
        if let StorageRec::Dict { dict, .. } = &rec.storage {
            n = n.saturating_add(dict.blob.len);
        }
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    /// Bytes of all columns as stored (see [`DiskTable::column_stored_bytes`]).
    pub fn stored_bytes(&self) -> usize {
        self.table
            .columns
            .iter()
            .map(|c| self.column_stored_bytes(&c.name).unwrap_or(0))
            .sum()
    }
}

fn commit_into(t: &mut CTable, store: &mut Store) -> Result<()> {
    if !store.writable {
        return Err(Error::ReadOnly {
            path: store.dir.to_path_buf(),
        });
    }
    let generation = store.committed.generation + 1;
    let mut side = SideWriter::default();
    let mut columns = Vec::with_capacity(t.columns.len());
    for col in &mut t.columns {
        columns.push(save_column(store, col, &mut side)?);
    }
    let mut files = BTreeMap::new();
    for c in &columns {
        let arrays: Vec<&ArrayRec> = match &c.storage {
            StorageRec::Fixed { data } => vec![data],
            StorageRec::Dict { codes, .. } => vec![codes],
            StorageRec::Plain { ends, bytes } => vec![ends, bytes],
        };
        for a in arrays.into_iter().chain(c.validity.as_ref()) {
            let end = store.data_file(&a.file)?.end();
            files.insert(a.file.clone(), end);
        }
    }
    for name in files.keys() {
        store.data_file(name)?.sync()?;
    }
    let side_rec = if side.is_empty() {
        None
    } else {
        let file = format!("side.{generation}");
        side.write(&store.dir.join(&file))?;
        Some(SideRec {
            file,
            len: side.len(),
        })
    };
    // New data and side files must have durable names before the manifest names them.
    sync_dir(&store.dir)?;
    let m = Manifest {
        format: FORMAT_NAME.into(),
        version: FORMAT_VERSION,
        generation,
        rows: t.len as u64,
        chunklen: t.chunklen() as u64,
        codec: codec_rec(&t.opts.cparams),
        columns,
        files,
        side: side_rec,
    };
    write_manifest(&store.dir, &m)?;
    // Committed. Point the chunks at the files (freeing the in-memory copies), tidy up.
    let mut maps = BTreeMap::new();
    let release = releases_pages(&m, &t.opts.cache.clone().unwrap_or_else(ChunkCache::global));
    let dir = Arc::clone(&store.dir);
    for (name, &len) in &m.files {
        let df = store.data_file(name)?;
        let map = MappedFile::map(df.file(), len, df.path(), Arc::clone(&dir), release)?;
        maps.insert(name.clone(), map);
    }
    for (col, rec) in t.columns.iter_mut().zip(&m.columns) {
        remap_column(col, rec, &maps);
    }
    store.maps = maps;
    store.committed = m;
    store.changed = false;
    store.collect_garbage();
    Ok(())
}
