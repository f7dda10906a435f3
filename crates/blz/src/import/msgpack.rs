//! A minimal pull reader of msgpack, the encoding of python-blosc2 frame headers and of the
//! `b2nd` metalayer. Every read is bounds-checked; malformed input gives `None`.

/// One msgpack item. Arrays and maps give their length; their elements follow.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Item<'a> {
    Nil,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(&'a [u8]),
    Bin(&'a [u8]),
    Array(usize),
    Map(usize),
    Ext(i8, &'a [u8]),
}

/// Reads items from a byte slice.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// A reader positioned at `pos`.
    pub(crate) fn at(buf: &'a [u8], pos: usize) -> Self {
        Reader { buf, pos }
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    fn be(&mut self, n: usize) -> Option<u64> {
        Some(
            self.take(n)?
                .iter()
                .fold(0u64, |a, &b| (a << 8) | u64::from(b)),
        )
    }

    fn len(&mut self, n: usize) -> Option<usize> {
        usize::try_from(self.be(n)?).ok()
    }

    /// The next item.
    pub(crate) fn next(&mut self) -> Option<Item<'a>> {
        let b = *self.buf.get(self.pos)?;
        self.pos += 1;
        Some(match b {
            0x00..=0x7f => Item::Int(i128::from(b)),
            0x80..=0x8f => Item::Map(usize::from(b & 0x0f)),
            0x90..=0x9f => Item::Array(usize::from(b & 0x0f)),
            0xa0..=0xbf => Item::Str(self.take(usize::from(b & 0x1f))?),
            0xc0 => Item::Nil,
            0xc2 => Item::Bool(false),
            0xc3 => Item::Bool(true),
            0xc4..=0xc6 => {
                let n = self.len(1 << (b - 0xc4))?;
                Item::Bin(self.take(n)?)
            }
            0xc7..=0xc9 => {
                let n = self.len(1 << (b - 0xc7))?;
                let t = i8::from_be_bytes([*self.take(1)?.first()?]);
                Item::Ext(t, self.take(n)?)
            }
            0xca => Item::Float(f64::from(f32::from_bits(u32::try_from(self.be(4)?).ok()?))),
            0xcb => Item::Float(f64::from_bits(self.be(8)?)),
            0xcc..=0xcf => Item::Int(i128::from(self.be(1 << (b - 0xcc))?)),
            0xd0..=0xd3 => {
                let n = 1usize << (b - 0xd0);
                let v = self.be(n)?;
                // Sign-extend from n bytes.
                let shift = 64 - 8 * n;
                Item::Int(i128::from((v << shift).cast_signed() >> shift))
            }
            0xd4..=0xd8 => {
                let t = i8::from_be_bytes([*self.take(1)?.first()?]);
                Item::Ext(t, self.take(1 << (b - 0xd4))?)
            }
            0xd9..=0xdb => {
                let n = self.len(1 << (b - 0xd9))?;
                Item::Str(self.take(n)?)
            }
            0xdc..=0xdd => Item::Array(self.len(2 << (b - 0xdc))?),
            0xde..=0xdf => Item::Map(self.len(2 << (b - 0xde))?),
            0xe0..=0xff => Item::Int(i128::from(i8::from_be_bytes([b]))),
            0xc1 => return None,
        })
    }

    /// The next item as an integer.
    pub(crate) fn int(&mut self) -> Option<i128> {
        match self.next()? {
            Item::Int(v) => Some(v),
            _ => None,
        }
    }

    /// The next item as an array length.
    pub(crate) fn array(&mut self) -> Option<usize> {
        match self.next()? {
            Item::Array(n) => Some(n),
            _ => None,
        }
    }

    /// Skips one value, with its elements (nesting bounded).
    pub(crate) fn skip(&mut self) -> Option<()> {
        self.skip_depth(0)
    }

    fn skip_depth(&mut self, depth: usize) -> Option<()> {
        if depth > 32 {
            return None;
        }
        let n = match self.next()? {
            Item::Array(n) => n,
            Item::Map(n) => n.checked_mul(2)?,
            _ => return Some(()),
        };
        for _ in 0..n {
            self.skip_depth(depth + 1)?;
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msgpack_reads_each_encoding() {
        let bytes = [
            0x93, 0xd2, 0xff, 0xff, 0xff, 0xfe, 0xcd, 0x01, 0x00, 0xa2, b'h', b'i', 0xd8, 0x06,
        ];
        let mut r = Reader::new(&bytes);
        assert_eq!(r.array(), Some(3));
        assert_eq!(r.int(), Some(-2));
        assert_eq!(r.int(), Some(256));
        assert_eq!(r.next(), Some(Item::Str(b"hi")));
        assert_eq!(r.next(), None, "fixext16 cut short");
        assert_eq!(Reader::new(&[0xe0]).int(), Some(-32));
        assert_eq!(Reader::new(&[0xdb, 0, 0, 0]).next(), None);
        assert_eq!(Reader::new(&[0xdc, 0xff, 0xff]).skip(), None);
    }
}
