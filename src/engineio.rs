//! Engine.IO packets and payloads: protocol 4 (engine.io 4 and later,
//! engine.io-parser 5) and protocol 3 (engine.io 3, engine.io-parser 2).
//!
//! The version is always the caller's: it comes from the `EIO` query
//! parameter of the request that carried the bytes. Nothing here guesses it,
//! because the same bytes mean different things: `b4AQID` is a binary
//! message `01 02 03` in v3 and the binary message `e0 01 02 03` in v4.
//!
//! Wire forms, per packet type digit `0`-`6` (open close ping pong message
//! upgrade noop):
//! - a packet as text: `<digit>[text]`; binary data as text is `b<base64>`
//!   (v4, always a message) or `b<digit><base64>` (v3);
//! - a packet as a WebSocket binary message: the raw bytes (v4, a message)
//!   or `<type byte><bytes>` (v3);
//! - a polling payload: packets joined by `\x1e` (v4), or each prefixed with
//!   its length in UTF-16 code units and `:` (v3), or v3's binary ("XHR2")
//!   form `<0 text|1 binary><length as digit bytes><0xff><packet>`, where
//!   lengths count bytes;
//! - a length-prefixed stream (v4 over WebTransport): a 1, 3 or 9 byte
//!   header with the binary flag in bit 7, then the packet.
//!
//! Malformed input is an [`Error`] with the byte offset of the culprit, never
//! a panic; decoded payloads keep the packets that came before the error, as
//! engine.io-parser does.

use crate::error::{Error, ErrorKind, Result};
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// The payload separator of protocol 4 (ASCII record separator).
pub const SEPARATOR: char = '\x1e';

/// Base64 as Node writes it (padded), read with or without padding.
const BASE64_READER: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The value of a URL's or request target's `EIO` query parameter, which
/// makes a request an Engine.IO one (its version may still be unsupported).
pub fn eio_param(url: &str) -> Option<&str> {
    let (_, query) = url.split_once('?')?;
    query.split('&').find_map(|kv| kv.strip_prefix("EIO="))
}

/// Engine.IO protocol revision, from the `EIO` query parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Version {
    V3,
    V4,
}

impl Version {
    /// `"3"` or `"4"`; anything else is not a version this crate speaks.
    pub fn from_query(eio: &str) -> Option<Version> {
        match eio {
            "3" => Some(Version::V3),
            "4" => Some(Version::V4),
            _ => None,
        }
    }

    /// The protocol a URL or request target names in its `EIO=` query
    /// parameter.
    pub fn from_url(url: &str) -> Option<Version> {
        eio_param(url).and_then(Version::from_query)
    }

    pub fn number(self) -> u8 {
        match self {
            Version::V3 => 3,
            Version::V4 => 4,
        }
    }
}

/// The seven packet types, numbered as on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PacketType {
    Open = 0,
    Close = 1,
    Ping = 2,
    Pong = 3,
    Message = 4,
    Upgrade = 5,
    Noop = 6,
}

impl PacketType {
    pub const ALL: [PacketType; 7] = [
        PacketType::Open,
        PacketType::Close,
        PacketType::Ping,
        PacketType::Pong,
        PacketType::Message,
        PacketType::Upgrade,
        PacketType::Noop,
    ];

    pub fn from_number(n: u8) -> Option<PacketType> {
        Self::ALL.get(usize::from(n)).copied()
    }

    /// The type written as the ASCII digit `byte`.
    pub fn from_digit(byte: u8) -> Option<PacketType> {
        byte.checked_sub(b'0').and_then(Self::from_number)
    }

    pub fn digit(self) -> char {
        char::from(b'0' + self as u8)
    }

    /// The name engine.io-parser uses (`"open"`, `"message"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            PacketType::Open => "open",
            PacketType::Close => "close",
            PacketType::Ping => "ping",
            PacketType::Pong => "pong",
            PacketType::Message => "message",
            PacketType::Upgrade => "upgrade",
            PacketType::Noop => "noop",
        }
    }

    pub fn from_name(name: &str) -> Option<PacketType> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// What a packet carries after its type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PacketData {
    /// Nothing: the packet is its type alone (`"2"`).
    Empty,
    Text(String),
    Binary(Vec<u8>),
}

/// One Engine.IO packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet {
    pub kind: PacketType,
    pub data: PacketData,
}

