use super::{invalid_argument, js_error, options, to_js, Utf16Cursor};
use crate::socketio::{self, DecodeOptions, Decoder, Packet, PacketType, ValueKind, MAX_ACK_ID};
use serde_json::Value;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

thread_local! {
    /// Where `sioScanHeader` writes; its address never changes.
    static HEADER: RefCell<[f64; 6]> = const { RefCell::new([0.0; 6]) };
    /// Where JS puts the start of a packet for `sioScanHeaderInput`.
    static HEADER_INPUT: RefCell<[u8; HEADER_INPUT_LEN]> = const { RefCell::new([0; HEADER_INPUT_LEN]) };
}

/// Bytes of a packet's start that `sioScanHeaderInput` reads.
const HEADER_INPUT_LEN: usize = 64;

/// The address and size of the buffer `sioScanHeaderInput` reads:
/// `[address, length]`.
#[wasm_bindgen(js_name = sioHeaderInput)]
pub fn sio_header_input() -> Vec<u32> {
    HEADER_INPUT.with(|h| vec![h.as_ptr() as u32, HEADER_INPUT_LEN as u32])
}

/// `sioScanHeader` on the first `len` bytes of the header input buffer,
/// which JS filled from the packet's text (so no string crosses).
#[wasm_bindgen(js_name = sioScanHeaderInput)]
pub fn sio_scan_header_input(len: usize, truncated: bool, max_attachments: u32) -> Result<bool, JsValue> {
    HEADER_INPUT.with(|h| {
        let input = h.borrow();
        let prefix = std::str::from_utf8(&input[..len.min(HEADER_INPUT_LEN)])
            .map_err(|_| invalid_argument("the header input is not UTF-8"))?;
        sio_scan_header(prefix, truncated, max_attachments)
    })
}

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

