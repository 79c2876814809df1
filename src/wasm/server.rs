use super::{invalid_argument, js_error, js_length, options, patch_u32, put_u32};
use crate::error::{Error, ErrorKind};
use crate::layout::emit::{NO_COMPRESS, VOLATILE};
use crate::server::{
    Congestion, Decoded, DecodedPacket, EmitFlags, Identity, Output, PacketCodec, Server, ServerConfig,
};
use crate::socketio;
use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::engineio::PacketData;
use crate::http::Request;
use crate::layout::server::{
    ACK, ATTACHMENT, CONNECT, DECODED, DISCONNECT, DRAIN, END, EVENT, MESSAGE, PACKET, PACKET_BINARY,
    PACKET_UNCOMPRESSED, REFUSED, RESPOND, SESSION_CLOSE, SESSION_OPEN, UPGRADE, WRITE, WRITE_SHARED,
};
use js_sys::Uint32Array;

/// An Engine.IO message from JS: a string (text) or a Uint8Array (binary).
fn message_from_js(data: &JsValue) -> Result<PacketData, JsValue> {
    match data.as_string() {
        Some(text) => Ok(PacketData::Text(text)),
        None => match data.dyn_ref::<Uint8Array>() {
            Some(bytes) => Ok(PacketData::Binary(bytes.to_vec())),
            None => Err(invalid_argument("a message is a string or a Uint8Array")),
        },
    }
}

/// Engine.IO messages from JS: an array of strings and Uint8Arrays.
fn messages_from_js(list: &JsValue) -> Result<Vec<PacketData>, JsValue> {
    let list = list
        .dyn_ref::<Array>()
        .ok_or_else(|| invalid_argument("encoded packets are an array of strings and Uint8Arrays"))?;
    list.iter().map(|item| message_from_js(&item)).collect()
}

/// The application's Socket.IO parser (socket.io's `parser` option), as
/// JS gives it: `encode(type, nsp, id | undefined, dataJson | undefined)`
/// returns the Engine.IO messages of a packet the server sends of its own;
/// `decode(sid, data)` feeds a message to the session's decoder and returns
/// the packets it completed as `[type, nsp, id | undefined, token]` arrays,
/// or a number: the token of the error that made it undecodable;
/// `closed(sid)` lets the session's decoder go.
struct JsPacketCodec {
    encode: js_sys::Function,
    decode: js_sys::Function,
    closed: js_sys::Function,
}

/// The token of an answer from `decode` that is neither packets nor an error.
const NO_TOKEN: u32 = u32::MAX;

impl JsPacketCodec {
    fn from_js(codec: &JsValue) -> Result<Self, JsValue> {
        let method = |name: &str| {
            js_sys::Reflect::get(codec, &JsValue::from_str(name))
                .ok()
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
                .ok_or_else(|| invalid_argument(format!("a packet codec has an {name} function")))
        };
        Ok(JsPacketCodec {
            encode: method("encode")?,
            decode: method("decode")?,
            closed: method("closed")?,
        })
    }
}

/// One `[type, nsp, id, token]` from `decode`.
fn decoded_packet(entry: &JsValue) -> Option<DecodedPacket> {
    let entry = entry.dyn_ref::<Array>()?;
    let kind = u8::try_from(super::whole_number(entry.get(0).as_f64()?)?).ok()?;
    let kind = socketio::PacketType::from_number(kind)?;
    let nsp = entry.get(1).as_string()?;
    let id = match entry.get(2) {
        id if id.is_undefined() || id.is_null() => None,
        id => Some(super::whole_number(id.as_f64()?)?),
    };
    let token = token_from(entry.get(3).as_f64()?)?;
    Some(DecodedPacket { kind, nsp, id, token })
}

/// A token from JS: a whole number below `NO_TOKEN`.
fn token_from(n: f64) -> Option<u32> {
    super::whole_number(n)
        .and_then(|n| u32::try_from(n).ok())
        .filter(|&token| token != NO_TOKEN)
}

