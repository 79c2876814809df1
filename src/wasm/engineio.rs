use super::{invalid_argument, js_error, options, set, Utf16Cursor};
use crate::engineio::{
    self, DecodedPayload, Packet, PacketData, PacketType, PayloadLimits, StreamDecoder, Version,
};
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

fn version(v: u8) -> Result<Version, JsValue> {
    match v {
        3 => Ok(Version::V3),
        4 => Ok(Version::V4),
        other => Err(invalid_argument(format!("Engine.IO protocol {other} (3 or 4)"))),
    }
}

fn kind(name: &str) -> Result<PacketType, JsValue> {
    PacketType::from_name(name)
        .ok_or_else(|| invalid_argument(format!("unknown Engine.IO packet type {name:?}")))
}

/// `undefined`/`null` → no data, a string → text, a `Uint8Array` → binary.
fn data_from_js(data: &JsValue) -> Result<PacketData, JsValue> {
    if data.is_undefined() || data.is_null() {
        Ok(PacketData::Empty)
    } else if let Some(text) = data.as_string() {
        Ok(PacketData::Text(text))
    } else if let Some(bytes) = data.dyn_ref::<Uint8Array>() {
        Ok(PacketData::Binary(bytes.to_vec()))
    } else {
        Err(invalid_argument("packet data must be a string or a Uint8Array"))
    }
}

fn packet_from_js(value: &JsValue) -> Result<Packet, JsValue> {
    let name = Reflect::get(value, &"type".into())?
        .as_string()
        .ok_or_else(|| invalid_argument("packet type must be a string"))?;
    let data = Reflect::get(value, &"data".into())?;
    Ok(Packet {
        kind: kind(&name)?,
        data: data_from_js(&data)?,
    })
}

/// `{ type, data? }` as engine.io-parser returns packets; binary data as a
/// `Uint8Array` (the caller maps it to its binary type).
fn packet_to_js(packet: &Packet) -> JsValue {
    let object: JsValue = Object::new().into();
    set(&object, "type", JsValue::from_str(packet.kind.name()));
    match &packet.data {
        PacketData::Empty => {}
        PacketData::Text(text) => set(&object, "data", JsValue::from_str(text)),
        PacketData::Binary(bytes) => set(&object, "data", Uint8Array::from(&bytes[..]).into()),
    }
    object
}

fn payload_to_js(decoded: &DecodedPayload) -> JsValue {
    let packets: Array = decoded.packets.iter().map(packet_to_js).collect();
    let result: JsValue = Object::new().into();
    set(&result, "packets", packets.into());
    if let Some(e) = &decoded.error {
        set(&result, "error", js_error(e));
    }
    result
}

/// The text form of a packet: `<digit>[text]`, binary data as `b<base64>`
/// (protocol 4) or `b<digit><base64>` (protocol 3).
#[wasm_bindgen(js_name = eioEncodePacket)]
pub fn eio_encode_packet(type_name: &str, data: JsValue, protocol: u8) -> Result<String, JsValue> {
    let packet = Packet {
        kind: kind(type_name)?,
        data: data_from_js(&data)?,
    };
    Ok(engineio::encode_packet(&packet, version(protocol)?))
}

/// A binary packet as a WebSocket binary message: the bytes (protocol 4) or
/// a type byte and the bytes (protocol 3).
#[wasm_bindgen(js_name = eioEncodeBinaryMessage)]
pub fn eio_encode_binary_message(type_name: &str, data: &[u8], protocol: u8) -> Result<Vec<u8>, JsValue> {
    let packet = Packet::binary(kind(type_name)?, data);
    Ok(match engineio::encode_ws(&packet, version(protocol)?) {
        engineio::WsMessage::Binary(bytes) => bytes,
        engineio::WsMessage::Text(text) => text.into_bytes(),
    })
}

/// Decodes a packet received as text; throws a `WsframeError` when it is
/// malformed.
#[wasm_bindgen(js_name = eioDecodePacket)]
pub fn eio_decode_packet(text: &str, protocol: u8) -> Result<JsValue, JsValue> {
    engineio::decode_text(text, version(protocol)?)
        .map(|p| packet_to_js(&p))
        .map_err(|e| js_error(&e))
}

/// The names of the packet types, by number (`"open"` ... `"noop"`).
#[wasm_bindgen(js_name = eioPacketTypeNames)]
pub fn eio_packet_type_names() -> Array {
    PacketType::ALL
        .iter()
        .map(|t| JsValue::from_str(t.name()))
        .collect()
}

/// `eioPeekPacket` as a table by the packet's first UTF-16 unit (0-127):
/// the type number, or -1 where `eioPeekPacket` must be asked (base64
/// data, malformed packets). With `SEPARATOR`, what a caller holding the
/// text needs to split a payload and type its packets without copying them
/// into wasm.
#[wasm_bindgen(js_name = eioTextKinds)]
pub fn eio_text_kinds() -> Vec<i8> {
    engineio::text_kinds()
        .iter()
        .map(|kind| kind.map_or(-1, |k| k as i8))
        .collect()
}

/// The separator of packets in a protocol 4 text payload, as a string.
#[wasm_bindgen(js_name = eioSeparator)]
pub fn eio_separator() -> String {
    engineio::SEPARATOR.to_string()
}

/// What `eioPeekPacket` and `eioIndexPayload` report for binary data in base64.
const BASE64_PACKET: u32 = 7;
/// What `eioIndexPayload` appends when the payload has an error.
const PAYLOAD_ERROR: u32 = 255;