impl Packet {
    pub fn new(kind: PacketType) -> Self {
        Packet {
            kind,
            data: PacketData::Empty,
        }
    }

    pub fn text(kind: PacketType, text: impl Into<String>) -> Self {
        Packet {
            kind,
            data: PacketData::Text(text.into()),
        }
    }

    pub fn binary(kind: PacketType, bytes: impl Into<Vec<u8>>) -> Self {
        Packet {
            kind,
            data: PacketData::Binary(bytes.into()),
        }
    }

    pub fn is_binary(&self) -> bool {
        matches!(self.data, PacketData::Binary(_))
    }

    /// The text data, `""` when there is none or it is binary.
    pub fn text_data(&self) -> &str {
        match &self.data {
            PacketData::Text(t) => t,
            _ => "",
        }
    }
}

/// The open packet's JSON, fields in the order engine.io writes them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenPacket {
    pub sid: String,
    pub upgrades: Vec<String>,
    pub ping_interval: u64,
    pub ping_timeout: u64,
    /// Absent in protocol 3 handshakes of engine.io 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_payload: Option<u64>,
}

impl OpenPacket {
    /// The open packet carrying this JSON.
    pub fn to_packet(&self) -> Packet {
        // Serialising a struct of strings and integers cannot fail.
        Packet::text(PacketType::Open, serde_json::to_string(self).unwrap_or_default())
    }

    /// Parses the data of an open packet.
    pub fn parse(json: &str) -> Result<OpenPacket> {
        serde_json::from_str(json).map_err(|e| {
            Error::at(
                ErrorKind::EngineioInvalidPacket,
                e.column().saturating_sub(1) as u64,
                format!("open packet data is not the handshake JSON: {e}"),
            )
        })
    }
}

/// A packet as one WebSocket message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WsMessage {
    Text(String),
    Binary(Vec<u8>),
}

fn invalid_packet(offset: usize, message: impl Into<String>) -> Error {
    Error::at(ErrorKind::EngineioInvalidPacket, offset as u64, message)
}

fn invalid_payload(offset: usize, message: impl Into<String>) -> Error {
    Error::at(ErrorKind::EngineioInvalidPayload, offset as u64, message)
}

/// Appends the text form of `packet` to `out`: `<digit>[text]`, binary data
/// as `b<base64>` (v4) or `b<digit><base64>` (v3).
pub fn write_packet(out: &mut String, packet: &Packet, version: Version) {
    match &packet.data {
        PacketData::Binary(bytes) => {
            out.push('b');
            if version == Version::V3 {
                out.push(packet.kind.digit());
            }
            STANDARD.encode_string(bytes, out);
        }
        PacketData::Text(text) => {
            out.push(packet.kind.digit());
            out.push_str(text);
        }
        PacketData::Empty => out.push(packet.kind.digit()),
    }
}

/// The text form of `packet` (polling, or a WebSocket peer without binary).
pub fn encode_packet(packet: &Packet, version: Version) -> String {
    let mut out = String::new();
    write_packet(&mut out, packet, version);
    out
}

/// `packet` as a WebSocket message: binary data is sent as a binary message,
/// raw in v4 (where only messages can be binary), after a type byte in v3.
pub fn encode_ws(packet: &Packet, version: Version) -> WsMessage {
    match &packet.data {
        PacketData::Binary(bytes) => match version {
            Version::V4 => WsMessage::Binary(bytes.clone()),
            Version::V3 => {
                let mut out = Vec::with_capacity(bytes.len() + 1);
                out.push(packet.kind as u8);
                out.extend_from_slice(bytes);
                WsMessage::Binary(out)
            }
        },
        _ => WsMessage::Text(encode_packet(packet, version)),
    }
}

fn decode_base64(text: &str, offset: usize) -> Result<Vec<u8>> {
    BASE64_READER.decode(text).map_err(|e| {
        let at = match e {
            base64::DecodeError::InvalidByte(i, _) | base64::DecodeError::InvalidLastSymbol(i, _) => i,
            _ => text.len(),
        };
        invalid_packet(offset + at, format!("binary packet is not valid base64: {e}"))
    })
}