impl PacketCodec for JsPacketCodec {
    fn encode(&mut self, packet: &socketio::Packet) -> crate::error::Result<Vec<PacketData>> {
        let id = packet
            .id
            .map_or(JsValue::UNDEFINED, |id| JsValue::from_f64(id as f64));
        let data = packet
            .data
            .as_ref()
            .map_or(JsValue::UNDEFINED, |data| JsValue::from_str(&data.to_string()));
        let failed = || {
            Error::new(
                ErrorKind::InvalidArgument,
                "the parser's Encoder failed to encode a packet",
            )
        };
        let encoded = self
            .encode
            .call4(
                &JsValue::NULL,
                &JsValue::from(packet.kind as u8),
                &JsValue::from_str(&packet.nsp),
                &id,
                &data,
            )
            .map_err(|_| failed())?;
        messages_from_js(&encoded).map_err(|_| failed())
    }

    fn decode(&mut self, sid: &str, data: PacketData) -> Decoded {
        let data = match data {
            PacketData::Text(text) => JsValue::from_str(&text),
            PacketData::Empty => JsValue::from_str(""),
            PacketData::Binary(bytes) => Uint8Array::from(&bytes[..]).into(),
        };
        let Ok(answer) = self.decode.call2(&JsValue::NULL, &JsValue::from_str(sid), &data) else {
            return Decoded::Invalid { token: NO_TOKEN };
        };
        if let Some(token) = answer.as_f64() {
            return Decoded::Invalid {
                token: token_from(token).unwrap_or(NO_TOKEN),
            };
        }
        let Some(entries) = answer.dyn_ref::<Array>() else {
            return Decoded::Invalid { token: NO_TOKEN };
        };
        let packets: Option<Vec<DecodedPacket>> =
            entries.iter().map(|entry| decoded_packet(&entry)).collect();
        packets.map_or(Decoded::Invalid { token: NO_TOKEN }, Decoded::Packets)
    }

    fn session_closed(&mut self, sid: &str) {
        // The application's `closed` has nothing to report back; if it
        // throws, the session is gone all the same.
        let _ = self.closed.call1(&JsValue::NULL, &JsValue::from_str(sid));
    }
}

fn emit_flags(flags: u32) -> EmitFlags {
    EmitFlags {
        volatile: flags & VOLATILE != 0,
        compress: flags & NO_COMPRESS == 0,
    }
}

fn millis(now: f64) -> u64 {
    if now.is_finite() && now > 0.0 {
        now as u64
    } else {
        0
    }
}

fn record(out: &mut Vec<u8>, kind: u8, id: u32, payload: &[u8]) {
    record_with(out, kind, id, |out| out.extend_from_slice(payload));
}

/// A record whose payload `write` appends in place (its length filled in after).
fn record_with(out: &mut Vec<u8>, kind: u8, id: u32, write: impl FnOnce(&mut Vec<u8>)) {
    out.push(kind);
    put_u32(out, id);
    let length_at = out.len();
    put_u32(out, 0);
    write(out);
    let length = out.len() - length_at - 4;
    patch_u32(out, length_at, length as u32);
}

fn json_string(s: &str) -> String {
    // Serialising a string cannot fail.
    serde_json::to_string(s).unwrap_or_default()
}

/// Where the attachments go in `args_json`, as JSON `[{ path, num }]`.
fn placeholders_json(args_json: &str) -> String {
    let found = serde_json::from_str(args_json)
        .map(|args| crate::socketio::placeholders(&args))
        .unwrap_or_default();
    serde_json::to_string(&found).unwrap_or_else(|_| "[]".into())
}

/// A request as Node's `http` read it: `rawHeaders` is its flat
/// `[name, value, …]` list.
fn request_from_js(
    method: String,
    url: String,
    raw_headers: &Array,
    body: Vec<u8>,
) -> Result<Request, JsValue> {
    let mut headers = Vec::with_capacity(raw_headers.length() as usize / 2);
    let mut items = raw_headers.iter();
    while let (Some(name), Some(value)) = (items.next(), items.next()) {
        match (name.as_string(), value.as_string()) {
            (Some(name), Some(value)) => headers.push((name, value)),
            _ => return Err(invalid_argument("rawHeaders holds strings")),
        }
    }
    Ok(Request {
        method,
        target: url,
        http_minor: 1,
        headers,
        body,
    })
}

