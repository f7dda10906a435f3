//! TEMPORARY stand-in (decoder only) until the real BloscLZ module lands.

/// Which C encoder to follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// BloscLZ 2.5.1 (C-Blosc1).
    Blosc1 {
        /// Stream of a split block.
        split: bool,
    },
    /// BloscLZ 2.5.3 (C-Blosc2).
    Blosc2,
}

/// Encoder state.
pub(crate) struct Encoder;

impl Encoder {
    pub(crate) fn new() -> Self {
        Encoder
    }
    pub(crate) fn compress(&mut self, _src: &[u8], _dst: &mut [u8], _clevel: u8, _f: Flavor) -> usize {
        0
    }
}

/// Decode.
pub(crate) fn decompress(src: &[u8], dst: &mut [u8]) -> Result<(), &'static str> {
    if src.is_empty() {
        return Err("empty");
    }
    let mut ip = 0usize;
    let mut op = 0usize;
    let mut ctrl = usize::from(src[0] & 31);
    ip += 1;
    loop {
        if ctrl >= 32 {
            let mut len = (ctrl >> 5) - 1;
            let mut ofs = (ctrl & 31) << 8;
            if len == 6 {
                loop {
                    let c = *src.get(ip).ok_or("eof")?;
                    ip += 1;
                    len += usize::from(c);
                    if len > dst.len() {
                        return Err("overrun");
                    }
                    if c != 255 {
                        break;
                    }
                }
            }
            let code = usize::from(*src.get(ip).ok_or("eof")?);
            ip += 1;
            len += 3;
            ofs += code;
            if code == 255 && ofs == 31 * 256 + 255 {
                let a = usize::from(*src.get(ip).ok_or("eof")?);
                let b = usize::from(*src.get(ip + 1).ok_or("eof")?);
                ip += 2;
                ofs = (a << 8) + b + 8191;
            }
            let dist = ofs + 1;
            if dist > op || op + len > dst.len() {
                return Err("bad match");
            }
            for i in 0..len {
                dst[op + i] = dst[op + i - dist];
            }
            op += len;
        } else {
            let n = ctrl + 1;
            if op + n > dst.len() || ip + n > src.len() {
                return Err("bad literal");
            }
            dst[op..op + n].copy_from_slice(&src[ip..ip + n]);
            op += n;
            ip += n;
        }
        if ip >= src.len() {
            break;
        }
        ctrl = usize::from(src[ip]);
        ip += 1;
    }
    if op == dst.len() { Ok(()) } else { Err("short") }
}