/// Decodes a packet received as text (a WebSocket text message or one packet
/// of a polling payload).
pub fn decode_text(text: &str, version: Version) -> Result<Packet> {
    let bytes = text.as_bytes();
    let Some(&first) = bytes.first() else {
        return Err(invalid_packet(0, "empty packet"));
    };
    if first == b'b' {
        return match version {
            Version::V4 => Ok(Packet::binary(PacketType::Message, decode_base64(&text[1..], 1)?)),
            Version::V3 => {
                let Some(kind) = bytes.get(1).and_then(|&d| PacketType::from_digit(d)) else {
                    return Err(invalid_packet(1, "base64 packet without a valid type digit"));
                };
                Ok(Packet::binary(kind, decode_base64(&text[2..], 2)?))
            }
        };
    }
    let Some(kind) = PacketType::from_digit(first) else {
        return Err(invalid_packet(
            0,
            format!(
                "unknown packet type {:?}",
                text.chars().next().unwrap_or_default()
            ),
        ));
    };
    Ok(if text.len() > 1 {
        Packet::text(kind, &text[1..])
    } else {
        Packet::new(kind)
    })
}

/// Decodes a packet received as a WebSocket binary message.
pub fn decode_binary(bytes: &[u8], version: Version) -> Result<Packet> {
    match version {
        Version::V4 => Ok(Packet::binary(PacketType::Message, bytes)),
        Version::V3 => {
            let Some(&first) = bytes.first() else {
                return Err(invalid_packet(0, "empty binary packet (v3 needs a type byte)"));
            };
            let Some(kind) = PacketType::from_number(first) else {
                return Err(invalid_packet(0, format!("unknown packet type byte {first}")));
            };
            Ok(Packet::binary(kind, &bytes[1..]))
        }
    }
}

/// Caps on a decoded payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PayloadLimits {
    /// Largest payload in bytes (engine.io's `maxHttpBufferSize`, announced
    /// to clients as `maxPayload`).
    pub max_bytes: usize,
    /// Most packets one payload may hold.
    pub max_packets: usize,
}

impl Default for PayloadLimits {
    fn default() -> Self {
        PayloadLimits {
            max_bytes: 1_000_000,
            max_packets: 16_384,
        }
    }
}

/// Packets decoded from a payload: those before the first error, then the
/// error if there was one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodedPayload {
    pub packets: Vec<Packet>,
    pub error: Option<Error>,
}

impl DecodedPayload {
    fn fail(packets: Vec<Packet>, error: Error) -> Self {
        DecodedPayload {
            packets,
            error: Some(error),
        }
    }

    /// The packets, or the error if there was one.
    pub fn into_result(self) -> Result<Vec<Packet>> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.packets),
        }
    }
}

fn check_size(len: usize, limits: &PayloadLimits) -> Result<()> {
    if len > limits.max_bytes {
        return Err(Error::at(
            ErrorKind::EngineioPayloadTooLarge,
            limits.max_bytes as u64,
            format!("payload of {len} bytes is over the limit of {}", limits.max_bytes),
        ));
    }
    Ok(())
}

fn too_many_packets(offset: usize, limits: &PayloadLimits) -> Error {
    Error::at(
        ErrorKind::EngineioTooManyPackets,
        offset as u64,
        format!("payload holds more than {} packets", limits.max_packets),
    )
}

/// A text polling payload: packets joined by `\x1e` (v4) or each prefixed
/// with `<length in UTF-16 code units>:` (v3, `"0:"` when there are none).
pub fn encode_payload(packets: &[Packet], version: Version) -> String {
    let mut out = String::new();
    match version {
        Version::V4 => {
            for (i, packet) in packets.iter().enumerate() {
                if i > 0 {
                    out.push(SEPARATOR);
                }
                write_packet(&mut out, packet, version);
            }
        }
        Version::V3 => {
            if packets.is_empty() {
                return "0:".to_string();
            }
            let mut one = String::new();
            for packet in packets {
                one.clear();
                write_packet(&mut one, packet, version);
                out.push_str(&one.encode_utf16().count().to_string());
                out.push(':');
                out.push_str(&one);
            }
        }
    }
    out
}

/// Decodes a text polling payload.
pub fn decode_payload(payload: &str, version: Version, limits: &PayloadLimits) -> DecodedPayload {
    let mut packets = Vec::new();
    let walked = walk_payload(payload, version, limits, |text, at| {
        packets.push(decode_text(text, version).map_err(|e| e.shifted(at as u64))?);
        Ok(())
    });
    DecodedPayload {
        packets,
        error: walked.err(),
    }
}

