use super::js::Fields;
use super::{js_error, patch_u32, plain, put_u32};
use crate::error::{Error, ErrorKind};
use crate::frame::Opcode;
use crate::protocol::{
    Config, Connection, Delivery, Event, Masking, MessageKind, Payload, Role, SendOptions, State,
};
use wasm_bindgen::prelude::*;

use crate::layout::connection::{
    COUNT_AT, EVENT_BINARY, EVENT_CLOSE, EVENT_END, EVENT_ERROR, EVENT_PIECE, EVENT_PING, EVENT_PONG,
    EVENT_TEXT, FLAGS_AT, FLAG_PENDING, HEADER_LEN, OUTPUT_AT, OUTPUT_LEN_AT,
};
use crate::layout::send::{
    MASK_BITS, MASK_BY_ROLE, MASK_KEY, MASK_NONE, MASK_RANDOM, MASK_SHIFT, NO_COMPRESS as SEND_NO_COMPRESS,
};

/// The masking that send `flags` ask for; `key` is the key's bytes in
/// little-endian order when they ask for a given key.
fn masking_of(flags: u32, key: u32) -> Masking {
    match (flags >> MASK_SHIFT) & MASK_BITS {
        MASK_NONE => Masking::Unmasked,
        MASK_RANDOM => Masking::Random,
        MASK_KEY => Masking::Key(key.to_le_bytes()),
        MASK_BY_ROLE => Masking::ByRole,
        _ => Masking::ByRole,
    }
}

pub(crate) fn parse_role(role: Option<&str>) -> Result<Role, JsValue> {
    match role {
        Some("server") => Ok(Role::Server),
        Some("client") => Ok(Role::Client),
        other => Err(super::invalid_argument(format!(
            "role must be \"server\" or \"client\", not {other:?}"
        ))),
    }
}

/// Packs one event as u8 type, u32 a, u32 b. Messages are not copied: `a`
/// and `b` are the address and length of their payload in wasm memory,
/// which stays valid until the next call (see `Connection::receive_with`).
/// Control frames carry their small payload inline: pings and pongs as
/// (length, 0, bytes), closes as (reason length, code, reason).
fn pack_event(buf: &mut Vec<u8>, event: Event<'_>) {
    let (kind, inline): (u8, &[u8]) = match event {
        Event::Text(t) => (EVENT_TEXT, t.as_bytes()),
        Event::UncheckedText(b) => (EVENT_TEXT, b),
        Event::MessagePiece(b) => (EVENT_PIECE, b),
        Event::MessageEnd(kind) => {
            buf.push(EVENT_END);
            put_u32(
                buf,
                u32::from(if kind == MessageKind::Text {
                    EVENT_TEXT
                } else {
                    EVENT_BINARY
                }),
            );
            put_u32(buf, 0);
            return;
        }
        Event::Binary(b) => (EVENT_BINARY, b),
        Event::Ping(b) => (EVENT_PING, b),
        Event::Pong(b) => (EVENT_PONG, b),
        Event::Close { code, reason } => {
            buf.push(EVENT_CLOSE);
            put_u32(buf, reason.len() as u32);
            // 1005: "no status received", as the WebSocket API reports it.
            put_u32(buf, u32::from(code.unwrap_or(crate::close::NO_STATUS)));
            buf.extend_from_slice(reason.as_bytes());
            return;
        }
    };
    buf.push(kind);
    if kind == EVENT_TEXT || kind == EVENT_BINARY || kind == EVENT_PIECE {
        put_u32(buf, inline.as_ptr() as u32);
        put_u32(buf, inline.len() as u32);
    } else {
        put_u32(buf, inline.len() as u32);
        put_u32(buf, 0);
        buf.extend_from_slice(inline);
    }
}

/// A WebSocket connection (RFC 6455) as a sans-I/O state machine: feed it the
/// bytes received, send through it, write what it returns.
///
/// This is the raw binding; the package's `Connection` class wraps it and
/// turns packed results into event objects.
#[wasm_bindgen(js_name = RawConnection)]
pub struct WasmConnection {
    inner: Connection,
    /// The error of the last call, for `takeError` (boxed: rare, and every
    /// connection carries the field).
    error: Option<Box<Error>>,
    /// Pieces of the message being received that went to `onPiece` so far.
    outside_pieces: u32,
}

