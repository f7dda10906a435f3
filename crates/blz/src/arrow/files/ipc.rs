//! A guarded Arrow IPC reader: the messages are framed here, checked, then decoded by
//! arrow-ipc's `StreamDecoder`.
//!
//! arrow-ipc's own readers allocate what a message header claims before reading it (a body of
//! 2^62 bytes aborts the process) and trust the buffer offsets and decompressed sizes of the
//! record batch headers. Here every length is checked against the input before anything is
//! allocated: a message's metadata and body are read only as far as the input holds them, a
//! buffer must lie inside its body, and a compressed buffer may not claim more than
//! [`MAX_BUFFER`] bytes decompressed. A panic left in the decoder is contained (see
//! [`guard`](super::guard)) and reported as an error naming the file.
//!
//! The IPC file format is the stream format between a magic and a footer, so both are read as
//! a stream: a file must reach the end-of-stream marker (a truncated file is an error), a
//! stream may also end at a message boundary (as arrow-rs and pyarrow allow).

use std::collections::VecDeque;
use std::io::Read;
use std::path::{Path, PathBuf};

use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_buffer::Buffer;
use arrow_ipc::reader::StreamDecoder;
use arrow_ipc::{Message, MessageHeader, root_as_message};
use arrow_schema::{ArrowError, SchemaRef};

use super::super::import::{from_arrow_error, to_arrow_error};
use crate::error::{Error, Result};

/// Largest decompressed size a compressed buffer may claim (1 GiB): no writer makes record
/// batch buffers that large, and a claim beyond it would be allocated before it is checked.
pub(crate) const MAX_BUFFER: u64 = 1 << 30;

/// Largest metadata (flatbuffer header) of one message.
const MAX_METADATA: u64 = 64 << 20;

/// A record batch reader over Arrow IPC messages read from `R`.
pub(crate) struct IpcReader<R> {
    input: R,
    label: PathBuf,
    decoder: StreamDecoder,
    schema: SchemaRef,
    /// Batches decoded, not yet yielded.
    ready: VecDeque<RecordBatch>,
    /// A file must end with the end-of-stream marker; a stream may end at a message boundary.
    file: bool,
    /// The end of the stream was reached (and handed to the decoder).
    ended: bool,
    done: bool,
}

/// The end-of-stream marker: a continuation word and a zero length.
const EOS: [u8; 8] = [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0];

fn bad(label: &Path, what: impl Into<String>) -> Error {
    Error::Arrow {
        context: format!("reading {}", label.display()),
        source: ArrowError::IpcError(what.into()),
    }
}

/// Reads up to `n` bytes (fewer at the end of the input), growing the buffer only as bytes
/// arrive.
fn read_up_to(input: &mut impl Read, n: u64, label: &Path) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    input
        .by_ref()
        .take(n)
        .read_to_end(&mut out)
        .map_err(|e| Error::io(label, "read", e))?;
    Ok(out)
}

impl<R: Read> IpcReader<R> {
    /// Reads the schema message. `file`: the input is an IPC file (after its 8-byte magic).
    pub(crate) fn new(input: R, label: &Path, file: bool) -> Result<Self> {
        let mut r = IpcReader {
            input,
            label: label.to_owned(),
            decoder: StreamDecoder::new(),
            schema: std::sync::Arc::new(arrow_schema::Schema::empty()),
            ready: VecDeque::new(),
            file,
            ended: false,
            done: false,
        };
        let Some((meta, frame)) = r.read_message()? else {
            return Err(bad(label, "no schema message (the input is empty)"));
        };
        let message = root_as_message(&meta)
            .map_err(|e| bad(label, format!("a message header does not decode: {e}")))?;
        let Some(fb) = message.header_as_schema() else {
            return Err(bad(
                label,
                format!(
                    "the first message is a {:?}, not the schema",
                    message.header_type()
                ),
            ));
        };
        r.schema = std::sync::Arc::new(super::guard(label, || {
            arrow_ipc::convert::fb_to_schema(fb)
        })?);
        r.feed(frame)?;
        Ok(r)
    }