/// The type of a text packet, checked as [`decode_text`] checks it, without
/// copying its data: `None` for binary data in base64 (whose data must be
/// decoded). The data of other packets is the text after the type digit.
pub fn peek_text(text: &str, version: Version) -> Result<Option<PacketType>> {
    match text.as_bytes().first() {
        Some(b'b') => decode_text(text, version).map(|_| None),
        Some(&digit) => match PacketType::from_digit(digit) {
            Some(kind) => Ok(Some(kind)),
            None => decode_text(text, version).map(|_| None),
        },
        None => decode_text(text, version).map(|_| None),
    }
}

/// [`peek_text`] as a table, for callers that hold the text themselves: by
/// the packet's first character (ASCII), the type of a text packet that
/// needs no further check, or `None` where [`peek_text`] must look (base64
/// data, errors). Derived from [`PacketType::from_digit`], so it cannot
/// disagree with it.
pub fn text_kinds() -> [Option<PacketType>; 128] {
    let mut table = [None; 128];
    for (byte, slot) in (0u8..).zip(table.iter_mut()) {
        *slot = PacketType::from_digit(byte);
    }
    table
}

/// Where one packet of a payload is: its type (as [`peek_text`]) and byte range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketSpan {
    pub kind: Option<PacketType>,
    pub start: usize,
    pub end: usize,
}

/// The packets of a text payload as byte ranges (checked as
/// [`decode_payload`] checks them): for callers that slice the payload
/// themselves. Returns the ranges before the first error, and the error.
pub fn index_payload(
    payload: &str,
    version: Version,
    limits: &PayloadLimits,
) -> (Vec<PacketSpan>, Option<Error>) {
    let mut spans = Vec::new();
    let walked = walk_payload(payload, version, limits, |text, at| {
        let kind = peek_text(text, version).map_err(|e| e.shifted(at as u64))?;
        spans.push(PacketSpan {
            kind,
            start: at,
            end: at + text.len(),
        });
        Ok(())
    });
    (spans, walked.err())
}

/// Walks a text payload's grammar and limits, handing each packet's text
/// and byte offset to `each`; stops at the first error.
fn walk_payload(
    payload: &str,
    version: Version,
    limits: &PayloadLimits,
    mut each: impl FnMut(&str, usize) -> Result<()>,
) -> Result<()> {
    check_size(payload.len(), limits)?;
    let mut count = 0;
    let mut counted = |at: usize| {
        count += 1;
        if count > limits.max_packets {
            Err(too_many_packets(at, limits))
        } else {
            Ok(())
        }
    };
    match version {
        Version::V4 => {
            let mut start = 0;
            for piece in payload.split(SEPARATOR) {
                counted(start)?;
                each(piece, start)?;
                start += piece.len() + 1;
            }
        }
        Version::V3 => {
            if payload.is_empty() {
                return Err(invalid_payload(0, "empty payload"));
            }
            let bytes = payload.as_bytes();
            let mut pos = 0;
            while pos < bytes.len() {
                let digits = bytes[pos..].iter().take_while(|b| b.is_ascii_digit()).count();
                let colon = pos + digits;
                if digits == 0 || bytes.get(colon) != Some(&b':') {
                    let at = if digits == 0 { pos } else { colon };
                    return Err(invalid_payload(at, "expected <length>: before each packet"));
                }
                // All digits, so only overflow can fail: such a length never fits anyway.
                let units: usize = payload[pos..colon].parse().unwrap_or(usize::MAX);
                let body = &payload[colon + 1..];
                let Some(len) = utf16_prefix_len(body, units) else {
                    return Err(invalid_payload(
                        pos,
                        format!("packet length {units} runs past the end of the payload"),
                    ));
                };
                // "0:" is an empty payload, not a packet.
                if len > 0 {
                    counted(pos)?;
                    each(&body[..len], colon + 1)?;
                }
                pos = colon + 1 + len;
            }
        }
    }
    Ok(())
}

/// The byte length of the first `units` UTF-16 code units of `text`, or
/// `None` if it is shorter or the count ends inside a surrogate pair.
fn utf16_prefix_len(text: &str, units: usize) -> Option<usize> {
    let mut counted = 0;
    for (i, c) in text.char_indices() {
        if counted == units {
            return Some(i);
        }
        counted += c.len_utf16();
        if counted > units {
            return None;
        }
    }
    (counted == units).then_some(text.len())
}

