//! TEMPORARY stand-in (decoder only) until the real LZ4 module lands.

/// Encoder state.
pub(crate) struct Encoder;

impl Encoder {
    pub(crate) fn new() -> Self {
        Encoder
    }
    pub(crate) fn compress(&mut self, _src: &[u8], _dst: &mut [u8], _a: u32) -> usize {
        0
    }
    pub(crate) fn compress_hc(&mut self, _src: &[u8], _dst: &mut [u8], _l: u32) -> usize {
        0
    }
}

/// Decode.
pub(crate) fn decompress(src: &[u8], dst: &mut [u8]) -> Result<(), &'static str> {
    decompress_with_dict(src, dst, &[])
}

/// Decode with a dictionary.
pub(crate) fn decompress_with_dict(src: &[u8], dst: &mut [u8], dict: &[u8]) -> Result<(), &'static str> {
    let mut ip = 0;
    let mut op = 0;
    loop {
        let token = *src.get(ip).ok_or("eof")?;
        ip += 1;
        let mut lit = usize::from(token >> 4);
        if lit == 15 {
            loop {
                let b = *src.get(ip).ok_or("eof")?;
                ip += 1;
                lit += usize::from(b);
                if b != 255 {
                    break;
                }
            }
        }
        if ip + lit > src.len() || op + lit > dst.len() {
            return Err("literal overrun");
        }
        dst[op..op + lit].copy_from_slice(&src[ip..ip + lit]);
        ip += lit;
        op += lit;
        if ip == src.len() {
            break;
        }
        let off = usize::from(*src.get(ip).ok_or("eof")?) | usize::from(*src.get(ip + 1).ok_or("eof")?) << 8;
        ip += 2;
        let mut ml = usize::from(token & 15);
        if ml == 15 {
            loop {
                let b = *src.get(ip).ok_or("eof")?;
                ip += 1;
                ml += usize::from(b);
                if b != 255 {
                    break;
                }
            }
        }
        ml += 4;
        if off == 0 || off > op + dict.len() || op + ml > dst.len() {
            return Err("bad match");
        }
        for _ in 0..ml {
            dst[op] = if off > op { dict[dict.len() + op - off] } else { dst[op - off] };
            op += 1;
        }
    }
    if op == dst.len() { Ok(()) } else { Err("short") }
}
