//! One WebSocket connection as a sans-I/O state machine (RFC 6455 §5-§7).
//!
//! Bytes received go in through [`Connection::receive_with`] (or
//! [`Connection::receive`]); events come out. Bytes to send accumulate in an
//! output buffer that the caller writes to its transport and clears. The
//! connection never touches a socket, a timer or a clock.
//!
//! Payloads stream: text is validated as it arrives (failing at the first
//! invalid byte, not at the end of the message), and a message that arrives
//! whole in one chunk is handed out straight from that chunk, without a copy.

use crate::close::{self, CloseFrame};
use crate::deflate::{Compressor, Decompressor, DeflateSettings, InflateFailure, InflateFlush};
use crate::error::{Error, ErrorKind, Result, Violation};
use crate::frame::{
    encode_frame, DecoderConfig, FrameDecoder, FrameEvent, FrameHeader, Opcode, Piece, MAX_CONTROL_PAYLOAD,
    MAX_HEADER_LEN,
};
use crate::mask::MaskKeySource;
use crate::utf8::Utf8Validator;

pub use crate::frame::Role;

/// The most inflated output handed out in one piece ([`Delivery::Pieces`]).
const PIECE: usize = 256 * 1024;

/// Limits and behaviour of a connection. Every limit has a safe default and
/// maps to a close code when exceeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    pub role: Role,
    /// Largest payload one frame may announce (1009 `frame_too_big`).
    pub max_frame_size: u64,
    /// Largest message, all fragments together (1009 `message_too_big`).
    pub max_message_size: u64,
    /// Most frames one message may have (1008 `too_many_fragments`). Memory
    /// does not grow per fragment here (fragments are joined into one buffer
    /// as they arrive), so this bounds work, not memory.
    pub max_fragments: u32,
    /// Most payload bytes held across calls for a message that has not
    /// completed (1009 `buffer_limit`): what a slow or stalled sender can
    /// make one connection keep. A message that arrives whole in one call is
    /// handed out from the input and never held.
    pub max_buffered_bytes: u64,
    /// Answer pings with pongs automatically.
    pub auto_pong: bool,
    /// Reject lengths not written in their minimal form (§5.2).
    pub strict_length: bool,
    /// Check that text messages are UTF-8 (§8.1). Off only for trusted
    /// peers (`ws`'s `skipUTF8Validation`): text then arrives as
    /// [`Event::UncheckedText`]. Close reasons are checked either way.
    pub validate_utf8: bool,
    /// permessage-deflate, when negotiated (RFC 7692): compression of
    /// outgoing messages and decompression of incoming ones are then
    /// transparent. Inflated messages count against `max_message_size`.
    pub deflate: Option<DeflateSettings>,
    /// Whether messages are assembled here or handed out in pieces.
    pub delivery: Delivery,
}

/// How received messages are handed out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Delivery {
    /// Whole: a message that spans calls or frames is assembled in the
    /// connection (within `max_buffered_bytes`) and delivered as one event.
    #[default]
    Assembled,
    /// In pieces: a message that does not arrive whole in one piece of input
    /// comes as [`Event::MessagePiece`]s, then [`Event::MessageEnd`], and
    /// the caller assembles it, so the connection never holds a message
    /// (its memory stays the size of the input, whatever the messages).
    /// Pieces are checked as they come (UTF-8, limits) as in the other mode.
    Pieces,
}

impl Config {
    pub fn new(role: Role) -> Self {
        Config {
            role,
            max_frame_size: 64 << 20,
            max_message_size: 64 << 20,
            max_fragments: 1 << 20,
            max_buffered_bytes: 64 << 20,
            auto_pong: true,
            strict_length: false,
            validate_utf8: true,
            deflate: None,
            delivery: Delivery::Assembled,
        }
    }

    pub fn server() -> Self {
        Self::new(Role::Server)
    }

    pub fn client() -> Self {
        Self::new(Role::Client)
    }
}

/// What the peer sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event<'a> {
    /// A complete text message (valid UTF-8).
    Text(&'a str),
    /// A complete text message whose UTF-8 was not checked
    /// ([`Config::validate_utf8`] off).
    UncheckedText(&'a [u8]),
    /// A complete binary message.
    Binary(&'a [u8]),
    /// The next bytes of the message being received ([`Delivery::Pieces`]):
    /// unmasked in place in the input (valid until the next call), or
    /// inflated output (valid during this event only). Text pieces are
    /// valid UTF-8 so far; a multi-byte character may straddle two pieces.
    MessagePiece(&'a [u8]),
    /// The message whose pieces came before is complete ([`Delivery::Pieces`]).
    MessageEnd(MessageKind),
    /// A ping (already answered if `auto_pong` is on).
    Ping(&'a [u8]),
    Pong(&'a [u8]),
    /// The peer's close frame. `code` is `None` when it carried no status
    /// (reported to applications as 1005). The close has been answered.
    Close {
        code: Option<u16>,
        reason: &'a str,
    },
}

/// An [`Event`] that owns its data, from [`Connection::receive`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OwnedEvent {
    Text(String),
    UncheckedText(Vec<u8>),
    Binary(Vec<u8>),
    MessagePiece(Vec<u8>),
    MessageEnd(MessageKind),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close { code: Option<u16>, reason: String },
}

impl From<Event<'_>> for OwnedEvent {
    fn from(event: Event<'_>) -> Self {
        match event {
            Event::Text(t) => OwnedEvent::Text(t.to_string()),
            Event::UncheckedText(b) => OwnedEvent::UncheckedText(b.to_vec()),
            Event::MessagePiece(b) => OwnedEvent::MessagePiece(b.to_vec()),
            Event::MessageEnd(kind) => OwnedEvent::MessageEnd(kind),
            Event::Binary(b) => OwnedEvent::Binary(b.to_vec()),
            Event::Ping(b) => OwnedEvent::Ping(b.to_vec()),
            Event::Pong(b) => OwnedEvent::Pong(b.to_vec()),
            Event::Close { code, reason } => OwnedEvent::Close {
                code,
                reason: reason.to_string(),
            },
        }
    }
}

/// The type of a data message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageKind {
    Text,
    Binary,
}

/// How a frame we send is masked (RFC 6455 §5.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Masking {
    /// As the role requires: a client masks with a fresh random key, a
    /// server does not mask.
    #[default]
    ByRole,
    /// Not masked, whatever the role (`ws`'s `mask: false`; a conforming
    /// server fails a client that does this).
    Unmasked,
    /// Masked with a fresh random key, whatever the role.
    Random,
    /// Masked with this key: the caller's own key source (`ws`'s
    /// `generateMask`). An all-zero key leaves the payload as it is.
    Key([u8; 4]),
}

/// What [`Connection::send_header`] sees of a payload the caller writes itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload<'a> {
    /// Its bytes, to be checked (text must be UTF-8).
    Check(&'a [u8]),
    /// Nothing: binary, or text the caller made valid by construction.
    Unseen,
}

/// How one message (or fragment) is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SendOptions {
    /// Split into frames of at most this many payload bytes.
    pub max_frame: Option<usize>,
    /// Compress if permessage-deflate is agreed and the message reaches
    /// the threshold; `false` sends this message uncompressed.
    pub compress: bool,
    pub masking: Masking,
}