/// A polling payload in the form a protocol 3 client reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Payload {
    Text(String),
    Binary(Vec<u8>),
}

/// Protocol 3's choice of payload form (engine.io-parser 2): binary when
/// the client reads binary and a packet carries binary data, else text.
pub fn encode_payload_v3(packets: &[Packet], supports_binary: bool) -> Payload {
    if supports_binary && packets.iter().any(Packet::is_binary) {
        Payload::Binary(encode_payload_binary(packets))
    } else {
        Payload::Text(encode_payload(packets, Version::V3))
    }
}

/// Protocol 3's binary polling payload ("XHR2"): each packet as
/// `<0 text|1 binary><decimal length, one byte per digit><0xff><bytes>`;
/// text packets are UTF-8 and their lengths count bytes.
pub fn encode_payload_binary(packets: &[Packet]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut text = String::new();
    for packet in packets {
        let (is_binary, body): (bool, &[u8]) = match &packet.data {
            PacketData::Binary(bytes) => {
                out.push(1);
                push_digits(&mut out, bytes.len() + 1);
                out.push(packet.kind as u8);
                out.extend_from_slice(bytes);
                continue;
            }
            _ => {
                text.clear();
                write_packet(&mut text, packet, Version::V3);
                (false, text.as_bytes())
            }
        };
        out.push(u8::from(is_binary));
        push_digits(&mut out, body.len());
        out.extend_from_slice(body);
    }
    out
}

/// The digits of `n`, each as a byte 0-9, then the 0xff terminator.
fn push_digits(out: &mut Vec<u8>, n: usize) {
    out.extend(n.to_string().bytes().map(|d| d - b'0'));
    out.push(0xff);
}

/// Decodes protocol 3's binary polling payload.
pub fn decode_payload_binary(payload: &[u8], limits: &PayloadLimits) -> DecodedPayload {
    let mut packets = Vec::new();
    if let Err(e) = check_size(payload.len(), limits) {
        return DecodedPayload::fail(packets, e);
    }
    if payload.is_empty() {
        return DecodedPayload::fail(packets, invalid_payload(0, "empty payload"));
    }
    let mut pos = 0;
    while pos < payload.len() {
        let is_binary = match payload[pos] {
            0 => false,
            1 => true,
            other => {
                return DecodedPayload::fail(
                    packets,
                    invalid_payload(
                        pos,
                        format!("packet kind byte {other} is neither 0 (text) nor 1 (binary)"),
                    ),
                )
            }
        };
        let digits_start = pos + 1;
        let digits = payload[digits_start..].iter().take_while(|&&b| b <= 9).count();
        let end_mark = digits_start + digits;
        // 20 digits already exceed any length that fits in memory.
        if digits == 0 || digits > 20 || payload.get(end_mark) != Some(&0xff) {
            return DecodedPayload::fail(
                packets,
                invalid_payload(
                    end_mark.min(payload.len()),
                    "expected length digits ended by 0xff",
                ),
            );
        }
        let len = payload[digits_start..end_mark].iter().fold(0usize, |n, &d| {
            n.saturating_mul(10).saturating_add(usize::from(d))
        });
        let start = end_mark + 1;
        let Some(body) = start.checked_add(len).and_then(|end| payload.get(start..end)) else {
            return DecodedPayload::fail(
                packets,
                invalid_payload(
                    pos,
                    format!("packet length {len} runs past the end of the payload"),
                ),
            );
        };
        if packets.len() == limits.max_packets {
            return DecodedPayload::fail(packets, too_many_packets(pos, limits));
        }
        let decoded = if is_binary {
            decode_binary(body, Version::V3)
        } else {
            match simdutf8::compat::from_utf8(body) {
                Ok(text) => decode_text(text, Version::V3),
                Err(e) => Err(invalid_packet(e.valid_up_to(), "text packet is not valid UTF-8")),
            }
        };
        match decoded {
            Ok(p) => packets.push(p),
            Err(e) => return DecodedPayload::fail(packets, e.shifted(start as u64)),
        }
        pos = start + len;
    }
    DecodedPayload { packets, error: None }
}