/// The buffers of a call: JS writes the bytes received or to send into
/// `input`, and reads the packed result or the framed bytes right after
/// the call. One set serves every connection (wasm runs one call at a
/// time), so an idle connection holds none of them.
#[derive(Default)]
struct Scratch {
    input: Vec<u8>,
    packed: Vec<u8>,
    /// What the last send call framed, until the next call.
    sent: Vec<u8>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

/// Runs `f` with the shared buffers. A call made while another holds them
/// (JS calling back in from `onPiece`) is refused, not a panic.
fn with_scratch<T>(f: impl FnOnce(&mut Scratch) -> Result<T, JsValue>) -> Result<T, JsValue> {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => f(&mut scratch),
        Err(_) => Err(js_error(&Error::new(
            ErrorKind::InvalidState,
            "a connection was called from inside another connection's call",
        ))),
    })
}

impl WasmConnection {
    /// The last packed result (for Rust callers and tests; JS reads it
    /// through `resultPtr`).
    pub fn packed(&self) -> Vec<u8> {
        SCRATCH.with(|cell| cell.borrow().packed.clone())
    }

    /// Runs a send `f` on the connection and the `input` bytes, with the
    /// shared `sent` buffer lent as the connection's output; returns how
    /// many bytes it framed there.
    fn framed(
        &mut self,
        len: usize,
        f: impl FnOnce(&mut Connection, &[u8]) -> crate::error::Result<()>,
    ) -> Result<usize, JsValue> {
        with_scratch(|scratch| {
            if scratch.sent.capacity() > 4 << 20 {
                // Do not keep a large buffer for one large message.
                scratch.sent = Vec::new();
            }
            scratch.sent.clear();
            let len = len.min(scratch.input.len());
            let Scratch { input, sent, .. } = scratch;
            self.inner.swap_output(sent);
            let result = f(&mut self.inner, &input[..len]);
            self.inner.swap_output(sent);
            result.map_err(|e| js_error(&e))?;
            Ok(sent.len())
        })
    }
}

fn kind_of(binary: bool) -> MessageKind {
    if binary {
        MessageKind::Binary
    } else {
        MessageKind::Text
    }
}

fn send_options(flags: u32, key: u32, max_frame: usize) -> SendOptions {
    SendOptions {
        max_frame: (max_frame > 0).then_some(max_frame),
        compress: flags & SEND_NO_COMPRESS == 0,
        masking: masking_of(flags, key),
    }
}

#[wasm_bindgen(js_class = RawConnection)]
impl WasmConnection {
    /// Options: `role` ("server" | "client", required), `maxFrameSize`,
    /// `maxMessageSize`, `maxFragments`, `maxBufferedBytes`, `autoPong`,
    /// `strictLength`, `validateUtf8` (default true; false hands text out
    /// unchecked, for trusted peers), and `deflate` (the agreed
    /// permessage-deflate params plus `threshold`, `level`, `memLevel`) to
    /// compress transparently. `buffers` is the package's own (Buffers for
    /// results in Node), read by its wrapper: allowed here so that the
    /// wrapper can pass its options on without a copy.
    #[wasm_bindgen(constructor)]
    pub fn new(opts: JsValue) -> Result<WasmConnection, JsValue> {
        let o = Fields::options(
            &opts,
            "options",
            &[
                "role",
                "maxFrameSize",
                "maxMessageSize",
                "maxFragments",
                "maxBufferedBytes",
                "autoPong",
                "strictLength",
                "validateUtf8",
                "deflate",
                "buffers",
            ],
        )?;
        let mut config = Config::new(parse_role(o.string("role")?.as_deref())?);
        config.max_frame_size = o.uint("maxFrameSize")?.unwrap_or(config.max_frame_size);
        config.max_message_size = o.uint("maxMessageSize")?.unwrap_or(config.max_message_size);
        config.max_fragments = o.uint("maxFragments")?.unwrap_or(config.max_fragments);
        config.max_buffered_bytes = o.uint("maxBufferedBytes")?.unwrap_or(config.max_buffered_bytes);
        config.auto_pong = o.bool("autoPong")?.unwrap_or(config.auto_pong);
        config.strict_length = o.bool("strictLength")?.unwrap_or(config.strict_length);
        config.validate_utf8 = o.bool("validateUtf8")?.unwrap_or(config.validate_utf8);
        // JS assembles what does not arrive whole: wasm memory never grows
        // with the size of the messages received.
        config.delivery = Delivery::Pieces;
        config.deflate = o
            .value("deflate")
            .map(|d| super::deflate::DeflateJs::read(&d)?.to_settings())
            .transpose()?;
        Ok(WasmConnection {
            inner: Connection::new(config),
            error: None,
            outside_pieces: 0,
        })
    }

