//! A byte-bounded cache of decompressed chunks, shared by the containers that use it.
//!
//! Random access (`get`, `take`, small slices) goes through the cache; whole-column scans
//! (iterators, reductions, filters) decompress into per-thread buffers and bypass it, so a scan
//! larger than the budget does not evict everybody else's chunks. The cache itself (quick_cache's
//! CLOCK-Pro) is scan resistant as well.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use quick_cache::sync::Cache;
use quick_cache::{Lifecycle, Weighter};

use crate::error::{Error, Result};

/// Key of a cached chunk: the owner's unique id, the chunk's generation and the block index.
pub(crate) type ChunkKey = (u64, u64, u32);

/// A decompressed chunk, as bytes of the column's storage type.
pub(crate) type ChunkBytes = Arc<Vec<u8>>;

#[derive(Clone)]
struct ByteWeighter;

impl Weighter<ChunkKey, ChunkBytes> for ByteWeighter {
    fn weight(&self, _key: &ChunkKey, val: &ChunkBytes) -> u64 {
        // Count a small fixed overhead so empty chunks still weigh something.
        val.len() as u64 + 64
    }
}

#[derive(Clone, Default)]
struct Counting {
    evictions: Arc<AtomicU64>,
}

impl Lifecycle<ChunkKey, ChunkBytes> for Counting {
    type RequestState = ();
    fn on_evict(&self, _state: &mut (), _key: ChunkKey, _val: ChunkBytes) {
        self.evictions.fetch_add(1, Ordering::Relaxed);
    }
}

/// Counters of a [`ChunkCache`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups not answered from the cache: the block was decoded, and cached or not (see
    /// [`ChunkCache`] on admission).
    pub misses: u64,
    /// Chunks evicted to stay within the budget.
    pub evictions: u64,
    /// Chunks held now.
    pub len: usize,
    /// Bytes held now (decompressed chunks plus a small per-entry overhead).
    pub bytes: u64,
    /// The budget in bytes.
    pub capacity: u64,
}

/// Slots of the admission filter (see [`ChunkCache`]).
const RECENT_SLOTS: usize = 16;

/// A byte-bounded cache of decompressed chunks, shared (through `Arc`) by any number of
/// containers and threads. Two threads missing on the same chunk decompress it once.
///
/// Admission: while the cache has room, every block a random read misses on is decoded whole
/// and cached. Once it is full, a block enters it only when its column misses on it twice in a
/// row (sequential or clustered reads); a lone random read decodes just the bytes it needs
/// (each byte stream up to the element, for byte-shuffled LZ4 and BloscLZ blocks) and leaves
/// the cache as it is. Caching a block costs a whole-block decode, several times a lone read;
/// with random reads over more blocks than the cache holds, most cached blocks would be
/// evicted before they paid that back.
pub struct ChunkCache {
    inner: Cache<ChunkKey, ChunkBytes, ByteWeighter, quick_cache::DefaultHashBuilder, Counting>,
    lifecycle: Counting,
    next_owner: AtomicU64,
    hits: AtomicU64,
    misses: AtomicU64,
    /// Budget of one shard: the cache counts as full once within this of its budget (a shard
    /// may fill, and evict, before the whole does).
    shard_bytes: u64,
    /// A doorkeeper: per container (its owner id hashed onto a slot), the tag of the last
    /// block it missed on and did not admit.
    recent: [AtomicU64; RECENT_SLOTS],
}

/// What [`ChunkCache::lookup`] found.
pub(crate) enum Lookup {
    /// The block, from the cache.
    Hit(ChunkBytes),
    /// Not cached; `admit` says whether the caller should decode the block whole and cache it
    /// ([`ChunkCache::insert_with`]) or read only what it needs.
    Miss {
        /// Cache it.
        admit: bool,
    },
}

impl std::fmt::Debug for ChunkCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkCache")
            .field("stats", &self.stats())
            .finish()
    }
}

