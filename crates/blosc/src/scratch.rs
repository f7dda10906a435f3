//! Per-thread reusable buffers and codec state.
//!
//! Rayon's worker threads live as long as the process, so keeping one [`Scratch`] per thread
//! means steady-state (de)compression allocates nothing per block or per chunk.

use std::cell::RefCell;

use crate::codec::Codecs;

/// Buffers larger than this are released after use, so one huge chunk does not pin memory.
const KEEP_LIMIT: usize = 16 << 20;

pub(crate) struct Scratch {
    pub(crate) codecs: Codecs,
    pub(crate) t1: Vec<u8>,
    pub(crate) t2: Vec<u8>,
    pub(crate) bits: Vec<u8>,
    /// A block's output when it may not fit in what is left of the chunk.
    pub(crate) spill: Vec<u8>,
}

impl Scratch {
    fn new() -> Self {
        Scratch {
            codecs: Codecs::new(),
            t1: Vec::new(),
            t2: Vec::new(),
            bits: Vec::new(),
            spill: Vec::new(),
        }
    }

    /// Makes `t1` and `t2` at least `n` bytes long.
    pub(crate) fn reserve(&mut self, n: usize) {
        if self.t1.len() < n {
            self.t1.resize(n, 0);
        }
        if self.t2.len() < n {
            self.t2.resize(n, 0);
        }
    }

    fn trim(&mut self) {
        for v in [&mut self.t1, &mut self.t2, &mut self.bits, &mut self.spill] {
            if v.capacity() > KEEP_LIMIT {
                *v = Vec::new();
            }
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::new());
}

/// Runs `f` with this thread's scratch (a fresh one if it is already in use).
pub(crate) fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut s) => {
            let r = f(&mut s);
            s.trim();
            r
        }
        Err(_) => f(&mut Scratch::new()),
    })
}
