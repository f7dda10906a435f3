//! Return codes, [`Error`] and the thread-local message of [`blz_last_error`].

use std::any::Any;
use std::cell::RefCell;
use std::ffi::{CString, c_char};
use std::ptr;

/// Success.
pub const BLZ_OK: i32 = 0;
/// A bad argument: a null or misaligned pointer, a non-UTF-8 path, too many rows.
pub const BLZ_ERR_ARGUMENT: i32 = 1;
/// blz failed: no table at the path, a damaged table, an I/O error.
pub const BLZ_ERR_TABLE: i32 = 2;
/// blz panicked (a bug); the panic was caught at the boundary.
pub const BLZ_ERR_PANIC: i32 = 3;

/// Why a call failed; its message is what [`blz_last_error`] returns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A pointer argument was null.
    #[error("argument {name} is a null pointer")]
    NullPointer {
        /// The argument.
        name: &'static str,
    },
    /// A pointer argument was not aligned for its type.
    #[error("argument {name} is misaligned: address {address:#x}, expected a multiple of {align}")]
    Misaligned {
        /// The argument.
        name: &'static str,
        /// The address given.
        address: usize,
        /// The alignment its type needs.
        align: usize,
    },
    /// The path was not UTF-8.
    #[error("path is not valid UTF-8: invalid byte at offset {valid_up_to}")]
    NonUtf8Path {
        /// Length of the valid prefix, in bytes.
        valid_up_to: usize,
    },
    /// More rows were asked for than this platform can address.
    #[error("nrows {nrows} is too large: expected at most {max}")]
    TooManyRows {
        /// Rows asked for.
        nrows: u64,
        /// The largest accepted count.
        max: usize,
    },
    /// blz failed.
    #[error(transparent)]
    Blz(#[from] blz::Error),
    /// blz panicked; the panic was caught.
    #[error("blz panicked: {message}")]
    Panic {
        /// The panic message.
        message: String,
    },
}

impl Error {
    /// The code a C caller gets for this error.
    pub fn code(&self) -> i32 {
        match self {
            Error::NullPointer { .. }
            | Error::Misaligned { .. }
            | Error::NonUtf8Path { .. }
            | Error::TooManyRows { .. } => BLZ_ERR_ARGUMENT,
            Error::Blz(_) => BLZ_ERR_TABLE,
            Error::Panic { .. } => BLZ_ERR_PANIC,
        }
    }
}

thread_local! {
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

pub(crate) fn set_last_error(e: Option<&Error>) {
    // A message with an interior NUL (impossible for the paths we accept) loses the tail.
    let msg = e.map(|e| {
        let text = e.to_string();
        let end = text.find('\0').unwrap_or(text.len());
        CString::new(&text[..end]).unwrap_or_default()
    });
    LAST_ERROR.with_borrow_mut(|slot| *slot = msg);
}

/// The message of the last failed `blz_*` call on this thread, or null when the last call
/// succeeded (or none was made).
///
/// The string is nul-terminated UTF-8, owned by the library, and valid until the next
/// `blz_*` call on this thread; copy it to keep it.
#[unsafe(no_mangle)]
pub extern "C" fn blz_last_error() -> *const c_char {
    LAST_ERROR.with_borrow(|slot| slot.as_ref().map_or(ptr::null(), |c| c.as_ptr()))
}

pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_owned()
    }
}
