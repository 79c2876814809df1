use wasm_bindgen::prelude::*;

/// XORs `data` in place with the 4-byte `key` (RFC 6455 §5.3), `data[0]`
/// being byte `offset` of the payload (so a payload split across buffers
/// unmasks piece by piece). Masking twice restores the data.
#[wasm_bindgen]
pub fn mask(data: &mut [u8], key: &[u8], offset: u32) -> Result<(), JsValue> {
    let key = <[u8; 4]>::try_from(key).map_err(|_| super::invalid_argument("a masking key is 4 bytes"))?;
    crate::mask::apply_mask(data, key, offset as usize);
    Ok(())
}