impl Default for SendOptions {
    fn default() -> Self {
        SendOptions {
            max_frame: None,
            compress: true,
            masking: Masking::ByRole,
        }
    }
}

impl MessageKind {
    fn opcode(self) -> Opcode {
        match self {
            MessageKind::Text => Opcode::Text,
            MessageKind::Binary => Opcode::Binary,
        }
    }
}

/// Where the connection is in its life (§7).
///
/// Receiving a close frame or a protocol violation ends reading at once,
/// but the answer (the close reply, or the close frame that fails the
/// connection) waits for [`Connection::flush`]: events that came before it
/// in the same input are handled first, and replies to them may still be
/// sent, in order, as if the input had arrived one frame at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Open,
    /// The peer's close frame arrived; our reply waits for `flush` (or `close`).
    CloseReceived,
    /// We sent a close frame and wait for the peer's.
    Closing,
    /// Close frames went both ways. A server closes the TCP connection now;
    /// a client waits for the server to (§7.1.1).
    Closed,
    /// The peer violated the protocol ([`Connection::error`]); the close frame
    /// with the error's code waits for `flush`.
    Failing,
    /// The connection was failed: its close frame is in the output. Send it,
    /// then close the TCP connection.
    Failed,
}

/// The frame being received, as far as the connection cares.
#[derive(Clone, Copy, Debug)]
struct CurrentFrame {
    opcode: Opcode,
    fin: bool,
    /// Payload length, and the bytes of it not yet received.
    len: u64,
    remaining: u64,
    /// The whole message was delivered straight from the input.
    delivered: bool,
}

/// The message being received.
#[derive(Debug, Default)]
struct Assembly {
    kind: Option<MessageKind>,
    fragments: u32,
    /// Bytes of the message so far, for messages that span calls or frames.
    buffer: Vec<u8>,
    /// Total payload bytes of the message so far (buffered or not).
    size: u64,
    /// RSV1 on its first frame: its payload is DEFLATE data.
    compressed: bool,
    utf8: Utf8Validator,
    /// Stream offset where the unfinished UTF-8 sequence at the end of the
    /// text so far begins (it may lie in an earlier fragment).
    utf8_pending_at: u64,
    /// Text is delivered unchecked ([`Config::validate_utf8`] off).
    unchecked: bool,
}

impl Assembly {
    /// Validates the text bytes added to the buffer from `from` on (a no-op
    /// for binary messages), which came from `at`.
    fn check_text_from(&mut self, from: usize, at: TextAt) -> Result<()> {
        if self.kind != Some(MessageKind::Text) || self.unchecked {
            return Ok(());
        }
        let added = &self.buffer[from..];
        check_text(&mut self.utf8, &mut self.utf8_pending_at, added, at)
    }

    /// Validates `data`, the next bytes of this message held elsewhere (a
    /// no-op for binary messages), which came from `at`.
    fn check_piece(&mut self, data: &[u8], at: TextAt) -> Result<()> {
        if self.kind != Some(MessageKind::Text) || self.unchecked {
            return Ok(());
        }
        check_text(&mut self.utf8, &mut self.utf8_pending_at, data, at)
    }
}

/// Where text being checked came from, for the offsets of its errors.
#[derive(Clone, Copy)]
enum TextAt {
    /// Bytes of the stream, the first at this offset.
    Wire(u64),
    /// Inflated from the frame whose payload starts at this offset: a
    /// position inside the output has no place in the stream, and where
    /// zlib produced it depends on how the input was split, so every error
    /// in it is reported at the payload's start.
    Inflated(u64),
}

