//! The one error type of the crate.
//!
//! Every error carries a stable machine-readable `code` (what programs match
//! on), the close code RFC 6455 §7.4 prescribes when the error ends a
//! connection, the HTTP status when it ends a handshake, and the byte offset
//! in the input stream where the problem was found.

use std::fmt;

/// Declares [`ErrorKind`] from one table: variant, stable code, close code
/// (when the error fails an open connection), HTTP status (when it refuses
/// an opening handshake) and the code `ws` gives the same fault (so the
/// drop-in Node layer reports what `ws` users match on).
macro_rules! error_kinds {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, close $close:expr, http $http:expr, ws $ws:expr; )*) => {
        /// What went wrong. [`ErrorKind::code`] gives the stable string form.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorKind {
            $( $(#[$doc])* $variant, )*
        }

        impl ErrorKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$variant),*];

            /// The kind whose [`ErrorKind::code`] is `code`.
            pub fn from_code(code: &str) -> Option<ErrorKind> {
                Self::ALL.iter().copied().find(|k| k.code() == code)
            }

            /// The stable string form, e.g. `"rsv1_unexpected"`. Never changes once released.
            pub fn code(self) -> &'static str {
                match self { $(ErrorKind::$variant => $code,)* }
            }

            /// The close code (RFC 6455 §7.4.1) to send when this error fails an
            /// open connection; `None` for errors that are not about received frames.
            pub fn close_code(self) -> Option<u16> {
                match self { $(ErrorKind::$variant => $close,)* }
            }

            /// The HTTP status a server answers with when this error refuses an
            /// opening handshake; `None` for errors that are not about a request.
            pub fn http_status(self) -> Option<u16> {
                match self { $(ErrorKind::$variant => $http,)* }
            }

            /// The `code` the `ws` package puts on its error for the same
            /// fault (`WS_ERR_*`, or zlib's code for corrupt compressed
            /// data); `None` where `ws` has no such error.
            pub fn ws_code(self) -> Option<&'static str> {
                match self { $(ErrorKind::$variant => $ws,)* }
            }
        }
    };
}

const PROTOCOL: Option<u16> = Some(1002);
const INVALID_DATA: Option<u16> = Some(1007);
const TOO_BIG: Option<u16> = Some(1009);