    /// Makes room for `len` received bytes and returns the address where JS
    /// writes them (then calls `receiveInput(len)`). Saves an allocation and
    /// a free per chunk.
    #[wasm_bindgen(js_name = inputBuffer)]
    pub fn input_buffer(&mut self, len: usize) -> Result<usize, JsValue> {
        with_scratch(|scratch| {
            let input = &mut scratch.input;
            if input.capacity() > 4 << 20 && len < 1 << 20 {
                // Do not keep a large buffer for one large chunk.
                *input = Vec::new();
            }
            if input.len() < len {
                input.resize(len, 0);
            }
            Ok(input.as_mut_ptr() as usize)
        })
    }

    /// Processes `len` bytes written at `inputBuffer(len)`. Returns the length
    /// of the packed result at `resultPtr()`; it and the payloads it points
    /// to stay valid until the next call on this connection. Messages that
    /// do not arrive whole come in pieces: those in the input are packed;
    /// inflated output is handed to `onPiece(address, length)` during the
    /// call (copy it there: the memory is reused), and each message's end
    /// says how many pieces went that way.
    #[wasm_bindgen(js_name = receiveInput)]
    pub fn receive_input(&mut self, len: usize, on_piece: &js_sys::Function) -> Result<usize, JsValue> {
        with_scratch(|scratch| {
            let Scratch { input, packed, sent } = scratch;
            let input = {
                let len = len.min(input.len());
                &mut input[..len]
            };
            packed.clear();
            packed.resize(HEADER_LEN as usize, 0);
            let mut count = 0u32;
            let input_start = input.as_ptr() as usize;
            let input_end = input_start + input.len();
            let outside = &mut self.outside_pieces;
            sent.clear();
            // Replies (pongs, the close echo) go into the shared buffer too.
            self.inner.swap_output(sent);
            let result = self.inner.receive_with(input, |event| {
                match event {
                    Event::MessagePiece(bytes) => {
                        let at = bytes.as_ptr() as usize;
                        if !(at >= input_start && at + bytes.len() <= input_end) {
                            *outside += 1;
                            // A throwing callback cannot stop the core here;
                            // the piece is then simply missing, as JS chose.
                            let _ = on_piece.call2(
                                &JsValue::NULL,
                                &JsValue::from(at as u32),
                                &JsValue::from(bytes.len() as u32),
                            );
                            return;
                        }
                    }
                    Event::MessageEnd(_) => {
                        pack_event(packed, event);
                        let at = packed.len() - 4;
                        patch_u32(packed, at, *outside);
                        *outside = 0;
                        count += 1;
                        return;
                    }
                    _ => {}
                }
                count += 1;
                pack_event(packed, event);
            });
            if let Err(e) = result {
                count += 1;
                packed.push(EVENT_ERROR);
                put_u32(packed, 0);
                put_u32(packed, 0);
                self.error = Some(Box::new(e));
            }
            // Appends the output and fills in the header.
            let output_at = packed.len();
            packed.extend_from_slice(self.inner.output());
            let output_len = self.inner.output().len();
            self.inner.consume_output(output_len);
            self.inner.swap_output(sent);
            patch_u32(packed, COUNT_AT as usize, count);
            patch_u32(packed, OUTPUT_AT as usize, output_at as u32);
            patch_u32(packed, OUTPUT_LEN_AT as usize, output_len as u32);
            let flags = if self.inner.has_pending_close() {
                FLAG_PENDING
            } else {
                0
            };
            patch_u32(packed, FLAGS_AT as usize, flags);
            Ok(packed.len())
        })
    }

    /// Copies `chunk` in and processes it (`inputBuffer` + `receiveInput`).
    pub fn receive(&mut self, chunk: &[u8], on_piece: &js_sys::Function) -> Result<usize, JsValue> {
        let at = self.input_buffer(chunk.len())?;
        with_scratch(|scratch| {
            scratch.input[..chunk.len()].copy_from_slice(chunk);
            Ok(at)
        })?;
        self.receive_input(chunk.len(), on_piece)
    }

    /// Where the last packed result starts in the module's memory.
    #[wasm_bindgen(js_name = resultPtr)]
    pub fn result_ptr(&self) -> usize {
        SCRATCH.with(|cell| cell.try_borrow().map_or(0, |s| s.packed.as_ptr() as usize))
    }