/// The header of a packet in a length-prefixed stream (protocol 4 over
/// WebTransport): the length in 1, 3 or 9 bytes, bit 7 of the first set for
/// binary packets. Returns the header bytes and their count.
pub fn stream_header(len: u64, is_binary: bool) -> ([u8; 9], usize) {
    let mut header = [0u8; 9];
    let used = if len < 126 {
        header[0] = len as u8;
        1
    } else if len < 65536 {
        header[0] = 126;
        header[1..3].copy_from_slice(&(len as u16).to_be_bytes());
        3
    } else {
        header[0] = 127;
        header[1..9].copy_from_slice(&len.to_be_bytes());
        9
    };
    if is_binary {
        header[0] |= 0x80;
    }
    (header, used)
}

/// One packet of a length-prefixed stream as bytes: the header, then the
/// raw bytes of binary data or the UTF-8 of the text form.
pub fn encode_stream_packet(packet: &Packet) -> Vec<u8> {
    let body: Vec<u8> = match &packet.data {
        PacketData::Binary(bytes) => bytes.clone(),
        _ => encode_packet(packet, Version::V4).into_bytes(),
    };
    let (header, used) = stream_header(body.len() as u64, packet.is_binary());
    let mut out = Vec::with_capacity(used + body.len());
    out.extend_from_slice(&header[..used]);
    out.extend_from_slice(&body);
    out
}

/// Reads packets from a length-prefixed stream fed in arbitrary chunks.
/// Holds at most one packet (up to `max_payload` bytes) between calls; after
/// an error it stays failed.
#[derive(Debug)]
pub struct StreamDecoder {
    max_payload: u64,
    buffer: Vec<u8>,
    consumed: u64,
    failed: bool,
}

impl StreamDecoder {
    pub fn new(max_payload: u64) -> Self {
        StreamDecoder {
            max_payload,
            buffer: Vec::new(),
            consumed: 0,
            failed: false,
        }
    }