error_kinds! {
    // --- framing (RFC 6455 §5) ---
    /// Opcode 0x3-0x7 or 0xB-0xF.
    ReservedOpcode = "reserved_opcode", close PROTOCOL, http None, ws Some("WS_ERR_INVALID_OPCODE");
    /// RSV1 set but no negotiated extension defines it.
    Rsv1Unexpected = "rsv1_unexpected", close PROTOCOL, http None, ws Some("WS_ERR_UNEXPECTED_RSV_1");
    /// RSV2 set but no negotiated extension defines it.
    Rsv2Unexpected = "rsv2_unexpected", close PROTOCOL, http None, ws Some("WS_ERR_UNEXPECTED_RSV_2_3");
    /// RSV3 set but no negotiated extension defines it.
    Rsv3Unexpected = "rsv3_unexpected", close PROTOCOL, http None, ws Some("WS_ERR_UNEXPECTED_RSV_2_3");
    /// The 64-bit extended payload length has its most significant bit set.
    LengthMsbSet = "length_msb_set", close PROTOCOL, http None, ws Some("WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH");
    /// The payload length was not encoded in its minimal form (strict mode only).
    NonMinimalLength = "non_minimal_length", close PROTOCOL, http None, ws None;
    /// A control frame announced more than 125 payload bytes.
    ControlFrameTooLong = "control_frame_too_long", close PROTOCOL, http None, ws Some("WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH");
    /// A control frame without FIN.
    ControlFrameFragmented = "control_frame_fragmented", close PROTOCOL, http None, ws Some("WS_ERR_EXPECTED_FIN");
    /// A frame from a client was not masked.
    MaskMissing = "mask_missing", close PROTOCOL, http None, ws Some("WS_ERR_EXPECTED_MASK");
    /// A frame from a server was masked.
    MaskUnexpected = "mask_unexpected", close PROTOCOL, http None, ws Some("WS_ERR_UNEXPECTED_MASK");
    /// A frame's payload exceeds the configured maximum frame size.
    FrameTooBig = "frame_too_big", close TOO_BIG, http None, ws Some("WS_ERR_UNSUPPORTED_MESSAGE_LENGTH");
    /// A message exceeds the configured maximum message size.
    MessageTooBig = "message_too_big", close TOO_BIG, http None, ws Some("WS_ERR_UNSUPPORTED_MESSAGE_LENGTH");
    /// A message has more fragments than the configured maximum (policy, as `ws`).
    TooManyFragments = "too_many_fragments", close Some(1008), http None, ws Some("WS_ERR_TOO_MANY_BUFFERED_PARTS");
    /// More bytes would be held for incomplete input than the configured maximum.
    BufferLimit = "buffer_limit", close TOO_BIG, http None, ws Some("WS_ERR_UNSUPPORTED_MESSAGE_LENGTH");
    /// A continuation frame arrived while no fragmented message was open.
    UnexpectedContinuation = "unexpected_continuation", close PROTOCOL, http None, ws Some("WS_ERR_INVALID_OPCODE");
    /// A new text or binary frame arrived while a fragmented message was open.
    ExpectedContinuation = "expected_continuation", close PROTOCOL, http None, ws Some("WS_ERR_INVALID_OPCODE");
    /// The input ended inside a frame.
    TruncatedFrame = "truncated_frame", close PROTOCOL, http None, ws None;
    // --- payload ---
    /// A text message is not valid UTF-8.
    InvalidUtf8 = "invalid_utf8", close INVALID_DATA, http None, ws Some("WS_ERR_INVALID_UTF8");
    /// A close frame with a 1-byte payload.
    InvalidClosePayload = "invalid_close_payload", close PROTOCOL, http None, ws Some("WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH");
    /// A close frame with a status code that may not appear on the wire.
    InvalidCloseCode = "invalid_close_code", close PROTOCOL, http None, ws Some("WS_ERR_INVALID_CLOSE_CODE");
    /// A close frame whose reason is not valid UTF-8.
    InvalidCloseReason = "invalid_close_reason", close INVALID_DATA, http None, ws Some("WS_ERR_INVALID_UTF8");
    /// A compressed message whose DEFLATE data is corrupt (1007, as `ws` and
    /// Autobahn|Testsuite expect: the payload is not what it claims to be).
    InvalidCompressedData = "invalid_compressed_data", close INVALID_DATA, http None, ws Some("Z_DATA_ERROR");
    // --- sending / API use ---
    /// A control frame payload or close reason longer than the protocol allows.
    ControlPayloadTooLong = "control_payload_too_long", close None, http None, ws None;
    /// The operation is not allowed in the connection's current state.
    InvalidState = "invalid_state", close None, http None, ws None;
    /// An argument given by the caller is not acceptable.
    InvalidArgument = "invalid_argument", close None, http None, ws None;
    /// The system random source failed.
    RandomUnavailable = "random_unavailable", close None, http None, ws None;
    // --- opening handshake (RFC 6455 §4) ---
    /// The HTTP head is longer than the configured maximum.
    HeadTooLarge = "head_too_large", close None, http Some(431), ws None;
    /// The HTTP head has more header fields than the configured maximum.
    TooManyHeaders = "too_many_headers", close None, http Some(431), ws None;
    /// The bytes are not a well-formed HTTP/1.x head.
    InvalidHttp = "invalid_http", close None, http Some(400), ws None;
    /// The request method is not GET.
    MethodNotAllowed = "method_not_allowed", close None, http Some(405), ws None;
    /// The HTTP version is older than 1.1.
    InvalidHttpVersion = "invalid_http_version", close None, http Some(400), ws None;
    /// The request has no Host header.
    MissingHost = "missing_host", close None, http Some(400), ws None;
    /// The Upgrade header is missing or does not contain `websocket`.
    InvalidUpgrade = "invalid_upgrade", close None, http Some(400), ws None;
    /// The Connection header is missing or does not contain `Upgrade`.
    InvalidConnection = "invalid_connection", close None, http Some(400), ws None;
    /// Sec-WebSocket-Version is missing or not 13.
    UnsupportedVersion = "unsupported_version", close None, http Some(426), ws None;
    /// Sec-WebSocket-Key is missing or does not decode to 16 bytes.
    InvalidKey = "invalid_key", close None, http Some(400), ws None;
    /// Sec-WebSocket-Protocol is malformed, or the peer chose one that was not offered.
    InvalidSubprotocol = "invalid_subprotocol", close None, http Some(400), ws None;
    /// Sec-WebSocket-Extensions is malformed, or the peer accepted one that was not offered.
    InvalidExtensions = "invalid_extensions", close None, http Some(400), ws None;
    /// An HTTP request body longer than the configured maximum.
    BodyTooLarge = "body_too_large", close None, http Some(413), ws None;
    /// An HTTP request body framed in a way this server does not read
    /// (a transfer coding other than chunked, or both framings at once).
    UnsupportedBodyFraming = "unsupported_body_framing", close None, http Some(400), ws None;
    /// The application refused the request's origin.
    OriginRejected = "origin_rejected", close None, http Some(403), ws None;
    /// The server answered with a status other than 101.
    UnexpectedStatus = "unexpected_status", close None, http None, ws None;
    /// Sec-WebSocket-Accept is missing or wrong.
    InvalidAccept = "invalid_accept", close None, http None, ws None;
    // --- Engine.IO (protocols 3 and 4) ---
    /// A packet with an unknown type, bad base64 or no content where one is required.
    EngineioInvalidPacket = "engineio_invalid_packet", close None, http Some(400), ws None;
    /// A payload (several packets in one polling body) that does not follow its grammar.
    EngineioInvalidPayload = "engineio_invalid_payload", close None, http Some(400), ws None;
    /// A payload or packet longer than the configured maximum (`maxPayload`).
    EngineioPayloadTooLarge = "engineio_payload_too_large", close None, http Some(413), ws None;
    /// A payload with more packets than the configured maximum.
    EngineioTooManyPackets = "engineio_too_many_packets", close None, http Some(400), ws None;
    // --- Socket.IO (protocol 5) ---
    /// A packet that does not follow `<type>[<attachments>-][<nsp>,][<id>][json]`,
    /// or whose data has the wrong shape for its type.
    SocketioInvalidPacket = "socketio_invalid_packet", close None, http None, ws None;
    /// A binary packet announcing more attachments than the configured maximum.
    SocketioTooManyAttachments = "socketio_too_many_attachments", close None, http None, ws None;
    /// A placeholder whose `num` is not an integer below the attachment count,
    /// or an attachment that arrived when none was expected (or text when one was).
    SocketioInvalidAttachment = "socketio_invalid_attachment", close None, http None, ws None;
    // --- capture files and HAR exports (the inspector) ---
    /// A capture file ends inside a packet record or block.
    TruncatedCapture = "truncated_capture", close None, http None, ws None;
    /// A pcapng packet names an interface no block described.
    UnknownInterface = "unknown_interface", close None, http None, ws None;
    /// Packets of a link type the capture reader does not read.
    UnsupportedLinkType = "unsupported_link_type", close None, http None, ws None;
    /// IP fragments, which the capture reader does not reassemble.
    IpFragments = "ip_fragments", close None, http None, ws None;
    /// Bytes a TCP peer sent that the capture does not hold.
    CaptureGap = "capture_gap", close None, http None, ws None;
    /// A TCP connection reset (RST).
    TcpReset = "tcp_reset", close None, http None, ws None;
    /// A HAR's binary WebSocket message that is not valid base64.
    HarInvalidBase64 = "har_invalid_base64", close None, http None, ws None;
    /// A HAR's WebSocket entry without its messages (Firefox exports the handshake only).
    HarNoMessages = "har_no_messages", close None, http None, ws None;
}