/// Default budget of the process-wide cache: 256 MiB.
pub const DEFAULT_CACHE_BYTES: u64 = 256 << 20;

impl ChunkCache {
    /// A cache holding at most `budget` bytes of decompressed chunks, with chunks of about
    /// `typical_chunk_bytes` (used to size the cache's index; a bad guess costs memory, not
    /// correctness).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] when `budget` is 0.
    pub fn new(budget: u64) -> Result<Arc<ChunkCache>> {
        Self::with_chunk_size(budget, 1 << 20)
    }

    /// As [`ChunkCache::new`], with a hint of the typical decompressed chunk size.
    ///
    /// # Errors
    /// [`Error::InvalidParam`] when `budget` or `typical_chunk_bytes` is 0.
    pub fn with_chunk_size(budget: u64, typical_chunk_bytes: u64) -> Result<Arc<ChunkCache>> {
        if budget == 0 {
            return Err(Error::param("cache budget", 0, "at least 1 byte"));
        }
        if typical_chunk_bytes == 0 {
            return Err(Error::param("typical chunk size", 0, "at least 1 byte"));
        }
        // quick_cache splits the budget between shards and sizes its index from the item
        // estimate; with MiB-sized entries a wrong estimate or too many shards means a shard
        // smaller than one entry, which silently caches nothing. Keep every shard able to hold
        // several chunks.
        let items = (budget / typical_chunk_bytes).max(1);
        let shards = (items / 8).clamp(1, 16).next_power_of_two();
        let shards = if shards > 16 { 16 } else { shards };
        let opts = quick_cache::OptionsBuilder::new()
            .estimated_items_capacity(usize::try_from(items.max(4)).unwrap_or(usize::MAX))
            .weight_capacity(budget)
            .shards(usize::try_from(shards).unwrap_or(1))
            .build()
            .map_err(|_| Error::param("cache budget", budget, "a size quick_cache accepts"))?;
        let lifecycle = Counting::default();
        Ok(Arc::new(ChunkCache {
            inner: Cache::with_options(
                opts,
                ByteWeighter,
                quick_cache::DefaultHashBuilder::default(),
                lifecycle.clone(),
            ),
            lifecycle,
            next_owner: AtomicU64::new(1),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            recent: std::array::from_fn(|_| AtomicU64::new(0)),
            shard_bytes: if shards > 1 { budget / shards } else { 0 },
        }))
    }

    /// The process-wide cache ([`DEFAULT_CACHE_BYTES`]), used by containers not given one.
    pub fn global() -> Arc<ChunkCache> {
        static GLOBAL: std::sync::OnceLock<Arc<ChunkCache>> = std::sync::OnceLock::new();
        GLOBAL
            .get_or_init(|| match ChunkCache::new(DEFAULT_CACHE_BYTES) {
                Ok(c) => c,
                Err(e) => unreachable!("the default budget is valid: {e}"),
            })
            .clone()
    }