/// A WebSocket connection, either role.
pub struct Connection {
    config: Config,
    decoder: FrameDecoder,
    close_sent: bool,
    /// The peer's close frame arrived, with this code (`None`: no status).
    peer_close: Option<Option<u16>>,
    /// The peer violated the protocol; `failed` once the close frame for it
    /// is queued. Boxed: every idle connection carries the field.
    error: Option<Box<Error>>,
    failed: bool,
    frame: Option<CurrentFrame>,
    message: Assembly,
    /// Payload of the control frame being received (at most 125 bytes).
    control: Vec<u8>,
    /// Buffers of messages delivered during the current `receive_with` call:
    /// kept, unmodified, until the next call (see `receive_with`).
    delivered: Vec<Vec<u8>>,
    /// Emptied buffers, ready to assemble the next messages.
    spare: Vec<Vec<u8>>,
    /// The fragmented message we are sending, if one is open, and whether
    /// it is compressed.
    sending: Option<(MessageKind, bool)>,
    compressor: Option<Compressor>,
    decompressor: Option<Decompressor>,
    /// Compressed output being framed (kept to reuse its allocation).
    compressed: Vec<u8>,
    /// Inflated output handed out as pieces ([`Delivery::Pieces`]).
    inflated: Vec<u8>,
    output: Vec<u8>,
    keys: MaskKeySource,
}

impl Connection {
    pub fn new(mut config: Config) -> Self {
        let engines = config
            .deflate
            .as_ref()
            .and_then(|d| crate::deflate::engines(d, config.role));
        if engines.is_none() {
            // A build without compression never agrees to it.
            config.deflate = None;
        }
        let (compressor, decompressor) = engines.map_or((None, None), |(c, d)| (Some(c), Some(d)));
        Connection {
            decoder: FrameDecoder::new(DecoderConfig {
                role: Some(config.role),
                max_frame_size: config.max_frame_size,
                // RSV1 means "compressed" once permessage-deflate is agreed.
                allowed_rsv: if config.deflate.is_some() { 0b100 } else { 0 },
                strict_length: config.strict_length,
            }),
            compressor,
            decompressor,
            compressed: Vec::new(),
            inflated: Vec::new(),
            config,
            close_sent: false,
            peer_close: None,
            failed: false,
            frame: None,
            message: Assembly::default(),
            control: Vec::new(),
            delivered: Vec::new(),
            spare: Vec::new(),
            sending: None,
            output: Vec::new(),
            keys: MaskKeySource::new(),
            error: None,
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn role(&self) -> Role {
        self.config.role
    }

    pub fn state(&self) -> State {
        match (&self.error, self.failed, self.close_sent, self.peer_close) {
            (Some(_), false, _, _) => State::Failing,
            (Some(_), true, _, _) => State::Failed,
            (None, _, false, None) => State::Open,
            (None, _, false, Some(_)) => State::CloseReceived,
            (None, _, true, None) => State::Closing,
            (None, _, true, Some(_)) => State::Closed,
        }
    }

    /// True when a close reply or failure waits for [`Connection::flush`].
    pub fn has_pending_close(&self) -> bool {
        matches!(self.state(), State::CloseReceived | State::Failing)
    }

    /// Queues the answer the last input called for once its events have
    /// been handled: the close reply echoing the peer's code, or the close
    /// frame failing the connection with the error's close code.
    pub fn flush(&mut self) -> Result<()> {
        self.flush_with(Masking::ByRole)
    }

    fn flush_with(&mut self, masking: Masking) -> Result<()> {
        match self.state() {
            State::Failing => {
                let code = self
                    .error
                    .as_deref()
                    .and_then(Error::close_code)
                    .unwrap_or(close::PROTOCOL_ERROR);
                self.failed = true;
                self.send_close_frame(Some(code), b"", masking)
            }
            State::CloseReceived => {
                let code = self.peer_close.flatten();
                self.send_close_frame(code, b"", masking)
            }
            _ => Ok(()),
        }
    }

    /// The error that failed the connection, if one did.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_deref()
    }

    /// Bytes received so far (the stream offset of the next byte).
    pub fn bytes_received(&self) -> u64 {
        self.decoder.offset()
    }

    /// Bytes waiting to be written to the transport.
    pub fn output(&self) -> &[u8] {
        &self.output
    }

    /// Takes the bytes waiting to be written.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.output)
    }

    /// Moves the bytes waiting to be written into `into` (cleared first),
    /// keeping `into`'s old allocation for the next output: `take_output`
    /// for callers that send often and want no allocation per message.
    pub fn take_output_into(&mut self, into: &mut Vec<u8>) {
        into.clear();
        std::mem::swap(&mut self.output, into);
    }

    /// Swaps the output buffer with `buffer`, bytes waiting to be written
    /// included: for callers that lend one buffer to many connections
    /// around each call, so that an idle connection holds none.
    pub fn swap_output(&mut self, buffer: &mut Vec<u8>) {
        std::mem::swap(&mut self.output, buffer);
    }

    /// Forgets the first `n` output bytes (after writing them).
    pub fn consume_output(&mut self, n: usize) {
        self.output.drain(..n.min(self.output.len()));
    }

    /// Feeds received bytes, collects the events they complete and
    /// [`flush`](Connection::flush)es at once: the simple form, for callers
    /// that do not answer events. On error the events before it are dropped
    /// (use `receive_with` to get them).
    pub fn receive(&mut self, data: &[u8]) -> Result<Vec<OwnedEvent>> {
        let mut input = data.to_vec();
        let mut events = Vec::new();
        let result = self.receive_with(&mut input, |e| events.push(e.into()));
        self.flush()?;
        result.map(|()| events)
    }