    /// Feeds bytes; returns every packet they complete, and the error that
    /// stopped decoding, if any.
    pub fn push(&mut self, chunk: &[u8]) -> DecodedPayload {
        let mut packets = Vec::new();
        if self.failed {
            let e = Error::at(
                ErrorKind::EngineioInvalidPayload,
                self.consumed,
                "stream already failed",
            );
            return DecodedPayload::fail(packets, e);
        }
        self.buffer.extend_from_slice(chunk);
        let mut pos = 0;
        let error = loop {
            let rest = &self.buffer[pos..];
            let Some(&first) = rest.first() else { break None };
            let is_binary = first & 0x80 != 0;
            let (len, header_len) = match first & 0x7f {
                126 if rest.len() >= 3 => (u64::from(u16::from_be_bytes([rest[1], rest[2]])), 3),
                127 if rest.len() >= 9 => {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(&rest[1..9]);
                    (u64::from_be_bytes(b), 9)
                }
                126 | 127 => break None,
                n => (u64::from(n), 1),
            };
            let at = self.consumed + pos as u64;
            if len == 0 || len > self.max_payload {
                break Some(Error::at(
                    ErrorKind::EngineioPayloadTooLarge,
                    at,
                    format!(
                        "stream packet of {len} bytes (allowed: 1 to {})",
                        self.max_payload
                    ),
                ));
            }
            // len <= max_payload, which the caller chose to fit in memory.
            let total = header_len + len as usize;
            if rest.len() < total {
                break None;
            }
            let body = &rest[header_len..total];
            let decoded = if is_binary {
                Ok(Packet::binary(PacketType::Message, body))
            } else {
                match simdutf8::compat::from_utf8(body) {
                    Ok(text) => decode_text(text, Version::V4),
                    Err(e) => Err(invalid_packet(e.valid_up_to(), "text packet is not valid UTF-8")),
                }
            };
            match decoded {
                Ok(p) => packets.push(p),
                Err(e) => break Some(e.shifted(at + header_len as u64)),
            }
            pos += total;
        };
        self.buffer.drain(..pos);
        self.consumed += pos as u64;
        if error.is_some() {
            self.failed = true;
            self.buffer = Vec::new();
        }
        DecodedPayload { packets, error }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn msg(text: &str) -> Packet {
        Packet::text(PacketType::Message, text)
    }

    #[test]
    fn the_kind_table_is_peek_text_where_it_answers() {
        let table = text_kinds();
        for (byte, entry) in (0u8..128).zip(table) {
            for text in [
                String::from(char::from(byte)),
                format!("{}hello", char::from(byte)),
            ] {
                for version in [Version::V3, Version::V4] {
                    match entry {
                        Some(kind) => assert_eq!(peek_text(&text, version), Ok(Some(kind))),
                        // Base64 or an error: left to peek_text.
                        None => assert!(!matches!(peek_text(&text, version), Ok(Some(_))), "{text:?}"),
                    }
                }
            }
        }
        assert_eq!(table.iter().flatten().count(), PacketType::ALL.len());
    }

    #[test]
    fn packets_round_trip_in_both_versions() {
        for version in [Version::V3, Version::V4] {
            for kind in PacketType::ALL {
                for packet in [Packet::new(kind), Packet::text(kind, "probe €")] {
                    let text = encode_packet(&packet, version);
                    assert_eq!(decode_text(&text, version), Ok(packet));
                }
            }
        }
    }

    #[test]
    fn binary_differs_between_versions() {
        let packet = Packet::binary(PacketType::Message, [1, 2, 3]);
        assert_eq!(encode_packet(&packet, Version::V4), "bAQID");
        assert_eq!(encode_packet(&packet, Version::V3), "b4AQID");
        assert_eq!(encode_ws(&packet, Version::V4), WsMessage::Binary(vec![1, 2, 3]));
        assert_eq!(
            encode_ws(&packet, Version::V3),
            WsMessage::Binary(vec![4, 1, 2, 3])
        );
        // The same text, two readings: base64 "4AQID" has an impossible length.
        assert!(decode_text("b4AQID", Version::V4).is_err());
        assert_eq!(decode_text("b4AQID", Version::V3), Ok(packet.clone()));
        assert_eq!(
            decode_text("b4AQIDBA=", Version::V4),
            Ok(Packet::binary(
                PacketType::Message,
                [0xe0, 0x04, 0x08, 0x0c, 0x10]
            ))
        );
        assert_eq!(decode_binary(&[4, 1, 2, 3], Version::V3), Ok(packet));
    }

    #[test]
    fn malformed_packets_are_errors_with_offsets() {
        let e = decode_text("", Version::V4).unwrap_err();
        assert_eq!(
            (e.kind(), e.offset()),
            (ErrorKind::EngineioInvalidPacket, Some(0))
        );
        assert_eq!(decode_text("7", Version::V4).unwrap_err().offset(), Some(0));
        assert_eq!(decode_text("abc", Version::V4).unwrap_err().offset(), Some(0));
        assert_eq!(decode_text("bAQ!D", Version::V4).unwrap_err().offset(), Some(3));
        assert_eq!(decode_text("b9AQID", Version::V3).unwrap_err().offset(), Some(1));
        assert!(decode_binary(&[], Version::V3).is_err());
        assert!(decode_binary(&[7, 1], Version::V3).is_err());
        // Unpadded base64 is read as Node reads it.
        assert_eq!(
            decode_text("bAQ", Version::V4),
            Ok(Packet::binary(PacketType::Message, [1]))
        );
    }

    #[test]
    fn v4_payloads() {
        let packets = vec![
            Packet::text(PacketType::Ping, "probe"),
            msg("hello"),
            Packet::binary(PacketType::Message, [1, 2, 3]),
            Packet::new(PacketType::Close),
        ];
        let text = encode_payload(&packets, Version::V4);
        assert_eq!(text, "2probe\x1e4hello\x1ebAQID\x1e1");
        let limits = PayloadLimits::default();
        assert_eq!(
            decode_payload(&text, Version::V4, &limits).into_result(),
            Ok(packets)
        );
        let partial = decode_payload("4a\x1e4b\x1ex\x1e4c", Version::V4, &limits);
        assert_eq!(partial.packets, vec![msg("a"), msg("b")]);
        assert_eq!(partial.error.map(|e| e.offset()), Some(Some(6)));
        assert!(decode_payload("", Version::V4, &limits).error.is_some());
        assert!(decode_payload("4a\x1e", Version::V4, &limits).error.is_some());
    }

    #[test]
    fn v3_payloads_count_utf16_units() {
        let packets = vec![msg("hello"), msg("€€€"), msg("😀")];
        let text = encode_payload(&packets, Version::V3);
        assert_eq!(text, "6:4hello4:4€€€3:4😀");
        let limits = PayloadLimits::default();
        assert_eq!(
            decode_payload(&text, Version::V3, &limits).into_result(),
            Ok(packets)
        );
        assert_eq!(encode_payload(&[], Version::V3), "0:");
        assert_eq!(
            decode_payload("0:", Version::V3, &limits).into_result(),
            Ok(vec![])
        );
        for bad in ["", "5:4hello", "x:4", "2:4a1", "1:", ":4", "2:4😀"] {
            assert!(
                decode_payload(bad, Version::V3, &limits).error.is_some(),
                "{bad:?} should fail"
            );
        }
        assert_eq!(
            decode_payload("2:4a2:x", Version::V3, &limits).packets,
            vec![msg("a")]
        );
    }

    #[test]
    fn v3_binary_payloads() {
        let packets = vec![msg("hello"), Packet::binary(PacketType::Message, [1, 2, 3])];
        let bytes = encode_payload_binary(&packets);
        assert_eq!(bytes, crate::test_util::hex("0006ff3468656c6c6f0104ff04010203"));
        let limits = PayloadLimits::default();
        assert_eq!(decode_payload_binary(&bytes, &limits).into_result(), Ok(packets));
        // Lengths count UTF-8 bytes.
        let euro = encode_payload_binary(&[msg("€")]);
        assert_eq!(euro, [0, 4, 0xff, b'4', 0xe2, 0x82, 0xac]);
        for bad in [
            &[][..],
            &[2, 1, 0xff, 4],
            &[0, 1, 4],
            &[0, 5, 0xff, b'4'],
            &[0, 1, 0xff, b'9'],
        ] {
            assert!(decode_payload_binary(bad, &limits).error.is_some(), "{bad:?}");
        }
        let invalid_utf8 = decode_payload_binary(&[0, 2, 0xff, b'4', 0xff], &limits);
        assert_eq!(invalid_utf8.error.map(|e| e.offset()), Some(Some(4)));
    }

    #[test]
    fn limits_hold() {
        let limits = PayloadLimits {
            max_bytes: 20,
            max_packets: 2,
        };
        let e = decode_payload("4hello\x1e4world\x1e4again!", Version::V4, &limits)
            .error
            .unwrap();
        assert_eq!(e.kind(), ErrorKind::EngineioPayloadTooLarge);
        let e = decode_payload("4a\x1e4b\x1e4c", Version::V4, &limits)
            .error
            .unwrap();
        assert_eq!(
            (e.kind(), e.offset()),
            (ErrorKind::EngineioTooManyPackets, Some(6))
        );
        let e = decode_payload("2:4a2:4b2:4c", Version::V3, &limits)
            .error
            .unwrap();
        assert_eq!(e.kind(), ErrorKind::EngineioTooManyPackets);
    }

    #[test]
    fn open_packet_json_is_in_engine_io_order() {
        let open = OpenPacket {
            sid: "abc".into(),
            upgrades: vec!["websocket".into()],
            ping_interval: 25000,
            ping_timeout: 20000,
            max_payload: Some(1_000_000),
        };
        let packet = open.to_packet();
        assert_eq!(
            encode_packet(&packet, Version::V4),
            r#"0{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
        );
        assert_eq!(OpenPacket::parse(packet.text_data()), Ok(open));
        assert!(OpenPacket::parse("{}").is_err());
    }

    #[test]
    fn stream_framing_round_trips_in_any_chunking() {
        let packets = vec![
            msg("hello"),
            Packet::binary(PacketType::Message, vec![7u8; 300]),
            msg(&"x".repeat(70_000)),
            Packet::new(PacketType::Ping),
        ];
        let bytes: Vec<u8> = packets.iter().flat_map(encode_stream_packet).collect();
        assert_eq!(&bytes[..7], b"\x064hello");
        assert_eq!(&bytes[7..10], &[0x80 | 126, 0x01, 0x2c]);
        for chunk in [1, 2, 7, 1000, bytes.len()] {
            let mut decoder = StreamDecoder::new(1 << 20);
            let mut got = Vec::new();
            for piece in bytes.chunks(chunk) {
                let out = decoder.push(piece);
                assert_eq!(out.error, None);
                got.extend(out.packets);
            }
            assert_eq!(got, packets);
        }
        let mut small = StreamDecoder::new(10);
        let e = small.push(&bytes).error.unwrap();
        assert_eq!(e.kind(), ErrorKind::EngineioPayloadTooLarge);
        assert!(small.push(b"\x014").error.is_some());
        assert!(StreamDecoder::new(10).push(&[0]).error.is_some());
    }
}