/// The start of a header, `<type>[<attachments>-][<nsp>,]`: the ack id's
/// digits and the JSON data follow it (`attachments` counts for the binary
/// types only).
#[wasm_bindgen(js_name = sioHeaderBeforeId)]
pub fn sio_header_before_id(kind: f64, nsp: &str, attachments: u32) -> Result<String, JsValue> {
    socketio::header_before_id(packet_type(kind)?, nsp, attachments as usize).map_err(|e| js_error(&e))
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
    /// binary types); `attachments` binary messages must follow. The data
    /// is the JSON from `dataStart` to the end, already checked. Throws a
    /// `WsframeError` on a malformed packet, or while another packet's
    /// attachments are awaited.
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

    /// A binary packet read by `sioScanHeader` (`type` as read, BINARY_EVENT
    /// or BINARY_ACK) whose data JS parsed and checked, its placeholders
    /// with `sioPlaceholderIndex`: awaits its `attachments`. Throws, as
    /// `addText` does, while another packet's attachments are awaited.
    #[wasm_bindgen(js_name = awaitAttachments)]
    pub fn await_attachments(&mut self, kind: f64, attachments: usize) -> Result<(), JsValue> {
        self.inner
            .await_attachments(packet_type(kind)?, attachments)
            .map_err(|e| js_error(&e))
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

/// For a decoder that parsed a binary packet's data itself: an object of
/// it, by its `_placeholder` member and its `num` (NaN when not a number),
/// is a placeholder for the attachment whose index this returns, not a
/// placeholder (-1), or one whose `num` names none of `count` (-2: throw
/// `sioIllegalPlaceholder`'s error). Numbers in, a number out: it runs for
/// every placeholder, and anything more costs a trip through the glue.
#[wasm_bindgen(js_name = sioPlaceholderIndex)]
pub fn sio_placeholder_index(marker: &JsValue, num: f64, count: usize) -> f64 {
    if !socketio::is_placeholder_marker(marker.as_bool()) {
        return -1.0;
    }
    socketio::attachment_index(Some(num).filter(|n| !n.is_nan()), count, &String::new)
        .map_or(-2.0, |i| i as f64)
}

/// The error for a placeholder whose `num` names none of `count`
/// attachments: a `WsframeError` (`socketio_invalid_attachment`,
/// socket.io-parser's "illegal attachments") saying what `num` was.
#[wasm_bindgen(js_name = sioIllegalPlaceholder)]
pub fn sio_illegal_placeholder(num: &JsValue, count: usize) -> JsValue {
    let shown = || {
        js_sys::JSON::stringify(num)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_else(|| "(missing)".to_string())
    };
    let message = match socketio::attachment_index(num.as_f64(), count, &shown) {
        Ok(_) => format!("placeholder num {} names an attachment", shown()),
        Err(message) => message,
    };
    js_error(&socketio::illegal_placeholder(message))
}

/// The address of the six numbers `sioScanHeader` writes.
#[wasm_bindgen(js_name = sioHeaderPtr)]
pub fn sio_header_ptr() -> usize {
    HEADER.with(|h| h.as_ptr() as usize)
}

/// Reads the header of a text packet from its start, `prefix` (`truncated`:
/// more of the text follows), for a decoder that parses the JSON itself and
/// hands over only the start of each packet. Writes `[type, attachments,
/// nspStart, nspEnd, id, dataStart]` (as `addText` returns them, but `type`
/// as read) at `sioHeaderPtr()` and returns true; false when the header may
/// run past `prefix` (call again with the whole text). Throws a
/// `WsframeError` on a malformed header. The data is not looked at: check
/// its shape with the table `sioShapeAllowed` gives.
#[wasm_bindgen(js_name = sioScanHeader)]
pub fn sio_scan_header(prefix: &str, truncated: bool, max_attachments: u32) -> Result<bool, JsValue> {
    let options = DecodeOptions {
        max_attachments: max_attachments as usize,
    };
    let Some(head) = socketio::scan_header(prefix, truncated, &options).map_err(|e| js_error(&e))? else {
        return Ok(false);
    };
    let mut units = Utf16Cursor::new(prefix);
    let (nsp_start, nsp_end) = head.nsp.map_or((-1.0, -1.0), |s| {
        (units.at(s.start) as f64, units.at(s.end) as f64)
    });
    let data_start = head.data.map_or(-1.0, |s| units.at(s.start) as f64);
    HEADER.with(|h| {
        *h.borrow_mut() = [
            f64::from(head.kind as u8),
            head.attachments as f64,
            nsp_start,
            nsp_end,
            head.id.map_or(-1.0, |id| id as f64),
            data_start,
        ]
    });
    Ok(true)
}

/// The kinds of JSON value the shape rules tell apart, by their codes in
/// `sioShapeAllowed` (the index here): "null", "boolean", "number",
/// "string", "array", "object".
#[wasm_bindgen(js_name = sioValueKinds)]
pub fn sio_value_kinds() -> Vec<String> {
    ValueKind::ALL
        .iter()
        .map(|kind| {
            match kind {
                ValueKind::Null => "null",
                ValueKind::Bool => "boolean",
                ValueKind::Number => "number",
                ValueKind::Str => "string",
                ValueKind::Array => "array",
                ValueKind::Object => "object",
            }
            .to_string()
        })
        .collect()
}

/// The event names an EVENT packet may not carry.
#[wasm_bindgen(js_name = sioReservedEvents)]
pub fn sio_reserved_events() -> Vec<String> {
    socketio::RESERVED_EVENTS.iter().map(|s| s.to_string()).collect()
}

/// Whether data of kind `data` (a `sioValueKinds` code) is what a packet
/// of type `kind` may carry; for an array, `first` is its first element's
/// code plus one (0: empty) and `firstReserved` whether that element is a
/// reserved event name. Small enough for a caller to tabulate once.
#[wasm_bindgen(js_name = sioShapeAllowed)]
pub fn sio_shape_allowed(kind: f64, data: u8, first: u8, first_reserved: bool) -> Result<bool, JsValue> {
    let kind = packet_type(kind)?;
    let value_kind = |code: u8| {
        ValueKind::ALL
            .get(usize::from(code))
            .copied()
            .ok_or_else(|| invalid_argument(format!("unknown value kind {code}")))
    };
    let data = value_kind(data)?;
    let first = match first {
        0 => None,
        code => Some(value_kind(code - 1)?),
    };
    Ok(socketio::shape_problem_of(kind, data, first, first_reserved).is_none())
}

/// Parses a packet leniently for display: every part with its byte span,
/// every problem as `{ code, message, offset }`.
#[wasm_bindgen(js_name = sioInspect)]
pub fn sio_inspect(text: &str, opts: JsValue) -> Result<JsValue, JsValue> {
    let options: DecodeOptions = options(opts)?;
    to_js(&socketio::inspect(text, &options))
}