impl ErrorKind {
    /// The specification section the fault breaks, where one applies (the
    /// inspector names it with each diagnostic).
    pub fn section(self) -> Option<&'static str> {
        use ErrorKind::*;
        Some(match self {
            ReservedOpcode | Rsv1Unexpected | Rsv2Unexpected | Rsv3Unexpected | LengthMsbSet
            | NonMinimalLength | MaskMissing | MaskUnexpected | TruncatedFrame => "RFC 6455 §5.2",
            UnexpectedContinuation | ExpectedContinuation => "RFC 6455 §5.4",
            ControlFrameTooLong | ControlFrameFragmented => "RFC 6455 §5.5",
            InvalidClosePayload | InvalidCloseReason => "RFC 6455 §5.5.1",
            InvalidCloseCode => "RFC 6455 §7.4",
            InvalidUtf8 => "RFC 6455 §8.1",
            FrameTooBig | MessageTooBig | BufferLimit => "RFC 6455 §7.4.1 (1009)",
            TooManyFragments => "RFC 6455 §7.4.1 (1008)",
            InvalidCompressedData => "RFC 7692 §7.2.2",
            UnexpectedStatus | InvalidAccept => "RFC 6455 §4.1",
            MethodNotAllowed | InvalidHttpVersion | MissingHost | InvalidUpgrade | InvalidConnection
            | UnsupportedVersion | InvalidKey => "RFC 6455 §4.2.1",
            InvalidSubprotocol => "RFC 6455 §4.1, §4.2.2",
            InvalidExtensions => "RFC 6455 §9.1",
            InvalidHttp | HeadTooLarge | TooManyHeaders => "RFC 9112 §2",
            _ => return None,
        })
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A kind crosses to JS (and JSON) as its stable code.
impl serde::Serialize for ErrorKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

/// A protocol rule broken, found by the one function that states the rule:
/// the strict codec fails with the first ([`Violation::into_error`]), the
/// inspector reports every one and goes on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub kind: ErrorKind,
    /// Bytes from where the checked unit starts (a frame's first byte, a
    /// head's first byte).
    pub offset: u64,
    /// The bit within that byte (0 = most significant), for header bits.
    pub bit: Option<u8>,
    pub message: String,
    /// The offending value, where one number says it (an opcode, a length).
    pub value: Option<u64>,
}

