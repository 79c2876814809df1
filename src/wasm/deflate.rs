use super::js::{deflate_params_js, Fields, Obj};
use super::{invalid_argument, js_error};
use crate::deflate::{self, DeflateOptions, DeflateParams, DeflateSettings};
#[cfg(feature = "deflate")]
use crate::deflate::{Decompressor, InflateFailure};
use crate::handshake::Extension;
use wasm_bindgen::prelude::*;

/// permessage-deflate as JS gives it: preferences for negotiation (see
/// `DeflateOptions`), or a connection's agreed params plus local settings;
/// both use the same names.
#[derive(Default)]
pub(crate) struct DeflateJs {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: Option<u8>,
    client_max_window_bits: Option<u8>,
    threshold: Option<usize>,
    level: Option<u8>,
    mem_level: Option<u8>,
}

impl DeflateJs {
    /// Reads the options object (`undefined` or `null`: all defaults).
    pub(crate) fn read(value: &JsValue) -> Result<DeflateJs, JsValue> {
        let o = Fields::options(
            value,
            "deflate options",
            &[
                "serverNoContextTakeover",
                "clientNoContextTakeover",
                "serverMaxWindowBits",
                "clientMaxWindowBits",
                "threshold",
                "level",
                "memLevel",
            ],
        )?;
        Ok(DeflateJs {
            server_no_context_takeover: o.bool("serverNoContextTakeover")?.unwrap_or(false),
            client_no_context_takeover: o.bool("clientNoContextTakeover")?.unwrap_or(false),
            server_max_window_bits: o.uint("serverMaxWindowBits")?,
            client_max_window_bits: o.uint("clientMaxWindowBits")?,
            threshold: o.uint("threshold")?,
            level: o.uint("level")?,
            mem_level: o.uint("memLevel")?,
        })
    }

    /// As negotiation preferences.
    pub(crate) fn to_options(&self) -> Result<DeflateOptions, JsValue> {
        if !deflate::AVAILABLE {
            return Err(invalid_argument(
                "this build of wsframe (the codec alone) has no permessage-deflate",
            ));
        }
        let d = DeflateOptions::default();
        let o = DeflateOptions {
            server_no_context_takeover: self.server_no_context_takeover,
            client_no_context_takeover: self.client_no_context_takeover,
            server_max_window_bits: self.server_max_window_bits,
            client_max_window_bits: self.client_max_window_bits,
            threshold: self.threshold.unwrap_or(d.threshold),
            level: self.level.unwrap_or(d.level),
            mem_level: self.mem_level.unwrap_or(d.mem_level),
        };
        o.validate().map_err(|e| js_error(&e))?;
        Ok(o)
    }

    /// As a connection's settings (windows not given are 15).
    pub(crate) fn to_settings(&self) -> Result<DeflateSettings, JsValue> {
        let o = self.to_options()?;
        let params = DeflateParams {
            server_no_context_takeover: o.server_no_context_takeover,
            client_no_context_takeover: o.client_no_context_takeover,
            server_max_window_bits: o.server_max_window_bits.unwrap_or(15),
            client_max_window_bits: o.client_max_window_bits.unwrap_or(15),
        };
        Ok(DeflateSettings::agreed(params, &o))
    }
}

fn extensions(value: JsValue) -> Result<Vec<Extension>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    super::js::extensions(&value)
        .ok_or_else(|| invalid_argument("extensions: must be an array of { name, params }"))
}

/// The `Sec-WebSocket-Extensions` value a client offers permessage-deflate
/// with (RFC 7692). Options: `serverNoContextTakeover`,
/// `clientNoContextTakeover`, `serverMaxWindowBits`, `clientMaxWindowBits`.
#[wasm_bindgen(js_name = deflateOffer)]
pub fn deflate_offer(opts: JsValue) -> Result<String, JsValue> {
    let o = DeflateJs::read(&opts)?;
    Ok(deflate::offer(&o.to_options()?).to_string())
}

/// Server side: picks the first acceptable permessage-deflate offer among a
/// request's `extensions`. Returns `{ response, params }` (answer with
/// `response`; give `params` to the Connection) or `null`. Invalid offers
/// are skipped (RFC 7692 §7.1). Options as for `deflateOffer`, from the
/// server's side (see the package README).
#[wasm_bindgen(js_name = negotiateDeflate)]
pub fn negotiate_deflate(offers: JsValue, opts: JsValue) -> Result<JsValue, JsValue> {
    let o = DeflateJs::read(&opts)?;
    match deflate::negotiate(&extensions(offers)?, &o.to_options()?) {
        None => Ok(JsValue::NULL),
        Some((response, params)) => Ok(Obj::new()
            .set("response", response.to_string())
            .set("params", deflate_params_js(&params))
            .done()),
    }
}

/// Client side: checks the extensions of the server's 101 against the offer
/// made with `options`. Returns the agreed params, or `null` if the server
/// did not take the extension; throws a WsframeError (`invalid_extensions`)
/// if its answer breaks the offer (RFC 7692 §7.1).
#[wasm_bindgen(js_name = acceptDeflateResponse)]
pub fn accept_deflate_response(response: JsValue, opts: JsValue) -> Result<JsValue, JsValue> {
    let o = DeflateJs::read(&opts)?;
    match deflate::accept_response(&extensions(response)?, &o.to_options()?).map_err(|e| js_error(&e))? {
        None => Ok(JsValue::NULL),
        Some(params) => Ok(deflate_params_js(&params)),
    }
}

/// Inflates permessage-deflate messages of one direction, keeping the
/// context between them unless `noContextTakeover` (for inspectors and
/// tools that have whole message payloads). Options: `windowBits` (default
/// 15), `noContextTakeover`, `maxOutput` (bytes per message, default 64 MiB).
#[cfg(feature = "deflate")]
#[wasm_bindgen(js_name = Inflater)]
pub struct WasmInflater {
    inner: Decompressor,
    max_output: usize,
}

#[cfg(feature = "deflate")]
#[wasm_bindgen(js_class = Inflater)]
impl WasmInflater {
    #[wasm_bindgen(constructor)]
    pub fn new(opts: JsValue) -> Result<WasmInflater, JsValue> {
        let o = Fields::options(
            &opts,
            "options",
            &["windowBits", "noContextTakeover", "maxOutput"],
        )?;
        let bits: u8 = o.uint("windowBits")?.unwrap_or(15);
        if !(8..=15).contains(&bits) {
            return Err(invalid_argument(format!("windowBits {bits}: must be 8 to 15")));
        }
        Ok(WasmInflater {
            inner: Decompressor::new(bits, o.bool("noContextTakeover")?.unwrap_or(false)),
            max_output: o.uint("maxOutput")?.unwrap_or(64 << 20),
        })
    }

    /// Inflates one message's payload (all its frames' payloads joined).
    /// Throws `message_too_big` or `invalid_compressed_data`.
    #[wasm_bindgen(js_name = inflateMessage)]
    pub fn inflate_message(&mut self, payload: &[u8]) -> Result<Vec<u8>, JsValue> {
        deflate::inflate_message(&mut self.inner, payload, self.max_output).map_err(|f| {
            let e = match f {
                InflateFailure::TooBig => crate::Error::new(
                    crate::ErrorKind::MessageTooBig,
                    format!("the message inflates to more than {} bytes", self.max_output),
                ),
                InflateFailure::Corrupt(why) => {
                    crate::Error::new(crate::ErrorKind::InvalidCompressedData, why)
                }
            };
            js_error(&e)
        })
    }
}
