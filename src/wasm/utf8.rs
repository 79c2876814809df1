use super::js_error;
use wasm_bindgen::prelude::*;

/// True if `bytes` are valid UTF-8 (RFC 3629: no overlongs, no surrogates,
/// nothing above U+10FFFF).
#[wasm_bindgen(js_name = isValidUtf8)]
pub fn is_valid_utf8(bytes: &[u8]) -> bool {
    crate::utf8::validate(bytes).is_ok()
}

/// Streaming UTF-8 validation: `push` pieces of one text; it throws a
/// `WsframeError` (code `invalid_utf8`, `offset` = first byte that cannot be
/// valid) as soon as the text can no longer be valid; `finish` throws if the
/// text ends inside a sequence.
#[wasm_bindgen(js_name = Utf8Validator)]
#[derive(Default)]
pub struct WasmUtf8Validator {
    inner: crate::utf8::Utf8Validator,
}

#[wasm_bindgen(js_class = Utf8Validator)]
impl WasmUtf8Validator {
    #[wasm_bindgen(constructor)]
    pub fn new() -> WasmUtf8Validator {
        WasmUtf8Validator::default()
    }

    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsValue> {
        self.inner.feed(chunk).map_err(|e| js_error(&e))
    }

    pub fn finish(&self) -> Result<(), JsValue> {
        self.inner.finish().map_err(|e| js_error(&e))
    }

    pub fn reset(&mut self) {
        self.inner.reset();
    }

    /// Bytes validated so far.
    #[wasm_bindgen(getter)]
    pub fn position(&self) -> f64 {
        self.inner.position() as f64
    }
}
