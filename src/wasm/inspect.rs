use super::{invalid_argument, options, to_js};
use crate::inspect::{Direction, InspectDeflate, InspectOptions};
use serde::Deserialize;
use wasm_bindgen::prelude::*;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
struct Options {
    direction: Option<String>,
    allowed_rsv: Option<u8>,
    max_payload: Option<usize>,
    deflate: Option<DeflateJs>,
    max_inflated: Option<usize>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
struct DeflateJs {
    window_bits: Option<u8>,
    no_context_takeover: bool,
}

/// Decodes a stream of frames (one direction) for display: every frame with
/// each field's byte/bit span, raw bits, value and meaning; payloads
/// unmasked; fragments grouped into messages; diagnostics pointing at the
/// exact byte. Lenient: a bad frame is reported and decoding goes on.
/// Options: `direction` ("client" = sent by the client, "server", or
/// "unknown"), `allowedRsv` (bits 0b100 = RSV1 negotiated), `maxPayload`
/// (payload bytes copied out per frame and message, default 65536),
/// `deflate` (`{ windowBits, noContextTakeover }` as agreed for this
/// direction: compressed messages are inflated, context kept between them),
/// `maxInflated` (bytes one message may inflate to, default 64 MiB).
#[wasm_bindgen]
pub fn inspect(bytes: &[u8], opts: JsValue) -> Result<JsValue, JsValue> {
    let o: Options = options(opts)?;
    let defaults = InspectOptions::default();
    let direction = match o.direction.as_deref() {
        None | Some("unknown") => Direction::Unknown,
        Some("client") => Direction::Client,
        Some("server") => Direction::Server,
        Some(other) => return Err(invalid_argument(format!("direction {other:?}"))),
    };
    let result = crate::inspect::inspect(
        bytes,
        &InspectOptions {
            direction,
            allowed_rsv: o.allowed_rsv.unwrap_or(0),
            max_payload: o.max_payload.unwrap_or(defaults.max_payload),
            deflate: o.deflate.map(|d| InspectDeflate {
                window_bits: d.window_bits.unwrap_or(15).clamp(8, 15),
                no_context_takeover: d.no_context_takeover,
            }),
            max_inflated: o.max_inflated.unwrap_or(defaults.max_inflated),
        },
    );
    to_js(&result)
}