    /// Feeds received bytes; calls `on_event` for each event they complete,
    /// in order. `data` is used as scratch space (payloads are unmasked in
    /// place) and events may borrow from it.
    ///
    /// On a protocol error the connection is failing: events before the
    /// error have been delivered, the error is returned (and kept in
    /// [`Connection::error`]), and the close frame with its code is queued by
    /// [`Connection::flush`]. Input after a close frame or an error is
    /// ignored. Call `flush` after handling the events (see [`State`]).
    ///
    /// The payload of a message event stays valid and unmodified until the
    /// next call to `receive_with`, not just during the callback: it lies
    /// either in `data` or in a buffer this call does not reuse. Bindings
    /// rely on this to hand payloads out without copying them first.
    pub fn receive_with<F>(&mut self, data: &mut [u8], mut on_event: F) -> Result<()>
    where
        F: FnMut(Event<'_>),
    {
        if self.peer_close.is_some() || self.error.is_some() {
            return Ok(());
        }
        self.recycle_delivered();
        let total = data.len();
        let mut pos = 0;
        loop {
            let (used, step) = match self.decoder.decode(&mut data[pos..]) {
                Ok(x) => x,
                Err(e) => return Err(self.fail(e)),
            };
            let available = (total - pos - used) as u64;
            let outcome = match step {
                None => break,
                Some(FrameEvent::Header(header)) => self.on_header(header, available),
                Some(FrameEvent::Payload(piece)) => {
                    let start = self.decoder.offset() - piece.len() as u64;
                    self.on_payload(piece, start, &mut on_event)
                }
                Some(FrameEvent::End) => self.on_frame_end(&mut on_event),
            };
            pos += used;
            match outcome {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(self.fail(e)),
            }
        }
        Ok(())
    }

    /// Returns `Ok(false)` to stop reading (after a close frame).
    fn on_header(&mut self, header: FrameHeader, available: u64) -> Result<bool> {
        let at = self.decoder.frame_offset();
        let opcode = header.opcode;
        let rsv1_allowed = self.decoder.config().allowed_rsv & 0b100 != 0;
        if let Some(violation) =
            check_sequence(opcode, header.rsv1, self.message.kind.is_some(), rsv1_allowed)
        {
            return Err(violation.into_error(at));
        }
        if !opcode.is_control() {
            let message = &mut self.message;
            match (opcode, message.kind) {
                (Opcode::Text, None) => {
                    message.kind = Some(MessageKind::Text);
                    message.unchecked = !self.config.validate_utf8;
                }
                (Opcode::Binary, None) => message.kind = Some(MessageKind::Binary),
                _ => {}
            }
            if opcode != Opcode::Continuation {
                message.compressed = header.rsv1;
            }
            message.fragments += 1;
            if message.fragments > self.config.max_fragments {
                return Err(Error::at(
                    ErrorKind::TooManyFragments,
                    at,
                    format!("message has more than {} fragments", self.config.max_fragments),
                ));
            }
            // A compressed message is measured as it inflates instead.
            let size = message.size.saturating_add(header.payload_len);
            if !message.compressed && size > self.config.max_message_size {
                return Err(Error::at(
                    ErrorKind::MessageTooBig,
                    at,
                    format!(
                        "message of at least {size} bytes exceeds the limit of {}",
                        self.config.max_message_size
                    ),
                ));
            }
            // Reserve for what has arrived, never for what is only announced.
            // A message arriving whole is handed out from the input, and a
            // compressed one inflates into the buffer as it goes.
            let arrives_whole = header.fin && message.fragments == 1 && available >= header.payload_len;
            let assembled = self.config.delivery == Delivery::Assembled;
            if assembled && !(arrives_whole || message.compressed) {
                let want = header
                    .payload_len
                    .min(available)
                    .min(self.config.max_buffered_bytes);
                message.buffer.reserve(usize::try_from(want).unwrap_or(0));
            }
        } else {
            self.control.clear();
        }
        self.frame = Some(CurrentFrame {
            opcode,
            fin: header.fin,
            len: header.payload_len,
            remaining: header.payload_len,
            delivered: false,
        });
        Ok(true)
    }

    fn on_payload<F>(&mut self, piece: Piece<'_>, stream_start: u64, on_event: &mut F) -> Result<bool>
    where
        F: FnMut(Event<'_>),
    {
        let (limit, kind) = self.inflate_limit();
        let Some(frame) = self.frame.as_mut() else {
            return Ok(true);
        };
        let len = piece.len();
        let whole_frame = frame.remaining == frame.len && len as u64 == frame.len;
        frame.remaining -= len as u64;
        if frame.opcode.is_control() {
            piece.unmask_into(&mut self.control);
            return Ok(true);
        }
        // What goes wrong in inflated data is reported at the payload start
        // of the frame being inflated: where inside the compressed bytes
        // zlib noticed depends on how they were split, so nothing finer is
        // the same for every split.
        let payload_at = self.decoder.payload_offset();
        if self.message.compressed && self.config.delivery == Delivery::Pieces {
            let data = piece.unmask();
            self.inflate_pieces(data, InflateFlush::NoFlush, payload_at, on_event)?;
            return Ok(true);
        }
        let message = &mut self.message;
        if message.compressed {
            // Inflate as the bytes arrive, into the message buffer, bounded.
            let data = piece.unmask();
            let at = message.buffer.len();
            let inflated = match self.decompressor.as_mut() {
                Some(d) => d.inflate(data, &mut message.buffer, limit),
                None => Ok(()),
            };
            message.size = message.buffer.len() as u64;
            // The text made before the inflater stopped comes first in the
            // stream: its fault is the one reported, however the input was split.
            message.check_text_from(at, TextAt::Inflated(payload_at))?;
            inflated.map_err(|f| inflate_error(f, kind, limit, payload_at))?;
            return Ok(true);
        }
        message.size += len as u64;
        // The whole message is this one piece: unmask it where it lies and
        // hand it out from the input.
        if whole_frame && frame.fin && message.fragments == 1 {
            frame.delivered = true;
            let data = piece.unmask();
            message.check_piece(data, TextAt::Wire(stream_start))?;
            return self.deliver_message(Some(data), on_event);
        }
        if self.config.delivery == Delivery::Pieces {
            // Unmasked where it lies; the caller keeps it, not us.
            let data = piece.unmask();
            message.check_piece(data, TextAt::Wire(stream_start))?;
            on_event(Event::MessagePiece(data));
            return Ok(true);
        }
        let held = message.buffer.len() as u64 + len as u64;
        if held > self.config.max_buffered_bytes {
            return Err(Error::at(
                ErrorKind::BufferLimit,
                stream_start,
                format!(
                    "would hold {held} bytes of an incomplete message; the limit is {}",
                    self.config.max_buffered_bytes
                ),
            ));
        }
        // Unmask while appending: one pass over the bytes.
        let at = message.buffer.len();
        crate::bounded::reserve(&mut message.buffer, len, self.config.max_buffered_bytes);
        piece.unmask_into(&mut message.buffer);
        message.check_text_from(at, TextAt::Wire(stream_start))?;
        Ok(true)
    }

    fn on_frame_end<F>(&mut self, on_event: &mut F) -> Result<bool>
    where
        F: FnMut(Event<'_>),
    {
        let Some(frame) = self.frame.take() else {
            return Ok(true);
        };
        match frame.opcode {
            Opcode::Ping => {
                if self.config.auto_pong && !self.close_sent {
                    let payload = std::mem::take(&mut self.control);
                    self.write_frame(Opcode::Pong, &payload, true, false, Masking::ByRole)?;
                    self.control = payload;
                }
                on_event(Event::Ping(&self.control));
                Ok(true)
            }
            Opcode::Pong => {
                on_event(Event::Pong(&self.control));
                Ok(true)
            }
            Opcode::Close => self.on_close(on_event).map(|()| false),
            // Already handed out from the input by `on_payload`.
            _ if frame.delivered => Ok(true),
            _ if frame.fin && self.message.compressed && self.config.delivery == Delivery::Pieces => {
                let at = self.decoder.payload_offset();
                self.inflate_pieces(&crate::deflate::TAIL, InflateFlush::SyncFlush, at, on_event)?;
                if let Some(d) = self.decompressor.as_mut() {
                    d.end_message()
                        .map_err(|f| inflate_error(f, ErrorKind::MessageTooBig, 0, at))?;
                }
                self.deliver_message(None, on_event)
            }
            _ if frame.fin && self.message.compressed => {
                self.finish_inflating()?;
                self.deliver_message(None, on_event)
            }
            _ if frame.fin => self.deliver_message(None, on_event),
            _ => Ok(true),
        }
    }

    /// The output cap for inflating, and the error that passing it is.
    fn inflate_limit(&self) -> (usize, ErrorKind) {
        let c = &self.config;
        let (limit, kind) = if c.max_buffered_bytes < c.max_message_size {
            (c.max_buffered_bytes, ErrorKind::BufferLimit)
        } else {
            (c.max_message_size, ErrorKind::MessageTooBig)
        };
        (usize::try_from(limit).unwrap_or(usize::MAX), kind)
    }

    /// Inflates `input`, part of a compressed message, in bounded pieces
    /// ([`Delivery::Pieces`]): each is checked (size, UTF-8) and handed on
    /// as it is made, so a small frame that inflates to megabytes never
    /// makes the connection hold them.
    fn inflate_pieces<F>(
        &mut self,
        mut input: &[u8],
        flush: InflateFlush,
        at: u64,
        on_event: &mut F,
    ) -> Result<()>
    where
        F: FnMut(Event<'_>),
    {
        let limit = self.config.max_message_size;
        let limit_usize = usize::try_from(limit).unwrap_or(usize::MAX);
        let Some(d) = self.decompressor.as_mut() else {
            return Ok(());
        };
        d.keep_history();
        let out = &mut self.inflated;
        let message = &mut self.message;
        out.clear();
        loop {
            // One byte past the limit tells "exactly at it" from "over it".
            let allowed = limit.saturating_add(1).saturating_sub(message.size);
            let room = usize::try_from(allowed)
                .unwrap_or(usize::MAX)
                .min(PIECE - out.len());
            let step = match d.step(input, out, room, flush) {
                Ok(step) => step,
                Err(failure) => {
                    // As when assembling: the text made before the fault is checked first.
                    message.check_piece(out, TextAt::Inflated(at))?;
                    return Err(inflate_error(failure, ErrorKind::MessageTooBig, limit_usize, at));
                }
            };
            input = &input[step.consumed..];
            message.size += step.produced as u64;
            if message.size > limit {
                message.check_piece(out, TextAt::Inflated(at))?;
                return Err(inflate_error(
                    InflateFailure::TooBig,
                    ErrorKind::MessageTooBig,
                    limit_usize,
                    at,
                ));
            }
            if (out.len() >= PIECE || step.done) && !out.is_empty() {
                message.check_piece(out, TextAt::Inflated(at))?;
                on_event(Event::MessagePiece(out));
                out.clear();
            }
            if step.done {
                return Ok(());
            }
        }
    }

    /// Inflates the flush marker the sender left out of a compressed
    /// message (RFC 7692 §7.2.2), which completes its output.
    fn finish_inflating(&mut self) -> Result<()> {
        let at = self.decoder.payload_offset();
        let (limit, kind) = self.inflate_limit();
        let message = &mut self.message;
        let before = message.buffer.len();
        let finished = match self.decompressor.as_mut() {
            Some(d) => d.finish(&mut message.buffer, limit, 0),
            None => Ok(()),
        };
        message.size = message.buffer.len() as u64;
        message.check_text_from(before, TextAt::Inflated(at))?;
        finished.map_err(|f| inflate_error(f, kind, limit, at))?;
        Ok(())
    }

    /// Delivers the completed message, from `direct` (a piece of the input)
    /// or from the assembly buffer, and resets the assembly.
    fn deliver_message<F>(&mut self, direct: Option<&[u8]>, on_event: &mut F) -> Result<bool>
    where
        F: FnMut(Event<'_>),
    {
        let message = &mut self.message;
        if direct.is_none() && self.config.delivery == Delivery::Pieces {
            let kind = message.kind.unwrap_or(MessageKind::Binary);
            if kind == MessageKind::Text && !message.unchecked && message.utf8.finish().is_err() {
                return Err(Error::at(
                    ErrorKind::InvalidUtf8,
                    message.utf8_pending_at,
                    "text message ends inside a multi-byte UTF-8 sequence",
                ));
            }
            on_event(Event::MessageEnd(kind));
            *message = Assembly::default();
            return Ok(true);
        }
        let bytes = direct.unwrap_or(&message.buffer);
        match message.kind {
            Some(MessageKind::Text) if message.unchecked => on_event(Event::UncheckedText(bytes)),
            Some(MessageKind::Text) => {
                if message.utf8.finish().is_err() {
                    return Err(Error::at(
                        ErrorKind::InvalidUtf8,
                        message.utf8_pending_at,
                        "text message ends inside a multi-byte UTF-8 sequence",
                    ));
                }
                debug_assert!(std::str::from_utf8(bytes).is_ok());
                // SAFETY: every byte of the message went through `message.utf8`
                // (in `on_payload`), which accepted all of them and holds no
                // unfinished sequence, so `bytes` is valid UTF-8. The
                // validator is checked against `std::str::from_utf8` in its
                // unit tests and in tests/properties.rs.
                let text = unsafe { std::str::from_utf8_unchecked(bytes) };
                on_event(Event::Text(text));
            }
            _ => on_event(Event::Binary(bytes)),
        }
        // The delivered bytes stay untouched until the next call; the next
        // message is assembled in another buffer.
        let buffer = std::mem::take(&mut message.buffer);
        if buffer.capacity() > 0 {
            self.delivered.push(buffer);
        }
        *message = Assembly {
            buffer: self.spare.pop().unwrap_or_default(),
            ..Assembly::default()
        };
        Ok(true)
    }

    /// Turns the buffers delivered by the previous call into spares, keeping
    /// a few of moderate size and freeing the rest.
    fn recycle_delivered(&mut self) {
        for mut buffer in self.delivered.drain(..) {
            if self.spare.len() < 4 && buffer.capacity() <= 1 << 20 {
                buffer.clear();
                self.spare.push(buffer);
            }
        }
    }

    fn on_close<F>(&mut self, on_event: &mut F) -> Result<()>
    where
        F: FnMut(Event<'_>),
    {
        let payload_at = self.decoder.payload_offset();
        let control = std::mem::take(&mut self.control);
        let parsed = close::parse_close_payload(&control).map_err(|e| e.shifted(payload_at));
        let CloseFrame { code, reason } = match parsed {
            Ok(frame) => frame,
            Err(e) => {
                self.control = control;
                return Err(e);
            }
        };
        self.peer_close = Some(code);
        on_event(Event::Close { code, reason });
        self.control = control;
        Ok(())
    }

    /// Records a protocol error; the close frame failing the connection is
    /// queued by `flush` (at once if we already sent a close: none is owed).
    fn fail(&mut self, error: Error) -> Error {
        self.failed = self.close_sent;
        self.error = Some(Box::new(error.clone()));
        error
    }

    fn write_frame(
        &mut self,
        opcode: Opcode,
        payload: &[u8],
        fin: bool,
        rsv1: bool,
        masking: Masking,
    ) -> Result<()> {
        let mask = match (masking, self.config.role) {
            (Masking::ByRole, Role::Client) | (Masking::Random, _) => Some(self.keys.next_key()?),
            (Masking::ByRole, Role::Server) | (Masking::Unmasked, _) => None,
            (Masking::Key(key), _) => Some(key),
        };
        let header = FrameHeader {
            fin,
            rsv1,
            mask,
            ..FrameHeader::new(opcode, payload.len() as u64)
        };
        encode_frame(&mut self.output, header, payload);
        Ok(())
    }

    fn send_close_frame(&mut self, code: Option<u16>, reason: &[u8], masking: Masking) -> Result<()> {
        let mut payload = Vec::with_capacity(MAX_CONTROL_PAYLOAD);
        close::encode_close_payload(&mut payload, code, reason)?;
        self.write_frame(Opcode::Close, &payload, true, false, masking)?;
        self.close_sent = true;
        Ok(())
    }

    /// Whether a message starting with `len` payload bytes is compressed.
    /// Messages under the threshold never pass through the compressor: with
    /// context takeover, the peer's window would lose track of ours.
    fn compresses(&self, len: u64, wanted: bool) -> bool {
        wanted && self.compressor.is_some() && self.config.deflate.is_some_and(|d| len >= d.threshold as u64)
    }

    /// A whole message may be sent when data may and no fragmented message
    /// is half sent.
    fn check_can_send_message(&self) -> Result<()> {
        self.check_can_send()?;
        if self.sending.is_some() {
            return Err(Error::new(
                ErrorKind::InvalidState,
                "a fragmented message is being sent; finish it first",
            ));
        }
        Ok(())
    }

    /// Data may be sent until our close frame is: also while a close reply
    /// or failure is pending, to answer events that came before it.
    fn check_can_send(&self) -> Result<()> {
        if self.close_sent || self.failed {
            return Err(Error::new(
                ErrorKind::InvalidState,
                "the connection is closing or closed",
            ));
        }
        Ok(())
    }

    /// Sends a text message in one frame.
    pub fn send_text(&mut self, text: &str) -> Result<()> {
        // A `&str` is valid UTF-8 by construction: no need to check it again.
        self.write_message(MessageKind::Text, text.as_bytes(), &SendOptions::default())
    }

    /// Sends a binary message in one frame.
    pub fn send_binary(&mut self, data: &[u8]) -> Result<()> {
        self.send_message(MessageKind::Binary, data, None)
    }

    /// Sends a message, split into frames of at most `max_frame` payload
    /// bytes if given. Text must be valid UTF-8 as a whole.
    pub fn send_message(&mut self, kind: MessageKind, data: &[u8], max_frame: Option<usize>) -> Result<()> {
        let options = SendOptions {
            max_frame,
            ..SendOptions::default()
        };
        self.send_message_with(kind, data, &options)
    }

    /// Sends a message as `options` say (frame size, compression, masking).
    /// Text must be valid UTF-8 as a whole.
    pub fn send_message_with(&mut self, kind: MessageKind, data: &[u8], options: &SendOptions) -> Result<()> {
        if kind == MessageKind::Text {
            crate::utf8::validate(data)
                .map_err(|e| Error::new(ErrorKind::InvalidArgument, format!("text to send: {e}")))?;
        }
        self.write_message(kind, data, options)
    }

    fn write_message(&mut self, kind: MessageKind, data: &[u8], options: &SendOptions) -> Result<()> {
        self.check_can_send_message()?;
        if options.max_frame == Some(0) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "max_frame must be at least 1",
            ));
        }
        let compress = self.compresses(data.len() as u64, options.compress);
        let mut compressed = std::mem::take(&mut self.compressed);
        compressed.clear();
        if let (true, Some(c)) = (compress, self.compressor.as_mut()) {
            c.compress(data, true, &mut compressed)?;
        }
        let payload = if compress { &compressed[..] } else { data };
        // Frames are cut from the payload as sent, compressed or not.
        let size = options.max_frame.unwrap_or(payload.len()).max(1);
        let result = self.write_frames(kind.opcode(), payload, size, compress, options.masking);
        self.compressed = compressed;
        result
    }

    /// Starts a binary message of `len` bytes whose payload the caller
    /// writes itself, so a large payload need not be copied: when it goes
    /// out as one plain frame (server role, hence unmasked, and not
    /// compressed), writes only that frame's header to the output and
    /// returns true; the caller writes the output, then the payload as is.
    /// Returns false, writing nothing, when the payload must pass through
    /// the connection (a client masks it, compression changes it): send it
    /// with [`send_binary`](Connection::send_binary) then.
    pub fn send_binary_header(&mut self, len: u64) -> Result<bool> {
        self.send_header(MessageKind::Binary, len, Payload::Unseen, true)
    }

    /// [`send_binary_header`](Connection::send_binary_header) for either
    /// type. Text must be UTF-8 (§5.6): give its bytes to be checked
    /// ([`Payload::Check`]), or vouch for them ([`Payload::Unseen`]: text
    /// encoded from a string, valid by construction). `compress: false`
    /// asks for this message uncompressed.
    pub fn send_header(
        &mut self,
        kind: MessageKind,
        len: u64,
        payload: Payload<'_>,
        compress: bool,
    ) -> Result<bool> {
        self.check_can_send_message()?;
        if self.config.role == Role::Client || self.compresses(len, compress) {
            return Ok(false);
        }
        if let (MessageKind::Text, Payload::Check(text)) = (kind, payload) {
            crate::utf8::validate(text)
                .map_err(|e| Error::new(ErrorKind::InvalidArgument, format!("text to send: {e}")))?;
        }
        let mut head = [0u8; MAX_HEADER_LEN];
        let head_len = FrameHeader::new(kind.opcode(), len).encode(&mut head);
        self.output.extend_from_slice(&head[..head_len]);
        Ok(true)
    }

    /// Frames one message payload in frames of at most `size` bytes; RSV1
    /// on the first frame only.
    fn write_frames(
        &mut self,
        opcode: Opcode,
        payload: &[u8],
        size: usize,
        rsv1: bool,
        masking: Masking,
    ) -> Result<()> {
        let mut chunks = payload.chunks(size).peekable();
        if chunks.peek().is_none() {
            return self.write_frame(opcode, &[], true, rsv1, masking);
        }
        let (mut opcode, mut rsv1) = (opcode, rsv1);
        while let Some(chunk) = chunks.next() {
            self.write_frame(opcode, chunk, chunks.peek().is_none(), rsv1, masking)?;
            opcode = Opcode::Continuation;
            rsv1 = false;
        }
        Ok(())
    }

    /// Sends one fragment of a message whose size is not known up front:
    /// the first call opens the message as `kind`, later ones continue it,
    /// and `fin` ends it. Control frames may be sent in between.
    ///
    /// With permessage-deflate, a message is compressed when its first
    /// fragment reaches the threshold; each fragment is then flushed so it
    /// can go out at once.
    pub fn send_fragment(&mut self, kind: MessageKind, data: &[u8], fin: bool) -> Result<()> {
        self.send_fragment_with(kind, data, fin, &SendOptions::default())
    }

    /// [`send_fragment`](Connection::send_fragment) with compression and
    /// masking as `options` say (`max_frame` does not apply: a fragment is
    /// one frame). Whether the message is compressed is decided by its
    /// first fragment.
    pub fn send_fragment_with(
        &mut self,
        kind: MessageKind,
        data: &[u8],
        fin: bool,
        options: &SendOptions,
    ) -> Result<()> {
        self.check_can_send()?;
        let masking = options.masking;
        let (opcode, compress, first) = match self.sending {
            None => (
                kind.opcode(),
                self.compresses(data.len() as u64, options.compress),
                true,
            ),
            Some((open, compress)) if open == kind => (Opcode::Continuation, compress, false),
            Some(_) => {
                return Err(Error::new(
                    ErrorKind::InvalidState,
                    "the open fragmented message has the other type",
                ))
            }
        };
        if compress {
            let mut compressed = std::mem::take(&mut self.compressed);
            compressed.clear();
            let result = match self.compressor.as_mut() {
                Some(c) => c.compress(data, fin, &mut compressed),
                None => Ok(()),
            };
            let result = result.and_then(|()| self.write_frame(opcode, &compressed, fin, first, masking));
            self.compressed = compressed;
            result?;
        } else {
            self.write_frame(opcode, data, fin, false, masking)?;
        }
        self.sending = if fin { None } else { Some((kind, compress)) };
        Ok(())
    }

    fn check_control_payload(payload: &[u8]) -> Result<()> {
        if payload.len() > MAX_CONTROL_PAYLOAD {
            return Err(Error::new(
                ErrorKind::ControlPayloadTooLong,
                format!("control payload of {} bytes exceeds 125", payload.len()),
            ));
        }
        Ok(())
    }

    pub fn send_ping(&mut self, payload: &[u8]) -> Result<()> {
        self.send_control(Opcode::Ping, payload, Masking::ByRole)
    }

    pub fn send_pong(&mut self, payload: &[u8]) -> Result<()> {
        self.send_control(Opcode::Pong, payload, Masking::ByRole)
    }

    /// Sends a ping or a pong masked as `masking` says.
    pub fn send_control(&mut self, opcode: Opcode, payload: &[u8], masking: Masking) -> Result<()> {
        if !matches!(opcode, Opcode::Ping | Opcode::Pong) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "send_control sends pings and pongs; close with close()",
            ));
        }
        self.check_can_send()?;
        Self::check_control_payload(payload)?;
        self.write_frame(opcode, payload, true, false, masking)
    }

    /// Starts the closing handshake, or answers the peer's close with this
    /// code. While a failure is pending, sends its close frame instead (the
    /// error's code is the one owed to the peer). `code` `None` sends a close
    /// frame without status.
    pub fn close(&mut self, code: Option<u16>, reason: &str) -> Result<()> {
        self.close_with(code, reason.as_bytes(), Masking::ByRole)
    }

    /// [`close`](Connection::close) with a reason given as bytes (which
    /// must be UTF-8) and the frame masked as `masking` says.
    pub fn close_with(&mut self, code: Option<u16>, reason: &[u8], masking: Masking) -> Result<()> {
        self.check_can_send()?;
        if self.state() == State::Failing {
            return self.flush_with(masking);
        }
        self.send_close_frame(code, reason, masking)
    }
}

/// The error for an inflate that failed while reading a compressed message.
/// RFC 6455 §5.4 (a fragmented message's frames come in one run: a
/// continuation needs an open message, a new data frame needs none open)
/// and RFC 7692 §6 (RSV1 marks only a compressed message's first frame),
/// for a frame arriving while a data message is `open` or not.
/// `rsv1_allowed`: permessage-deflate is in use (without it the header
/// rules judge RSV1). The connection fails with it; the inspector reports
/// it and goes on. Offsets are from the frame's first byte.
pub fn check_sequence(opcode: Opcode, rsv1: bool, open: bool, rsv1_allowed: bool) -> Option<Violation> {
    if rsv1_allowed && rsv1 && (opcode.is_control() || opcode == Opcode::Continuation) {
        let message = format!(
            "RSV1 on a {} frame: only the first frame of a compressed message has it",
            opcode.name()
        );
        return Some(Violation::new(ErrorKind::Rsv1Unexpected, 0, Some(1), message));
    }
    match (opcode, open) {
        (Opcode::Continuation, false) => Some(
            Violation::new(
                ErrorKind::UnexpectedContinuation,
                0,
                Some(4),
                "continuation frame without a message to continue",
            )
            .with_value(0),
        ),
        (Opcode::Text | Opcode::Binary, true) => Some(
            Violation::new(
                ErrorKind::ExpectedContinuation,
                0,
                Some(4),
                format!("{} frame while a fragmented message is open", opcode.name()),
            )
            .with_value(u64::from(opcode.bits())),
        ),
        _ => None,
    }
}

fn inflate_error(failure: InflateFailure, kind: ErrorKind, limit: usize, at: u64) -> Error {
    match failure {
        InflateFailure::TooBig => Error::at(
            kind,
            at,
            format!("the compressed message inflates to more than the limit of {limit} bytes"),
        ),
        InflateFailure::Corrupt(why) => Error::at(ErrorKind::InvalidCompressedData, at, why),
    }
}

/// Validates the next bytes of a text message as they arrive, failing at the
/// first byte that cannot be valid (with its stream offset), and remembers
/// where an unfinished sequence at the end began.
fn check_text(utf8: &mut Utf8Validator, pending_at: &mut u64, data: &[u8], at: TextAt) -> Result<()> {
    let place = |in_data: u64| match at {
        TextAt::Wire(start) => start + in_data,
        TextAt::Inflated(payload) => payload,
    };
    let before = utf8.position();
    utf8.feed(data).map_err(|e| {
        let in_data = e.offset().unwrap_or(before) - before;
        Error::at(
            ErrorKind::InvalidUtf8,
            place(in_data),
            format!(
                "invalid UTF-8 at byte {} of the text message",
                e.offset().unwrap_or(0)
            ),
        )
    })?;
    // An unfinished sequence no longer than these bytes began in them.
    let pending = utf8.pending_len();
    if pending > 0 && pending <= data.len() {
        *pending_at = place((data.len() - pending) as u64);
    }
    Ok(())
}