fn attachments_from_js(list: &Array) -> Result<Vec<Vec<u8>>, JsValue> {
    list.iter()
        .map(|item| {
            item.dyn_ref::<Uint8Array>()
                .map(Uint8Array::to_vec)
                .ok_or_else(|| invalid_argument("attachments must be Uint8Arrays"))
        })
        .collect()
}

/// Output buffers up to this capacity are kept between calls.
const PACKED_KEEP: usize = 256 * 1024;

/// Packs the server's output as records `[kind u8][id u32][length
/// u32][payload]` (see `RawServer.takeOutputPacked`).
fn pack_output(out: &mut Vec<u8>, outputs: Vec<Output>) {
    for output in outputs {
        match output {
            Output::Write { conn, bytes } => record(out, WRITE, conn, &bytes),
            Output::End { conn } => record(out, END, conn, &[]),
            Output::WriteShared { conns, bytes } => {
                record_with(out, WRITE_SHARED, conns.len() as u32, |body| {
                    for conn in &conns {
                        put_u32(body, *conn);
                    }
                    body.extend_from_slice(&bytes);
                });
            }
            Output::Respond {
                conn,
                status,
                headers,
                body,
                compress,
            } => {
                let lines: String = headers.iter().map(|(n, v)| format!("{n}: {v}\r\n")).collect();
                record_with(out, RESPOND, conn, |payload| {
                    payload.extend_from_slice(&status.to_le_bytes());
                    payload.push(u8::from(compress));
                    put_u32(payload, lines.len() as u32);
                    payload.extend_from_slice(lines.as_bytes());
                    payload.extend_from_slice(&body);
                });
            }
            Output::SessionOpen {
                conn,
                sid,
                version,
                transport,
                socketio,
            } => {
                let meta = format!(
                    r#"{{"conn":{conn},"sid":{},"protocol":{version},"transport":"{transport}","socketio":{socketio}}}"#,
                    json_string(&sid)
                );
                record(out, SESSION_OPEN, 0, meta.as_bytes());
            }
            Output::Message { sid, data } => {
                let (binary, bytes): (u8, &[u8]) = match &data {
                    PacketData::Binary(bytes) => (1, bytes),
                    PacketData::Text(text) => (0, text.as_bytes()),
                    PacketData::Empty => (0, &[]),
                };
                record_with(out, MESSAGE, 0, |body| {
                    body.push(binary);
                    put_u32(body, sid.len() as u32);
                    body.extend_from_slice(sid.as_bytes());
                    body.extend_from_slice(bytes);
                });
            }
            Output::Upgrade { sid } => record(
                out,
                UPGRADE,
                0,
                format!(r#"{{"sid":{}}}"#, json_string(&sid)).as_bytes(),
            ),
            Output::SessionClose { sid, reason } => {
                let meta = format!(r#"{{"sid":{},"reason":"{reason}"}}"#, json_string(&sid));
                record(out, SESSION_CLOSE, 0, meta.as_bytes());
            }
            Output::Connect {
                socket,
                sid,
                id,
                nsp,
                auth_json,
            } => {
                let meta = format!(
                    r#"{{"sid":{},"id":{},"nsp":{},"authJson":{}}}"#,
                    json_string(&sid),
                    json_string(&id),
                    json_string(&nsp),
                    json_string(&auth_json)
                );
                record(out, CONNECT, socket, meta.as_bytes());
            }
            Output::Event {
                socket,
                name_json,
                args_json,
                attachments,
                ack,
            } => {
                // The name and arguments as they are (no JSON around
                // JSON), then the ack id and where attachments go.
                record_with(out, EVENT, socket, |body| {
                    put_u32(body, name_json.len() as u32);
                    body.extend_from_slice(name_json.as_bytes());
                    put_u32(body, args_json.len() as u32);
                    body.extend_from_slice(args_json.as_bytes());
                    body.extend_from_slice(&ack.map_or(-1.0, |a| a as f64).to_le_bytes());
                    if !attachments.is_empty() {
                        body.extend_from_slice(placeholders_json(&args_json).as_bytes());
                    }
                });
                for bytes in &attachments {
                    record(out, ATTACHMENT, socket, bytes);
                }
            }
            Output::Ack {
                socket,
                id,
                args_json,
                attachments,
            } => {
                let meta = format!(
                    r#"{{"id":{id},"argsJson":{},"attachments":{},"placeholders":{}}}"#,
                    json_string(&args_json),
                    attachments.len(),
                    placeholders_json(&args_json)
                );
                record(out, ACK, socket, meta.as_bytes());
                for bytes in &attachments {
                    record(out, ATTACHMENT, socket, bytes);
                }
            }
            Output::Disconnect { socket, reason } => record(
                out,
                DISCONNECT,
                socket,
                format!(r#"{{"reason":"{reason}"}}"#).as_bytes(),
            ),
            Output::Packet {
                sid,
                received,
                heartbeat,
                compress,
                packet,
            } => {
                let direction = u32::from(received) + u32::from(heartbeat);
                let binary = matches!(packet.data, PacketData::Binary(_));
                let flags =
                    if binary { PACKET_BINARY } else { 0 } | if compress { 0 } else { PACKET_UNCOMPRESSED };
                record_with(out, PACKET, direction, |body| {
                    body.push(packet.kind as u8);
                    body.push(flags);
                    put_u32(body, sid.len() as u32);
                    body.extend_from_slice(sid.as_bytes());
                    match &packet.data {
                        PacketData::Empty => {}
                        PacketData::Text(text) => body.extend_from_slice(text.as_bytes()),
                        PacketData::Binary(bytes) => body.extend_from_slice(bytes),
                    }
                });
            }
            Output::Drain { sid } => record(out, DRAIN, 0, sid.as_bytes()),
            Output::Refused { conn, code, name } => record_with(out, REFUSED, conn, |body| {
                body.push(code);
                body.extend_from_slice(name.as_bytes());
            }),
            Output::Decoded { token, socket } => {
                record(out, DECODED, token, &socket.unwrap_or(0).to_le_bytes())
            }
        }
    }
}

/// The Engine.IO + Socket.IO server core (see the Rust `server` module):
/// JS owns the sockets and one timer and carries out the packed output.
#[wasm_bindgen(js_name = RawServer)]
pub struct WasmServer {
    inner: Server,
    /// The records of the last `takeOutputPacked`.
    packed: Vec<u8>,
}

#[wasm_bindgen(js_class = RawServer)]
impl WasmServer {
    /// Options: `pingInterval`, `pingTimeout`, `maxPayload`, `maxPackets`,
    /// `connectTimeout`, `upgradeTimeout`, `enginePath`, `socketioPath`,
    /// `namespaces`, `maxAttachments`, `allowEio3`, `corsOrigin`,
    /// `perMessageDeflate` (`negotiateDeflate`'s options, or null: off).
    #[wasm_bindgen(constructor)]
    pub fn new(opts: JsValue) -> Result<WasmServer, JsValue> {
        let config: ServerConfig = options(opts)?;
        if let Some(deflate) = &config.per_message_deflate {
            deflate.validate().map_err(|e| js_error(&e))?;
        }
        Ok(WasmServer {
            inner: Server::new(config),
            packed: Vec::new(),
        })
    }

    /// Bytes received on connection `conn` at time `now` (ms).
    pub fn receive(&mut self, conn: u32, data: &[u8], now: f64) {
        self.inner.receive(conn, data, millis(now));
    }

    /// Connection `conn` is closed.
    pub fn closed(&mut self, conn: u32, now: f64) {
        self.inner.closed(conn, millis(now));
    }

    /// Runs the timers due at `now`.
    pub fn tick(&mut self, now: f64) {
        self.inner.tick(millis(now));
    }

    /// When to call `tick` next (ms), or -1 when nothing is scheduled.
    #[wasm_bindgen(js_name = nextDeadline)]
    pub fn next_deadline(&self) -> f64 {
        self.inner.next_deadline().map_or(-1.0, |at| at as f64)
    }

    #[wasm_bindgen(getter, js_name = sessionCount)]
    pub fn session_count(&self) -> u32 {
        self.inner.session_count() as u32
    }

    /// Everything to do since the last call, packed as records
    /// `[kind u8][id u32][length u32][payload]` (little endian): 1 write
    /// (conn, bytes), 2 end (conn), 3 session open, 4 upgrade, 5 session
    /// close (JSON), 6 connect, 7 event (socket; u32 name length, the name's
    /// JSON, u32 arguments length, their JSON, f64 ack id or -1, then the
    /// placeholders' JSON when attachments follow), 8 ack, 9 disconnect (socket, JSON),
    /// 10 attachment (socket, bytes; after its event or ack). Returns their
    /// length; they are at `outputPtr()`.
    #[wasm_bindgen(js_name = takeOutputPacked)]
    pub fn take_output_packed(&mut self) -> usize {
        // One buffer for every call: no allocation per call, and JS copies
        // the records into pooled memory instead of a fresh ArrayBuffer.
        // One that grew large is let go.
        if self.packed.capacity() > PACKED_KEEP {
            self.packed = Vec::new();
        }
        self.packed.clear();
        pack_output(&mut self.packed, self.inner.take_output());
        self.packed.len()
    }

    /// Where `takeOutputPacked` put its records (valid until the next call).
    #[wasm_bindgen(js_name = outputPtr)]
    pub fn output_ptr(&self) -> usize {
        self.packed.as_ptr() as usize
    }

    /// Sends an event; with `ackId` (the namespace's next, from the
    /// application) the client is asked to answer with that id. `flags`:
    /// layout's EMIT_NO_COMPRESS.
    #[allow(clippy::too_many_arguments)]
    pub fn emit(
        &mut self,
        socket: u32,
        name_json: &str,
        args_json: &str,
        attachments: Array,
        ack_id: Option<f64>,
        flags: u32,
        now: f64,
    ) -> Result<(), JsValue> {
        let attachments = attachments_from_js(&attachments)?;
        let ack_id = ack_id.map(|id| js_length(id, "an ack id")).transpose()?;
        let compress = emit_flags(flags).compress;
        self.inner
            .emit(
                socket,
                name_json,
                args_json,
                &attachments,
                ack_id,
                compress,
                millis(now),
            )
            .map_err(|e| js_error(&e))
    }

    /// Socket.IO packets in the application's own wire format (socket.io's
    /// `parser`): `codec` is `{ encode, decode, closed }` (see
    /// `JsPacketCodec`); decoded packets come back as decoded records.
    /// `null`: socket.io-parser's format.
    #[wasm_bindgen(js_name = setPacketCodec)]
    pub fn set_packet_codec(&mut self, codec: JsValue) -> Result<(), JsValue> {
        let codec = if codec.is_null() || codec.is_undefined() {
            None
        } else {
            Some(Box::new(JsPacketCodec::from_js(&codec)?) as Box<dyn PacketCodec>)
        };
        self.inner.set_packet_codec(codec);
        Ok(())
    }

    /// An event the application encoded (`messages`: strings and
    /// Uint8Arrays), as `emit`.
    #[wasm_bindgen(js_name = emitEncoded)]
    pub fn emit_encoded(
        &mut self,
        socket: u32,
        messages: JsValue,
        ack_id: Option<f64>,
        flags: u32,
        now: f64,
    ) -> Result<(), JsValue> {
        let messages = messages_from_js(&messages)?;
        let ack_id = ack_id.map(|id| js_length(id, "an ack id")).transpose()?;
        self.inner
            .emit_encoded(socket, messages, ack_id, emit_flags(flags).compress, millis(now))
            .map_err(|e| js_error(&e))
    }

    /// An ack the application encoded, as `ack`.
    #[wasm_bindgen(js_name = ackEncoded)]
    pub fn ack_encoded(&mut self, socket: u32, messages: JsValue, now: f64) -> Result<(), JsValue> {
        let messages = messages_from_js(&messages)?;
        self.inner
            .ack_encoded(socket, messages, millis(now))
            .map_err(|e| js_error(&e))
    }

    /// An event the application encoded, as `broadcast`.
    #[allow(clippy::too_many_arguments)]
    #[wasm_bindgen(js_name = broadcastEncoded)]
    pub fn broadcast_encoded(
        &mut self,
        nsp: &str,
        rooms: Uint32Array,
        except: Uint32Array,
        messages: JsValue,
        flags: u32,
        ack_id: Option<f64>,
        now: f64,
    ) -> Result<u32, JsValue> {
        let messages = messages_from_js(&messages)?;
        let ack_id = ack_id.map(|id| js_length(id, "an ack id")).transpose()?;
        Ok(self.inner.broadcast_encoded(
            nsp,
            &rooms.to_vec(),
            &except.to_vec(),
            messages,
            emit_flags(flags),
            ack_id,
            millis(now),
        ))
    }

    /// Answers the event that carried ack id `id`.
    pub fn ack(
        &mut self,
        socket: u32,
        id: f64,
        args_json: &str,
        attachments: Array,
        now: f64,
    ) -> Result<(), JsValue> {
        let attachments = attachments_from_js(&attachments)?;
        let id = js_length(id, "an ack id")?;
        self.inner
            .ack(socket, id, args_json, &attachments, millis(now))
            .map_err(|e| js_error(&e))
    }

    /// A request Node's `http` read (`rawHeaders` as Node gives them);
    /// answered by a respond record for `conn`. `sid`: the session id a
    /// handshake opens, when the application chose it.
    #[allow(clippy::too_many_arguments)]
    #[wasm_bindgen(js_name = httpRequest)]
    pub fn http_request(
        &mut self,
        conn: u32,
        method: String,
        url: String,
        raw_headers: Array,
        body: Vec<u8>,
        now: f64,
        sid: Option<String>,
    ) -> Result<(), JsValue> {
        let request = request_from_js(method, url, &raw_headers, body)?;
        self.inner.http_request_as(conn, request, sid, millis(now));
        Ok(())
    }

    /// An upgrade request Node's `http` read; `conn` names its socket from
    /// now on (its further bytes go to `receive`). `headers` (flat, as
    /// `rawHeaders`) are added to a 101; `sid` as for `httpRequest`.
    #[allow(clippy::too_many_arguments)]
    pub fn upgrade(
        &mut self,
        conn: u32,
        method: String,
        url: String,
        raw_headers: Array,
        headers: Array,
        now: f64,
        sid: Option<String>,
    ) -> Result<(), JsValue> {
        let request = request_from_js(method, url, &raw_headers, Vec::new())?;
        let extra = request_from_js(String::new(), String::new(), &headers, Vec::new())?.headers;
        self.inner.upgrade_as(conn, request, extra, sid, millis(now));
        Ok(())
    }

    /// Lets a pending socket in (its middlewares passed). `id` is a
    /// recovered session's socket id, `pid` the private id the CONNECT
    /// answer gives when connection state recovery is on.
    pub fn accept(
        &mut self,
        socket: u32,
        now: f64,
        id: Option<String>,
        pid: Option<String>,
    ) -> Result<(), JsValue> {
        self.inner
            .accept(socket, &Identity { id, pid }, millis(now))
            .map_err(|e| js_error(&e))
    }

    /// Refuses a pending socket with CONNECT_ERROR carrying `dataJson`.
    pub fn refuse(&mut self, socket: u32, data_json: &str, now: f64) -> Result<(), JsValue> {
        self.inner
            .refuse(socket, data_json, millis(now))
            .map_err(|e| js_error(&e))
    }

    pub fn join(&mut self, socket: u32, room: u32) -> Result<(), JsValue> {
        self.inner.join(socket, room).map_err(|e| js_error(&e))
    }

    pub fn leave(&mut self, socket: u32, room: u32) -> Result<(), JsValue> {
        self.inner.leave(socket, room).map_err(|e| js_error(&e))
    }

    /// One event to the sockets of `nsp` in any of `rooms` and none of
    /// `except`, each asked for an ack of `ackId` when given; returns how
    /// many sockets it went to. `flags`: layout's EMIT_*.
    #[allow(clippy::too_many_arguments)]
    pub fn broadcast(
        &mut self,
        nsp: &str,
        rooms: Uint32Array,
        except: Uint32Array,
        name_json: &str,
        args_json: &str,
        attachments: Array,
        flags: u32,
        ack_id: Option<f64>,
        now: f64,
    ) -> Result<u32, JsValue> {
        let attachments = attachments_from_js(&attachments)?;
        let ack_id = ack_id.map(|id| js_length(id, "an ack id")).transpose()?;
        self.inner
            .broadcast(
                nsp,
                &rooms.to_vec(),
                &except.to_vec(),
                name_json,
                args_json,
                &attachments,
                emit_flags(flags),
                ack_id,
                millis(now),
            )
            .map_err(|e| js_error(&e))
    }

    /// Closes the socket's whole client (`socket.disconnect(true)`).
    #[wasm_bindgen(js_name = closeClient)]
    pub fn close_client(&mut self, socket: u32, now: f64) -> Result<(), JsValue> {
        self.inner
            .close_client(socket, millis(now))
            .map_err(|e| js_error(&e))
    }

    /// How far behind the client on `conn` is in reading: 0 drained, 1
    /// backlogged (past the caller's soft limit), 2 overflowing.
    pub fn congestion(&mut self, conn: u32, level: u8, now: f64) -> Result<(), JsValue> {
        let level = match level {
            0 => Congestion::Drained,
            1 => Congestion::Backlogged,
            2 => Congestion::Overflowing,
            _ => return Err(invalid_argument("a congestion level is 0, 1 or 2")),
        };
        self.inner.congestion(conn, level, millis(now));
        Ok(())
    }

    /// Sends a message on a raw Engine.IO session: a string (text) or a
    /// Uint8Array (binary).
    #[wasm_bindgen(js_name = sendMessage)]
    pub fn send_message(&mut self, sid: &str, data: JsValue, now: f64) -> Result<(), JsValue> {
        let data = message_from_js(&data)?;
        self.inner
            .send_message(sid, data, millis(now))
            .map_err(|e| js_error(&e))
    }

    /// Reports a session's packets both ways from now on (`on`), or stops:
    /// packet and drain records.
    pub fn observe(&mut self, sid: &str, on: bool) {
        self.inner.observe(sid, on);
    }

    /// engine.io's `initialPacket`: a message (string or Uint8Array) every
    /// new session gets after its open packet; `undefined` or `null`: none.
    #[wasm_bindgen(js_name = setInitialPacket)]
    pub fn set_initial_packet(&mut self, data: JsValue) -> Result<(), JsValue> {
        let data = if data.is_undefined() || data.is_null() {
            None
        } else {
            Some(message_from_js(&data)?)
        };
        self.inner.set_initial_packet(data);
        Ok(())
    }

    /// Closes an Engine.IO session (engine.io's `socket.close()`).
    #[wasm_bindgen(js_name = closeSession)]
    pub fn close_session(&mut self, sid: &str, now: f64) {
        self.inner.close_session_by_id(sid, millis(now));
    }

    /// Every socket leaves ("server shutting down"), every session closes.
    pub fn shutdown(&mut self, now: f64) {
        self.inner.shutdown(millis(now));
    }

    /// Makes a socket leave its namespace.
    pub fn disconnect(&mut self, socket: u32, now: f64) -> Result<(), JsValue> {
        self.inner
            .disconnect(socket, millis(now))
            .map_err(|e| js_error(&e))
    }
}
