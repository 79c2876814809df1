use super::{invalid_argument, js_error, options, to_js, Utf16Cursor};
use crate::socketio::{self, DecodeOptions, Decoder, Packet, PacketType, MAX_ACK_ID};
use serde_json::Value;
use wasm_bindgen::prelude::*;

fn packet_type(kind: f64) -> Result<PacketType, JsValue> {
    (kind >= 0.0 && kind.fract() == 0.0 && kind < 256.0)
        .then(|| PacketType::from_number(kind as u8))
        .flatten()
        .ok_or_else(|| invalid_argument(format!("unknown Socket.IO packet type {kind}")))
}

/// An ack id from JS: `undefined`/`null`, or an integer up to 2^53 - 1.
fn ack_id(id: &JsValue) -> Result<Option<u64>, JsValue> {
    if id.is_undefined() || id.is_null() {
        return Ok(None);
    }
    match id.as_f64() {
        Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= MAX_ACK_ID as f64 => Ok(Some(n as u64)),
        _ => Err(invalid_argument("an ack id is a non-negative integer")),
    }
}

fn json(text: &str) -> Result<Value, JsValue> {
    serde_json::from_str(text).map_err(|e| invalid_argument(format!("packet data is not JSON: {e}")))
}

/// Writes a Socket.IO packet: `<type>[<attachments>-][<nsp>,][<id>][json]`.
/// `dataJson` is the data already serialised (placeholders in place);
/// `attachments` is required for the binary types.
#[wasm_bindgen(js_name = sioEncode)]
pub fn sio_encode(
    kind: f64,
    nsp: Option<String>,
    id: JsValue,
    data_json: Option<String>,
    attachments: Option<u32>,
) -> Result<String, JsValue> {
    let kind = packet_type(kind)?;
    let mut packet = Packet::new(kind, nsp.unwrap_or_else(|| "/".into())).with_id(ack_id(&id)?);
    if let Some(text) = data_json {
        packet.data = Some(json(&text)?);
    }
    if kind.is_binary() {
        packet.attachments = attachments
            .ok_or_else(|| invalid_argument("a binary packet needs its attachment count"))?
            as usize;
    }
    socketio::encode(&packet).map_err(|e| js_error(&e))
}

/// The header of a packet, `<type>[<attachments>-][<nsp>,][<id>]`: its
/// JSON data, when it has some, follows it directly.
#[wasm_bindgen(js_name = sioEncodeHeader)]
pub fn sio_encode_header(
    kind: f64,
    nsp: Option<String>,
    id: JsValue,
    attachments: Option<u32>,
) -> Result<String, JsValue> {
    sio_encode(kind, nsp, id, None, attachments)
}

/// socket.io-parser's `isPacketValid` on a packet whose data JS serialised:
/// the namespace is a string, the id an integer, the data fits the type.
#[wasm_bindgen(js_name = sioIsPacketValid)]
pub fn sio_is_packet_valid(kind: f64, nsp_is_string: bool, id: JsValue, data_json: Option<String>) -> bool {
    let Ok(kind) = packet_type(kind) else {
        return false;
    };
    // socket.io-parser accepts an absent id, not a null one.
    if !nsp_is_string || id.is_null() || ack_id(&id).is_err() || kind.is_binary() {
        return false;
    }
    let data = match data_json.as_deref().map(serde_json::from_str::<Value>) {
        None => None,
        Some(Ok(v)) => Some(v),
        Some(Err(_)) => return false,
    };
    // The same rules the decoder applies, with "no data" allowed where
    // socket.io-parser allows it (CONNECT, DISCONNECT).
    match (kind, &data) {
        (PacketType::Connect | PacketType::Disconnect, None) => true,
        (_, None) => false,
        (_, Some(value)) => {
            let mut text = kind_digit(kind);
            text.push_str(&value.to_string());
            socketio::decode(&text, &DecodeOptions::default()).is_ok()
        }
    }
}

fn kind_digit(kind: PacketType) -> String {
    char::from(b'0' + kind as u8).to_string()
}

/// The stateful part of socket.io-parser's `Decoder`, without the bytes:
/// JS keeps the attachments and places them where the placeholders say.
#[wasm_bindgen(js_name = SioDecoderCore)]
pub struct WasmSioDecoder {
    inner: Decoder<()>,
}

#[wasm_bindgen(js_class = SioDecoderCore)]
impl WasmSioDecoder {
    /// Options: `maxAttachments` (default 10).
    #[wasm_bindgen(constructor)]
    pub fn new(opts: JsValue) -> Result<WasmSioDecoder, JsValue> {
        let options: DecodeOptions = options(opts)?;
        Ok(WasmSioDecoder {
            inner: Decoder::new(options),
        })
    }

    /// A text message, decoded without copying its parts out: `[type,
    /// attachments, nspStart, nspEnd, id, dataStart]` with positions in
    /// UTF-16 units of `text` (-1 when absent: the namespace is then "/").
    /// `type` is what the packet is once complete (EVENT or ACK for the
    /// binary types); `attachments` binary messages must follow, placed as
    /// `placeholders()` says. The data is the JSON from `dataStart` to the
    /// end, already checked. Throws a `WsframeError` on a malformed packet.
    #[wasm_bindgen(js_name = addText)]
    pub fn add_text(&mut self, text: &str) -> Result<Vec<f64>, JsValue> {
        let (head, _) = self.inner.push_text_head(text).map_err(|e| js_error(&e))?;
        let final_kind = match head.kind {
            PacketType::BinaryEvent => PacketType::Event,
            PacketType::BinaryAck => PacketType::Ack,
            other => other,
        };
        let mut units = Utf16Cursor::new(text);
        let (nsp_start, nsp_end) = head.nsp.map_or((-1.0, -1.0), |s| {
            (units.at(s.start) as f64, units.at(s.end) as f64)
        });
        let data_start = head.data.map_or(-1.0, |s| units.at(s.start) as f64);
        Ok(vec![
            f64::from(final_kind as u8),
            head.attachments as f64,
            nsp_start,
            nsp_end,
            head.id.map_or(-1.0, |id| id as f64),
            data_start,
        ])
    }

    /// Where the awaited attachments go: `[{ path, num }]`.
    pub fn placeholders(&self) -> Result<JsValue, JsValue> {
        let found = self
            .inner
            .pending()
            .and_then(|p| p.data.as_ref())
            .map(socketio::placeholders)
            .unwrap_or_default();
        to_js(&found)
    }

    /// A binary message: true when it completes the packet. Throws when no
    /// binary packet awaits attachments.
    #[wasm_bindgen(js_name = addBinary)]
    pub fn add_binary(&mut self) -> Result<bool, JsValue> {
        self.inner
            .push_binary(())
            .map(|done| done.is_some())
            .map_err(|e| js_error(&e))
    }

    /// True while attachments are awaited.
    #[wasm_bindgen(getter)]
    pub fn reconstructing(&self) -> bool {
        self.inner.is_reconstructing()
    }

    /// Forgets a packet whose attachments were awaited.
    pub fn reset(&mut self) {
        self.inner.reset();
    }
}

/// Parses a packet leniently for display: every part with its byte span,
/// every problem as `{ code, message, offset }`.
#[wasm_bindgen(js_name = sioInspect)]
pub fn sio_inspect(text: &str, opts: JsValue) -> Result<JsValue, JsValue> {
    let options: DecodeOptions = options(opts)?;
    to_js(&socketio::inspect(text, &options))
}