impl Violation {
    pub fn new(kind: ErrorKind, offset: u64, bit: Option<u8>, message: impl Into<String>) -> Self {
        Violation {
            kind,
            offset,
            bit,
            message: message.into(),
            value: None,
        }
    }

    pub fn with_value(mut self, value: u64) -> Self {
        self.value = Some(value);
        self
    }

    /// The error a strict endpoint fails with, at `base` + the offset.
    pub fn into_error(self, base: u64) -> Error {
        let error = Error::at(self.kind, base + self.offset, self.message);
        match self.value {
            Some(value) => error.with_value(value),
            None => error,
        }
    }
}

/// An error with its kind, the byte offset where it was found (when it is
/// about input), the value at fault when there is one (the reserved opcode,
/// the announced control-frame length, the forbidden close code) and a
/// human-readable message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    offset: Option<u64>,
    value: Option<u64>,
    message: String,
    upstream: Option<Box<str>>,
}

impl Error {
    /// An error about input, found at byte `offset` of the stream.
    pub fn at(kind: ErrorKind, offset: u64, message: impl Into<String>) -> Self {
        Error {
            kind,
            offset: Some(offset),
            value: None,
            message: message.into(),
            upstream: None,
        }
    }

    /// An error with no position (API misuse, environment failures).
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            offset: None,
            value: None,
            message: message.into(),
            upstream: None,
        }
    }

    /// The same error, naming the value at fault.
    pub fn with_value(mut self, value: u64) -> Self {
        self.value = Some(value);
        self
    }

    /// The same error, with the message the library wsframe stands in for
    /// (socket.io-parser, …) gives for the same fault.
    pub fn with_upstream(mut self, message: impl Into<Box<str>>) -> Self {
        self.upstream = Some(message.into());
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The stable string code, e.g. `"invalid_utf8"`.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    pub fn close_code(&self) -> Option<u16> {
        self.kind.close_code()
    }

    pub fn http_status(&self) -> Option<u16> {
        self.kind.http_status()
    }

    /// Byte offset in the input stream where the problem was found.
    pub fn offset(&self) -> Option<u64> {
        self.offset
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// The value at fault (opcode, length, close code), when the error has one.
    pub fn value(&self) -> Option<u64> {
        self.value
    }

    /// The message the replaced library gives for the same fault, when
    /// it fails on it too (see [`with_upstream`](Error::with_upstream)).
    pub fn upstream_message(&self) -> Option<&str> {
        self.upstream.as_deref()
    }

    /// The `code` the `ws` package gives the same fault, if it has one.
    pub fn ws_code(&self) -> Option<&'static str> {
        self.kind.ws_code()
    }

    /// The same error, positioned `base` bytes further into an outer stream.
    pub(crate) fn shifted(mut self, base: u64) -> Self {
        if let Some(offset) = self.offset.as_mut() {
            *offset += base;
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.code(), self.message)?;
        if let Some(offset) = self.offset {
            write!(f, " (at byte {offset})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    // Under wasm32 the same tests run in Node through wasm-bindgen-test.
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for kind in ErrorKind::ALL {
            let code = kind.code();
            assert!(seen.insert(code), "duplicate code {code}");
            assert!(code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit()));
            // A kind is about a connection or about a handshake, not both.
            assert!(kind.close_code().is_none() || kind.http_status().is_none());
            assert_eq!(ErrorKind::from_code(code), Some(*kind));
            // `ws` codes exist only for faults of received frames.
            if kind.ws_code().is_some() {
                assert!(kind.close_code().is_some(), "{code}");
            }
        }
    }

    #[test]
    fn display_names_code_and_offset() {
        let e = Error::at(ErrorKind::InvalidUtf8, 17, "bad byte 0xff");
        assert_eq!(e.to_string(), "invalid_utf8: bad byte 0xff (at byte 17)");
        assert_eq!(e.close_code(), Some(1007));
        assert_eq!(e.shifted(3).offset(), Some(20));
    }
}