    /// After handling the events of a `receive` whose result flagged a
    /// pending close: the close reply, or the close frame failing the
    /// connection. Returns the bytes to write (empty if nothing was owed).
    pub fn flush(&mut self) -> Result<Vec<u8>, JsValue> {
        self.inner.flush().map_err(|e| js_error(&e))?;
        Ok(self.inner.take_output())
    }

    /// The error that failed the connection (a `WsframeError`), once.
    #[wasm_bindgen(js_name = takeError)]
    pub fn take_error(&mut self) -> JsValue {
        self.error.take().map_or(JsValue::UNDEFINED, |e| js_error(&e))
    }

    /// Frames the `len` bytes written at `inputBuffer(len)` as one message,
    /// binary or text (which must be valid UTF-8), in frames of at most
    /// `maxFrame` payload bytes if given (0 = one frame), compressed and
    /// masked as `flags` and `key` say. Returns the length of the bytes to
    /// write, which wait at `sentPtr()` until the next call: no allocation
    /// crosses the boundary, which matters for small messages. (JS calls it
    /// as `sendInputOrMinus`.)
    fn send_input(
        &mut self,
        binary: bool,
        len: usize,
        max_frame: usize,
        flags: u32,
        key: u32,
    ) -> Result<usize, JsValue> {
        let options = send_options(flags, key, max_frame);
        self.framed(len, |conn, payload| {
            conn.send_message_with(kind_of(binary), payload, &options)
        })
    }

    /// `sendInput` for the hot path: the length as a plain number, or -1
    /// with the error kept for `takeCallError()` (a `Result` comes back to
    /// JS as an array, allocated on every call).
    #[wasm_bindgen(js_name = sendInputOrMinus)]
    pub fn send_input_or_minus(
        &mut self,
        binary: bool,
        len: usize,
        max_frame: usize,
        flags: u32,
        key: u32,
    ) -> f64 {
        plain(self.send_input(binary, len, max_frame, flags, key))
    }

    /// `receiveInput` for the hot path, as `sendInputOrMinus` is.
    #[wasm_bindgen(js_name = receiveInputOrMinus)]
    pub fn receive_input_or_minus(&mut self, len: usize, on_piece: &js_sys::Function) -> f64 {
        plain(self.receive_input(len, on_piece))
    }

    /// One fragment of a message sent piece by piece, from the `len` bytes
    /// at `inputBuffer(len)`: the first opens a message of the type
    /// `binary` says, `fin` ends it (`flags`, `key` as for `sendInput`).
    /// Returns the length of the bytes at `sentPtr()`.
    #[wasm_bindgen(js_name = sendFragmentInput)]
    pub fn send_fragment_input(
        &mut self,
        binary: bool,
        len: usize,
        fin: bool,
        flags: u32,
        key: u32,
    ) -> Result<usize, JsValue> {
        let options = send_options(flags, key, 0);
        self.framed(len, |conn, payload| {
            conn.send_fragment_with(kind_of(binary), payload, fin, &options)
        })
    }

    /// A ping (`pong` false) or a pong of the `len` bytes at
    /// `inputBuffer(len)` (at most 125), masked as `flags` and `key` say.
    /// Returns the length of the bytes at `sentPtr()`.
    #[wasm_bindgen(js_name = sendControlInput)]
    pub fn send_control_input(
        &mut self,
        pong: bool,
        len: usize,
        flags: u32,
        key: u32,
    ) -> Result<usize, JsValue> {
        let opcode = if pong { Opcode::Pong } else { Opcode::Ping };
        self.framed(len, |conn, payload| {
            conn.send_control(opcode, payload, masking_of(flags, key))
        })
    }

    /// Starts or answers the closing handshake with the reason in the `len`
    /// bytes at `inputBuffer(len)` (UTF-8, at most 123); `code` 0 sends no
    /// status. Masked as `flags` and `key` say. Returns the length of the
    /// bytes at `sentPtr()`.
    #[wasm_bindgen(js_name = closeInput)]
    pub fn close_input(&mut self, code: u16, len: usize, flags: u32, key: u32) -> Result<usize, JsValue> {
        let code = (code != 0).then_some(code);
        self.framed(len, |conn, reason| {
            conn.close_with(code, reason, masking_of(flags, key))
        })
    }

