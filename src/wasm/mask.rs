use std::cell::RefCell;
use wasm_bindgen::prelude::*;

thread_local! {
    /// Where JS puts the bytes of `maskScratch` calls, reused between calls.
    pub(crate) static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// XORs `data` in place with the 4-byte `key` (RFC 6455 §5.3), `data[0]`
/// being byte `offset` of the payload (so a payload split across buffers
/// unmasks piece by piece). Masking twice restores the data.
#[wasm_bindgen]
pub fn mask(data: &mut [u8], key: &[u8], offset: u32) -> Result<(), JsValue> {
    let key = <[u8; 4]>::try_from(key).map_err(|_| super::invalid_argument("a masking key is 4 bytes"))?;
    crate::mask::apply_mask(data, key, offset as usize);
    Ok(())
}

/// Makes room for `len` bytes in a scratch buffer reused across calls and
/// returns its address: JS writes data there, calls `maskScratch`, reads it
/// back. Two copies and no allocation, instead of `mask`'s allocations.
#[wasm_bindgen(js_name = maskScratchBuffer)]
pub fn mask_scratch_buffer(len: usize) -> usize {
    SCRATCH.with(|s| {
        let mut s = s.borrow_mut();
        if s.len() < len {
            s.resize(len, 0);
        }
        s.as_mut_ptr() as usize
    })
}

/// Masks the first `len` bytes of the scratch buffer with `key` (the four key
/// bytes as a little-endian u32), byte 0 being payload byte `offset`.
#[wasm_bindgen(js_name = maskScratch)]
pub fn mask_scratch(len: usize, key: u32, offset: u32) {
    SCRATCH.with(|s| {
        let mut s = s.borrow_mut();
        let len = len.min(s.len());
        crate::mask::apply_mask(&mut s[..len], key.to_le_bytes(), offset as usize);
    });
}