    /// Reads one message, checked: its metadata and its whole frame (prefix, metadata, body);
    /// `None` at the end of the stream.
    fn read_message(&mut self) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        let label = self.label.clone();
        let prefix = read_up_to(&mut self.input, 4, &label)?;
        if prefix.is_empty() && !self.file {
            return Ok(None);
        }
        if prefix.len() < 4 {
            return Err(bad(&label, "truncated: the input ends inside a message"));
        }
        let mut word = [prefix[0], prefix[1], prefix[2], prefix[3]];
        let mut frame = prefix;
        if word == [0xFF; 4] {
            let len = read_up_to(&mut self.input, 4, &label)?;
            if len.len() < 4 {
                return Err(bad(&label, "truncated: the input ends inside a message"));
            }
            word = [len[0], len[1], len[2], len[3]];
            frame.extend_from_slice(&len);
        }
        let meta_len = i32::from_le_bytes(word);
        if meta_len == 0 {
            return Ok(None);
        }
        let meta_len = u64::try_from(meta_len)
            .ok()
            .filter(|&n| n <= MAX_METADATA)
            .ok_or_else(|| bad(&label, format!("message metadata length {meta_len}")))?;
        let meta = read_up_to(&mut self.input, meta_len, &label)?;
        if meta.len() as u64 != meta_len {
            return Err(bad(
                &label,
                format!(
                    "truncated: a message's metadata needs {meta_len} bytes, the input holds {}",
                    meta.len()
                ),
            ));
        }
        let message = root_as_message(&meta)
            .map_err(|e| bad(&label, format!("a message header does not decode: {e}")))?;
        let body_len = u64::try_from(message.bodyLength())
            .map_err(|_| bad(&label, format!("body length {}", message.bodyLength())))?;
        let body = read_up_to(&mut self.input, body_len, &label)?;
        if body.len() as u64 != body_len {
            return Err(bad(
                &label,
                format!(
                    "truncated: a message body needs {body_len} bytes, the input holds {}",
                    body.len()
                ),
            ));
        }
        check_buffers(&message, body_len, &body).map_err(|e| bad(&label, e))?;
        frame.extend_from_slice(&meta);
        frame.extend_from_slice(&body);
        Ok(Some((meta, frame)))
    }

    /// Hands bytes to the decoder and queues the batches it completes.
    fn feed(&mut self, bytes: Vec<u8>) -> Result<()> {
        let label = self.label.clone();
        let mut buf = Buffer::from_vec(bytes);
        let decoder = &mut self.decoder;
        let ready = &mut self.ready;
        super::guard(&label, || {
            while !buf.is_empty() {
                if let Some(b) = decoder.decode(&mut buf)? {
                    ready.push_back(b);
                }
            }
            Ok::<_, ArrowError>(())
        })?
        .map_err(|e| from_arrow_error(e, format!("reading {}", label.display())))
    }

    /// The next record batch; `None` at the end of the stream.
    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        loop {
            if let Some(b) = self.ready.pop_front() {
                return Ok(Some(b));
            }
            if self.ended {
                return Ok(None);
            }
            match self.read_message()? {
                Some((_, frame)) => self.feed(frame)?,
                None => {
                    // A message without a body is decoded when the next bytes arrive: the
                    // end-of-stream marker completes it.
                    self.ended = true;
                    self.feed(EOS.to_vec())?;
                }
            }
        }
    }
}

/// Checks that every buffer of a record or dictionary batch lies inside its body and that no
/// compressed buffer claims more than [`MAX_BUFFER`] bytes decompressed.
fn check_buffers(message: &Message<'_>, body_len: u64, body: &[u8]) -> Result<(), String> {
    let batch = match message.header_type() {
        MessageHeader::RecordBatch => message.header_as_record_batch(),
        MessageHeader::DictionaryBatch => {
            message.header_as_dictionary_batch().and_then(|d| d.data())
        }
        _ => return Ok(()),
    };
    let Some(batch) = batch else {
        return Err("a batch message without its header".to_owned());
    };
    if batch.length() < 0 {
        return Err(format!("a batch of {} rows", batch.length()));
    }
    let compressed = batch.compression().is_some();
    for b in batch.buffers().iter().flatten() {
        let (off, len) = (b.offset(), b.length());
        let end = u64::try_from(off)
            .ok()
            .zip(u64::try_from(len).ok())
            .and_then(|(o, l)| o.checked_add(l));
        if end.is_none_or(|e| e > body_len) {
            return Err(format!(
                "a buffer at offset {off} of {len} bytes outside the {body_len}-byte body"
            ));
        }
        if compressed && len >= 8 {
            let at = usize::try_from(off).unwrap_or(usize::MAX);
            let Some(head) = body.get(at..at.saturating_add(8)) else {
                return Err("a compressed buffer outside its body".to_owned());
            };
            let mut raw = [0u8; 8];
            raw.copy_from_slice(head);
            let n = i64::from_le_bytes(raw);
            if n != -1 && !(0..=MAX_BUFFER as i64).contains(&n) {
                return Err(format!(
                    "a compressed buffer claims {n} bytes decompressed (at most {MAX_BUFFER})"
                ));
            }
        }
    }
    Ok(())
}

impl<R: Read> Iterator for IpcReader<R> {
    type Item = std::result::Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_batch() {
            Ok(Some(b)) => Some(Ok(b)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(to_arrow_error(e)))
            }
        }
    }
}

impl<R: Read> RecordBatchReader for IpcReader<R> {
    fn schema(&self) -> SchemaRef {
        std::sync::Arc::clone(&self.schema)
    }
}