    /// Starts a binary message of `length` bytes that JS writes itself after
    /// the header (see `Connection::send_binary_header`). Returns the
    /// header's length, at `sentPtr()`, or 0 when the payload must go
    /// through `sendInput` (client role, or compression).
    #[wasm_bindgen(js_name = sendBinaryHeader)]
    pub fn send_binary_header(&mut self, length: f64) -> Result<usize, JsValue> {
        let length = super::js_length(length, "length")?;
        // Nothing framed (0) when the payload must go through `sendInput`.
        self.framed(0, |conn, _| conn.send_binary_header(length).map(|_| ()))
    }

    /// `sendBinaryHeader` for either type (see `Connection::send_header`):
    /// with `check`, the `length` bytes at `inputBuffer(length)` are the
    /// text to check; without, text is taken as valid (encoded from a
    /// string). `flags` as for `sendInput` (compression only). Returns the
    /// header's length at `sentPtr()`, or 0 when the payload must go
    /// through `sendInput`.
    #[wasm_bindgen(js_name = sendHeaderInput)]
    pub fn send_header_input(
        &mut self,
        binary: bool,
        length: f64,
        check: bool,
        flags: u32,
    ) -> Result<usize, JsValue> {
        let length = super::js_length(length, "length")?;
        let compress = flags & SEND_NO_COMPRESS == 0;
        let in_input = if check {
            usize::try_from(length).unwrap_or(usize::MAX)
        } else {
            0
        };
        self.framed(in_input, |conn, text| {
            let payload = if !check {
                Payload::Unseen
            } else if text.len() as u64 == length {
                Payload::Check(text)
            } else {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    "text to check is not in the input buffer",
                ));
            };
            conn.send_header(kind_of(binary), length, payload, compress)
                .map(|_| ())
        })
    }

    /// Where the bytes the last `sendInput` or `sendBinaryHeader` framed start.
    #[wasm_bindgen(js_name = sentPtr)]
    pub fn sent_ptr(&self) -> usize {
        SCRATCH.with(|cell| cell.try_borrow().map_or(0, |s| s.sent.as_ptr() as usize))
    }

    /// Frames a text message; returns the bytes to write.
    #[wasm_bindgen(js_name = sendText)]
    pub fn send_text(&mut self, text: &str) -> Result<Vec<u8>, JsValue> {
        self.inner.send_text(text).map_err(|e| js_error(&e))?;
        Ok(self.inner.take_output())
    }

    /// Frames one fragment of a message sent piece by piece (`binary` picks
    /// the type, `fin` ends the message); returns the bytes to write.
    #[wasm_bindgen(js_name = sendFragment)]
    pub fn send_fragment(&mut self, data: &[u8], binary: bool, fin: bool) -> Result<Vec<u8>, JsValue> {
        self.inner
            .send_fragment(kind_of(binary), data, fin)
            .map_err(|e| js_error(&e))?;
        Ok(self.inner.take_output())
    }

    /// Frames a ping (payload at most 125 bytes).
    pub fn ping(&mut self, data: &[u8]) -> Result<Vec<u8>, JsValue> {
        self.inner.send_ping(data).map_err(|e| js_error(&e))?;
        Ok(self.inner.take_output())
    }

    /// Frames a pong (payload at most 125 bytes).
    pub fn pong(&mut self, data: &[u8]) -> Result<Vec<u8>, JsValue> {
        self.inner.send_pong(data).map_err(|e| js_error(&e))?;
        Ok(self.inner.take_output())
    }

    /// Starts (or answers) the closing handshake. `code` 0 sends no status.
    pub fn close(&mut self, code: u16, reason: &str) -> Result<Vec<u8>, JsValue> {
        let code = (code != 0).then_some(code);
        self.inner.close(code, reason).map_err(|e| js_error(&e))?;
        Ok(self.inner.take_output())
    }

    /// "open", "closeReceived", "closing", "closed", "failing" or "failed".
    #[wasm_bindgen(getter)]
    pub fn state(&self) -> String {
        match self.inner.state() {
            State::Open => "open",
            State::CloseReceived => "closeReceived",
            State::Closing => "closing",
            State::Closed => "closed",
            State::Failing => "failing",
            State::Failed => "failed",
        }
        .to_string()
    }

    /// "server" or "client".
    #[wasm_bindgen(getter)]
    pub fn role(&self) -> String {
        match self.inner.role() {
            Role::Server => "server",
            Role::Client => "client",
        }
        .to_string()
    }

    /// Bytes received so far.
    #[wasm_bindgen(getter, js_name = bytesReceived)]
    pub fn bytes_received(&self) -> f64 {
        self.inner.bytes_received() as f64
    }
}