    /// Hits, misses, evictions and occupancy.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            evictions: self.lifecycle.evictions.load(Ordering::Relaxed),
            len: self.inner.len(),
            bytes: self.inner.weight(),
            capacity: self.inner.capacity(),
        }
    }

    /// Drops every cached chunk.
    pub fn clear(&self) {
        self.inner.clear();
    }

    /// A fresh owner id for a container.
    pub(crate) fn new_owner(&self) -> u64 {
        self.next_owner.fetch_add(1, Ordering::Relaxed)
    }

    /// The chunk under `key`, decompressing it with `load` on a miss (once, even when several
    /// threads miss at the same time). Always caches it (no admission filter).
    #[cfg(test)]
    pub(crate) fn get_or_load(
        &self,
        key: ChunkKey,
        load: impl FnOnce() -> Result<ChunkBytes>,
    ) -> Result<ChunkBytes> {
        match self.lookup(key, 0) {
            Lookup::Hit(v) => Ok(v),
            Lookup::Miss { .. } => self.insert_with(key, load),
        }
    }

    /// Looks `key` up (counted as a hit or a miss). On a miss, says whether a block of `bytes`
    /// should be cached: yes while the cache has room for it, else only when the same key
    /// was missed on recently.
    pub(crate) fn lookup(&self, key: ChunkKey, bytes: usize) -> Lookup {
        if let Some(v) = self.inner.get(&key) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Lookup::Hit(v);
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let room = self
            .inner
            .weight()
            .saturating_add(bytes as u64 + 64)
            .saturating_add(self.shard_bytes)
            <= self.inner.capacity();
        Lookup::Miss {
            admit: room || self.seen_recently(key),
        }
    }

    /// Records `key` as its container's last miss not admitted; true when it was that already
    /// (a second read of the block right after the first: sequential or clustered reads).
    /// One slot per container (by its owner id, hashed onto [`RECENT_SLOTS`]): random reads
    /// over a column of B blocks are admitted about once in B misses.
    fn seen_recently(&self, key: ChunkKey) -> bool {
        let (owner, generation, block) = key;
        let tag = ((owner.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ generation)
            .wrapping_mul(0xD6E8_FEB8_6659_FD93)
            ^ u64::from(block).wrapping_mul(0x9E37_79B9_7F4A_7C15))
            | 1;
        let slot = usize::try_from(owner.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 59).unwrap_or(0)
            % RECENT_SLOTS;
        self.recent[slot].swap(tag, Ordering::Relaxed) == tag
    }

    /// Decodes (`load`) and caches the chunk under `key`, or returns the copy another thread
    /// cached meanwhile. Not counted: the caller's [`ChunkCache::lookup`] was.
    pub(crate) fn insert_with(
        &self,
        key: ChunkKey,
        load: impl FnOnce() -> Result<ChunkBytes>,
    ) -> Result<ChunkBytes> {
        self.inner.get_or_insert_with(&key, load)
    }

    /// Forgets a chunk (after it was rewritten).
    pub(crate) fn remove(&self, key: ChunkKey) {
        self.inner.remove(&key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_holds_mib_chunks_up_to_its_budget() {
        // 64 MiB budget, 1 MiB chunks: after loading 48 distinct chunks, nearly all must be
        // held (quick_cache with a bad item estimate would hold none).
        let cache = ChunkCache::with_chunk_size(64 << 20, 1 << 20).unwrap();
        for i in 0..48u64 {
            let v = cache
                .get_or_load((1, i, 0), || {
                    Ok(Arc::new(vec![i.to_le_bytes()[0]; 1 << 20]))
                })
                .unwrap();
            assert_eq!(v.len(), 1 << 20);
        }
        let s = cache.stats();
        assert_eq!(s.misses, 48);
        assert!(s.len >= 40, "only {} of 48 chunks held: {s:?}", s.len);
        for i in 0..48u64 {
            let _ = cache.get_or_load((1, i, 0), || Ok(Arc::new(vec![0u8; 1])));
        }
        assert!(cache.stats().hits >= 40);
        // Filling far past the budget evicts, and stays within it.
        for i in 100..300u64 {
            let _ = cache.get_or_load((1, i, 0), || Ok(Arc::new(vec![0u8; 1 << 20])));
        }
        let s = cache.stats();
        assert!(s.bytes <= s.capacity, "{s:?}");
        assert!(s.evictions > 100, "{s:?}");
        assert!(s.len >= 40, "{s:?}");
    }

    #[test]
    fn zero_budget_is_an_error() {
        assert!(ChunkCache::new(0).is_err());
    }

    #[test]
    fn concurrent_misses_load_once() {
        let cache = ChunkCache::new(16 << 20).unwrap();
        let loads = AtomicU64::new(0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    cache
                        .get_or_load((7, 7, 0), || {
                            loads.fetch_add(1, Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(20));
                            Ok(Arc::new(vec![1u8; 1000]))
                        })
                        .unwrap()
                });
            }
        });
        assert_eq!(loads.load(Ordering::SeqCst), 1);
    }
}
