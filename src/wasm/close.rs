use super::js::{number_text, Obj};
use super::js_error;
use wasm_bindgen::prelude::*;

fn code_from(value: f64) -> Option<u16> {
    (value.fract() == 0.0 && (0.0..=65535.0).contains(&value)).then_some(value as u16)
}

/// True if `code` may be sent in a close frame: 1000-1003, 1007-1014 and
/// 3000-4999 (RFC 6455 §7.4 and the IANA registry).
#[wasm_bindgen(js_name = isValidCloseCode)]
pub fn is_valid_close_code(code: f64) -> bool {
    code_from(code).is_some_and(crate::close::is_valid_code)
}

/// The registry name of a close code, e.g. "Normal Closure".
#[wasm_bindgen(js_name = closeCodeName)]
pub fn close_code_name(code: f64) -> String {
    code_from(code)
        .map_or("Unused", crate::close::code_name)
        .to_string()
}

/// Parses a close frame's payload into `{ code, reason }` (code 1005 when
/// empty). Throws a `WsframeError` for a 1-byte payload, an invalid code or a
/// reason that is not UTF-8.
#[wasm_bindgen(js_name = parseClosePayload)]
pub fn parse_close_payload(payload: &[u8]) -> Result<JsValue, JsValue> {
    let close = crate::close::parse_close_payload(payload).map_err(|e| js_error(&e))?;
    Ok(Obj::new()
        .set("code", close.code.unwrap_or(crate::close::NO_STATUS))
        .set("reason", close.reason)
        .done())
}

/// Encodes a close frame's payload. `code` 1005 (or undefined) means no
/// status; the reason (its UTF-8 bytes) is at most 123 bytes.
#[wasm_bindgen(js_name = encodeClosePayload)]
pub fn encode_close_payload(code: Option<f64>, reason: &[u8]) -> Result<Vec<u8>, JsValue> {
    let code = match code {
        None => None,
        Some(c) if c == f64::from(crate::close::NO_STATUS) => None,
        Some(c) => Some(
            code_from(c).ok_or_else(|| super::invalid_argument(format!("close code {}", number_text(c))))?,
        ),
    };
    let mut out = Vec::new();
    crate::close::encode_close_payload(&mut out, code, reason).map_err(|e| js_error(&e))?;
    Ok(out)
}