/// Checks a text packet without copying its data: its type number 0-6
/// (its data is the text after the type digit), 7 for binary data in
/// base64 (decode it with `eioDecodePacket`), -1 when it is malformed.
#[wasm_bindgen(js_name = eioPeekPacket)]
pub fn eio_peek_packet(text: &str, protocol: u8) -> Result<i32, JsValue> {
    Ok(match engineio::peek_text(text, version(protocol)?) {
        Ok(Some(kind)) => kind as i32,
        Ok(None) => BASE64_PACKET as i32,
        Err(_) => -1,
    })
}

/// Checks a text payload without copying its packets: for each packet its
/// type (as `eioPeekPacket`) and its start and end in UTF-16 units; after
/// the packets before an error, the triple `[255, 0, 0]`.
#[wasm_bindgen(js_name = eioIndexPayload)]
pub fn eio_index_payload(
    payload: &str,
    protocol: u8,
    max_bytes: f64,
    max_packets: f64,
) -> Result<Vec<u32>, JsValue> {
    let limits = PayloadLimits {
        max_bytes: max_bytes.clamp(0.0, usize::MAX as f64) as usize,
        max_packets: max_packets.clamp(0.0, usize::MAX as f64) as usize,
    };
    let (spans, error) = engineio::index_payload(payload, version(protocol)?, &limits);
    let mut out = Vec::with_capacity(spans.len() * 3 + 3);
    let mut units = Utf16Cursor::new(payload);
    for span in spans {
        out.push(span.kind.map_or(BASE64_PACKET, |k| k as u32));
        out.push(units.at(span.start) as u32);
        out.push(units.at(span.end) as u32);
    }
    if error.is_some() {
        out.extend([PAYLOAD_ERROR, 0, 0]);
    }
    Ok(out)
}

/// Decodes a packet received as a WebSocket binary message.
#[wasm_bindgen(js_name = eioDecodeBinaryMessage)]
pub fn eio_decode_binary_message(bytes: &[u8], protocol: u8) -> Result<JsValue, JsValue> {
    engineio::decode_binary(bytes, version(protocol)?)
        .map(|p| packet_to_js(&p))
        .map_err(|e| js_error(&e))
}

fn packets_from_js(packets: &Array) -> Result<Vec<Packet>, JsValue> {
    packets.iter().map(|p| packet_from_js(&p)).collect()
}

/// A text polling payload (`\x1e`-joined in protocol 4, length-prefixed in 3).
#[wasm_bindgen(js_name = eioEncodePayload)]
pub fn eio_encode_payload(packets: Array, protocol: u8) -> Result<String, JsValue> {
    Ok(engineio::encode_payload(
        &packets_from_js(&packets)?,
        version(protocol)?,
    ))
}

/// A protocol 3 polling payload in the form the client reads: a
/// `Uint8Array` (binary form) when `supportsBinary` and a packet carries
/// binary data, else a string.
#[wasm_bindgen(js_name = eioEncodePayloadV3)]
pub fn eio_encode_payload_v3(packets: Array, supports_binary: bool) -> Result<JsValue, JsValue> {
    Ok(
        match engineio::encode_payload_v3(&packets_from_js(&packets)?, supports_binary) {
            engineio::Payload::Text(text) => JsValue::from_str(&text),
            engineio::Payload::Binary(bytes) => Uint8Array::from(&bytes[..]).into(),
        },
    )
}

/// Protocol 3's binary polling payload.
#[wasm_bindgen(js_name = eioEncodePayloadBinary)]
pub fn eio_encode_payload_binary(packets: Array) -> Result<Vec<u8>, JsValue> {
    Ok(engineio::encode_payload_binary(&packets_from_js(&packets)?))
}

/// Decodes a text polling payload: `{ packets, error? }` (the packets before
/// the first error). Options: `maxBytes`, `maxPackets`.
#[wasm_bindgen(js_name = eioDecodePayload)]
pub fn eio_decode_payload(payload: &str, protocol: u8, opts: JsValue) -> Result<JsValue, JsValue> {
    let limits: PayloadLimits = options(opts)?;
    Ok(payload_to_js(&engineio::decode_payload(
        payload,
        version(protocol)?,
        &limits,
    )))
}

/// Decodes protocol 3's binary polling payload, as `eioDecodePayload`.
#[wasm_bindgen(js_name = eioDecodePayloadBinary)]
pub fn eio_decode_payload_binary(payload: &[u8], opts: JsValue) -> Result<JsValue, JsValue> {
    let limits: PayloadLimits = options(opts)?;
    Ok(payload_to_js(&engineio::decode_payload_binary(payload, &limits)))
}

/// The header of a packet in a length-prefixed stream (WebTransport).
#[wasm_bindgen(js_name = eioStreamHeader)]
pub fn eio_stream_header(len: f64, is_binary: bool) -> Result<Vec<u8>, JsValue> {
    if !(len >= 0.0 && len.fract() == 0.0 && len <= 9_007_199_254_740_991.0) {
        return Err(invalid_argument("length must be a non-negative integer"));
    }
    let (header, used) = engineio::stream_header(len as u64, is_binary);
    Ok(header[..used].to_vec())
}

/// Reads packets from a length-prefixed stream fed in any chunking.
#[wasm_bindgen(js_name = EioStreamDecoder)]
pub struct WasmStreamDecoder {
    inner: StreamDecoder,
}

#[wasm_bindgen(js_class = EioStreamDecoder)]
impl WasmStreamDecoder {
    /// `maxPayload`: the largest packet accepted.
    #[wasm_bindgen(constructor)]
    pub fn new(max_payload: f64) -> WasmStreamDecoder {
        WasmStreamDecoder {
            inner: StreamDecoder::new(max_payload.max(0.0) as u64),
        }
    }

    /// `{ packets, error? }` for the packets this chunk completes.
    pub fn push(&mut self, chunk: &[u8]) -> JsValue {
        payload_to_js(&self.inner.push(chunk))
    }
}
