//! The `#[wasm_bindgen]` facade: one file per core module, converting types
//! only. No protocol rule lives here.
//!
//! Errors reach JS as `Error` objects named `WsframeError` with `code`,
//! `closeCode`, `offset` and `httpStatus` properties. The codec's options
//! and objects (handshake requests and answers, close payloads) are read and
//! built by hand (`js`); the inspector's and Engine.IO's rich, cold objects
//! go through serde-wasm-bindgen; the hot paths (`Connection.receive`,
//! `FrameDecoder.push`) pack their results into one buffer that JS reads
//! through a view of wasm memory.

#[cfg(feature = "inspector")]
pub mod capture;
pub mod close;
pub mod deflate;
#[cfg(feature = "engineio")]
pub mod engineio;
pub mod frame;
pub mod handshake;
#[cfg(feature = "inspector")]
pub mod inspect;
mod js;
pub mod mask;
pub mod protocol;
#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "engineio")]
pub mod socketio;
pub mod utf8;

use crate::error::{Error, ErrorKind};
use js_sys::Reflect;
#[cfg(feature = "engineio")]
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
fn start() {
    // A panic is a bug; show its message instead of "unreachable".
    console_error_panic_hook::set_once();
}

thread_local! {
    /// The error of the last hot call (`...OrMinus`) that failed.
    static CALL_ERROR: std::cell::RefCell<Option<JsValue>> = const { std::cell::RefCell::new(None) };
}

/// A hot call's result as a plain number, or -1 with the error kept for
/// `takeCallError`: a `Result` comes back to JS as an array, allocated on
/// every call.
pub(crate) fn plain(result: Result<usize, JsValue>) -> f64 {
    match result {
        Ok(value) => value as f64,
        Err(error) => {
            CALL_ERROR.with(|slot| *slot.borrow_mut() = Some(error));
            -1.0
        }
    }
}

/// The error of the last hot call that returned -1 (then forgotten).
#[wasm_bindgen(js_name = takeCallError)]
pub fn take_call_error() -> JsValue {
    CALL_ERROR
        .with(|slot| slot.borrow_mut().take())
        .unwrap_or(JsValue::UNDEFINED)
}

/// Test-only: panics, which traps the instance (release builds abort on a
/// panic). The JS side calls it only when the trap test asks for it
/// (`__testTrap`), to check that a trap reaches every connection and server.
#[wasm_bindgen(js_name = testTrap)]
pub fn test_trap() {
    panic!("a trap forced by the test-only export testTrap");
}

/// The module's memory, for reading packed results without a copy.
#[wasm_bindgen(js_name = __memory)]
pub fn memory() -> JsValue {
    wasm_bindgen::memory()
}

pub(crate) fn set(target: &JsValue, key: &str, value: JsValue) {
    // Setting a property on a fresh Error cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), &value);
}

fn optional_number(value: Option<f64>) -> JsValue {
    value.map_or(JsValue::UNDEFINED, JsValue::from_f64)
}

/// Converts a core error into a JS `Error` carrying its code, close code,
/// offset and HTTP status.
pub(crate) fn js_error(error: &Error) -> JsValue {
    let js = js_sys::Error::new(&error.to_string());
    js.set_name("WsframeError");
    let value: JsValue = js.into();
    set(&value, "code", JsValue::from_str(error.code()));
    set(
        &value,
        "closeCode",
        optional_number(error.close_code().map(f64::from)),
    );
    set(
        &value,
        "offset",
        optional_number(error.offset().map(|o| o as f64)),
    );
    set(
        &value,
        "httpStatus",
        optional_number(error.http_status().map(f64::from)),
    );
    set(&value, "value", optional_number(error.value().map(|v| v as f64)));
    if let Some(ws) = error.ws_code() {
        set(&value, "wsCode", JsValue::from_str(ws));
    }
    if let Some(upstream) = error.upstream_message() {
        set(&value, "upstreamMessage", JsValue::from_str(upstream));
    }
    value
}

pub(crate) fn invalid_argument(message: impl Into<String>) -> JsValue {
    js_error(&Error::new(ErrorKind::InvalidArgument, message))
}

/// `n` as an integer if it is a whole, non-negative, safe one.
pub(crate) fn whole_number(n: f64) -> Option<u64> {
    (n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0).then_some(n as u64)
}

/// A length given as a JS number: a non-negative safe integer.
pub(crate) fn js_length(value: f64, name: &str) -> Result<u64, JsValue> {
    whole_number(value).ok_or_else(|| invalid_argument(format!("{name} must be a non-negative safe integer")))
}

/// Reads an options object (or `undefined`) into `T`. Goes through a JSON
/// value so that `deny_unknown_fields` holds: a misspelt limit is an error,
/// not a limit silently left at its default. (The codec's own calls read
/// their few options by hand: see `js`.)
#[cfg(feature = "engineio")]
pub(crate) fn options<T: DeserializeOwned + Default>(value: JsValue) -> Result<T, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    // Through serde_json's Value: serde-wasm-bindgen alone reads only the
    // fields it knows, and unknown option names must be refused.
    let json: serde_json::Value =
        serde_wasm_bindgen::from_value(value).map_err(|e| invalid_argument(format!("options: {e}")))?;
    serde_json::from_value(json).map_err(|e| invalid_argument(format!("options: {e}")))
}

/// Converts a cold, rich value into a plain JS object.
#[cfg(feature = "engineio")]
pub(crate) fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    value
        .serialize(&serializer)
        .map_err(|e| invalid_argument(format!("cannot convert result: {e}")))
}

#[cfg(feature = "engineio")]
/// Converts increasing byte offsets of one string to UTF-16 indices in one
/// pass over it.
pub(crate) struct Utf16Cursor<'a> {
    text: &'a str,
    ascii: bool,
    byte: usize,
    unit: usize,
}

#[cfg(feature = "engineio")]
impl<'a> Utf16Cursor<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Utf16Cursor {
            text,
            ascii: text.is_ascii(),
            byte: 0,
            unit: 0,
        }
    }

    /// The UTF-16 index of byte `at` (not before the previous one asked).
    pub(crate) fn at(&mut self, at: usize) -> usize {
        if self.ascii {
            return at;
        }
        let at = at.min(self.text.len()).max(self.byte);
        self.unit += self.text[self.byte..at]
            .chars()
            .map(char::len_utf16)
            .sum::<usize>();
        self.byte = at;
        self.unit
    }
}

/// Little-endian writers for packed results.
pub(crate) fn put_u32(buf: &mut Vec<u8>, value: u32) {
    buf.extend_from_slice(&value.to_le_bytes());
}

pub(crate) fn put_u64(buf: &mut Vec<u8>, value: u64) {
    buf.extend_from_slice(&value.to_le_bytes());
}

pub(crate) fn patch_u32(buf: &mut [u8], at: usize, value: u32) {
    buf[at..at + 4].copy_from_slice(&value.to_le_bytes());
}
