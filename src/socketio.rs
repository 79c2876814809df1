//! Socket.IO packets, protocol 5 (socket.io 3 and 4, socket.io-parser 4).
//!
//! A packet is one Engine.IO message: `<type>[<attachments>-][<nsp>,][<id>][json]`.
//! Binary packets (BINARY_EVENT, BINARY_ACK) replace each binary value in
//! their data by `{"_placeholder":true,"num":N}` and send the values as the
//! following N binary messages; [`Decoder`] collects them.
//!
//! Validation is socket.io-parser 4.2's and stricter where it is lax: the
//! attachment count, namespace and ack id are digits and characters, not
//! whatever `Number()` accepts; a placeholder's `num` must be an integer
//! below the announced count (checked when the header arrives, not after
//! the attachments); at most [`DecodeOptions::max_attachments`] attachments
//! (unbounded counts let one packet make a server wait for and hold any
//! number of buffers). [`inspect`] parses the same grammar but annotates
//! every problem instead of stopping at the first one.

use crate::error::{Error, ErrorKind, Result};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// The protocol revision these packets belong to.
pub const PROTOCOL: u8 = 5;

/// Event names a peer may not send: the libraries use them themselves.
pub const RESERVED_EVENTS: [&str; 6] = [
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[repr(u8)]
pub enum PacketType {
    Connect = 0,
    Disconnect = 1,
    Event = 2,
    Ack = 3,
    ConnectError = 4,
    BinaryEvent = 5,
    BinaryAck = 6,
}

impl PacketType {
    pub const ALL: [PacketType; 7] = [
        PacketType::Connect,
        PacketType::Disconnect,
        PacketType::Event,
        PacketType::Ack,
        PacketType::ConnectError,
        PacketType::BinaryEvent,
        PacketType::BinaryAck,
    ];

    pub fn from_number(n: u8) -> Option<PacketType> {
        Self::ALL.get(usize::from(n)).copied()
    }

    /// The name socket.io-parser's `PacketType` enum uses.
    pub fn name(self) -> &'static str {
        match self {
            PacketType::Connect => "CONNECT",
            PacketType::Disconnect => "DISCONNECT",
            PacketType::Event => "EVENT",
            PacketType::Ack => "ACK",
            PacketType::ConnectError => "CONNECT_ERROR",
            PacketType::BinaryEvent => "BINARY_EVENT",
            PacketType::BinaryAck => "BINARY_ACK",
        }
    }

    pub fn is_binary(self) -> bool {
        matches!(self, PacketType::BinaryEvent | PacketType::BinaryAck)
    }
}

/// One packet. `data` holds placeholders where binary values were.
#[derive(Clone, Debug, PartialEq)]
pub struct Packet {
    pub kind: PacketType,
    /// The namespace, `"/"` when the packet names none.
    pub nsp: String,
    pub id: Option<u64>,
    pub data: Option<Value>,
    /// How many binary messages follow (binary types only).
    pub attachments: usize,
}

impl Packet {
    pub fn new(kind: PacketType, nsp: impl Into<String>) -> Self {
        Packet {
            kind,
            nsp: nsp.into(),
            id: None,
            data: None,
            attachments: 0,
        }
    }

    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    pub fn with_id(mut self, id: Option<u64>) -> Self {
        self.id = id;
        self
    }

    /// The event name of an EVENT or BINARY_EVENT (a string or a number).
    pub fn event_name(&self) -> Option<&Value> {
        match (self.kind, &self.data) {
            (PacketType::Event | PacketType::BinaryEvent, Some(Value::Array(items))) => items.first(),
            _ => None,
        }
    }
}

/// Limits for decoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct DecodeOptions {
    /// Most attachments one binary packet may announce (socket.io-parser's
    /// `maxAttachments`, default 10).
    pub max_attachments: usize,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions { max_attachments: 10 }
    }
}

/// Largest ack id: the largest integer a JS number holds exactly.
pub const MAX_ACK_ID: u64 = (1 << 53) - 1;

/// The start of a packet's header: `<type>[<attachments>-][<nsp>,]`. The
/// ack id's decimal digits follow it, then the JSON data; so a caller that
/// keeps these per namespace writes packets without asking again.
pub fn header_before_id(kind: PacketType, nsp: &str, attachments: usize) -> Result<String> {
    let mut out = String::new();
    out.push(char::from(b'0' + kind as u8));
    if kind.is_binary() {
        out.push_str(&attachments.to_string());
        out.push('-');
    }
    if !nsp.is_empty() && nsp != "/" {
        if !nsp.starts_with('/') || nsp.contains(',') {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("namespace {nsp:?} must start with '/' and contain no ','"),
            ));
        }
        out.push_str(nsp);
        out.push(',');
    }
    Ok(out)
}

/// Writes a packet. Placeholders in `data` must already be in place and
/// `attachments` set for binary types.
pub fn encode(packet: &Packet) -> Result<String> {
    let mut out = header_before_id(packet.kind, &packet.nsp, packet.attachments)?;
    if let Some(id) = packet.id {
        out.push_str(&id.to_string());
    }
    if let Some(data) = &packet.data {
        // Values built from JSON always serialise.
        out.push_str(&serde_json::to_string(data).unwrap_or_default());
    }
    Ok(out)
}

/// A byte range of the packet text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

/// A problem found in a packet, at a byte offset of its text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The rule broken (its stable code in JSON).
    pub code: ErrorKind,
    pub message: String,
    pub offset: usize,
}

/// Where each part of a packet was, and what was wrong with it.
#[derive(Clone, Debug, PartialEq, Default)]
struct Parsed {
    kind: Option<PacketType>,
    attachments: Option<usize>,
    /// The namespace once read: its name's span, or `None` for the default
    /// "/" (a span rather than a copy: reading headers allocates nothing).
    nsp: Option<Option<Span>>,
    id: Option<u64>,
    data: Option<Value>,
    spans: PacketSpans,
    diagnostics: Vec<Problem>,
}

/// A problem [`parse`] found.
#[derive(Clone, Debug, PartialEq)]
struct Problem {
    kind: ErrorKind,
    message: String,
    offset: usize,
    /// What socket.io-parser throws on the same input, if it throws.
    upstream: Option<String>,
}

impl Problem {
    fn into_error(self) -> Error {
        let error = Error::at(self.kind, self.offset as u64, self.message);
        match self.upstream {
            Some(upstream) => error.with_upstream(upstream),
            None => error,
        }
    }
}

// socket.io-parser's own messages for the faults it detects too.
const UPSTREAM_ILLEGAL_COUNT: &str = "Illegal attachments";
const UPSTREAM_TOO_MANY: &str = "too many attachments";
const UPSTREAM_INVALID_PAYLOAD: &str = "invalid payload";
const UPSTREAM_ILLEGAL_PLACEHOLDER: &str = "illegal attachments";
const UPSTREAM_TEXT_WHILE_RECONSTRUCTING: &str = "got plaintext data when reconstructing a packet";
const UPSTREAM_BINARY_WHILE_NOT: &str = "got binary data when not reconstructing a packet";

/// socket.io-parser's message for an unknown type: it reads the first
/// character with JS `Number()`.
fn upstream_unknown_type(first: Option<char>) -> String {
    match first.and_then(|c| c.to_digit(10)) {
        Some(digit) => format!("unknown packet type {digit}"),
        None => "unknown packet type NaN".to_string(),
    }
}

/// The byte spans of a packet's parts.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize)]
pub struct PacketSpans {
    pub kind: Option<Span>,
    /// The count and its `-`.
    pub attachments: Option<Span>,
    /// The namespace and its `,`.
    pub nsp: Option<Span>,
    pub id: Option<Span>,
    pub data: Option<Span>,
}

impl Parsed {
    fn problem(
        &mut self,
        kind: ErrorKind,
        offset: usize,
        message: impl Into<String>,
        upstream: Option<&str>,
    ) {
        self.diagnostics.push(Problem {
            kind,
            message: message.into(),
            offset,
            upstream: upstream.map(str::to_string),
        });
    }
}

/// Reads the header, `<type>[<attachments>-][<nsp>,][<id>]`, into `p`:
/// where the data starts, or `None` when a problem stops the reading.
fn parse_head(text: &str, options: &DecodeOptions, p: &mut Parsed) -> Option<usize> {
    let bytes = text.as_bytes();
    let Some(kind) = bytes
        .first()
        .and_then(|b| b.checked_sub(b'0'))
        .and_then(PacketType::from_number)
    else {
        let what = text
            .chars()
            .next()
            .map_or("nothing".to_string(), |c| format!("{c:?}"));
        let upstream = upstream_unknown_type(text.chars().next());
        p.problem(
            ErrorKind::SocketioInvalidPacket,
            0,
            format!("unknown packet type {what}"),
            Some(&upstream),
        );
        return None;
    };
    p.kind = Some(kind);
    p.spans.kind = Some(Span { start: 0, end: 1 });
    let mut i = 1;
    if kind.is_binary() {
        let digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        let end = i + digits;
        if digits == 0 || bytes.get(end) != Some(&b'-') {
            p.problem(
                ErrorKind::SocketioInvalidPacket,
                end,
                "binary packet without <attachments>- after its type",
                Some(UPSTREAM_ILLEGAL_COUNT),
            );
            return None;
        }
        let count: usize = text[i..end].parse().unwrap_or(usize::MAX);
        p.spans.attachments = Some(Span {
            start: i,
            end: end + 1,
        });
        if count == 0 {
            p.problem(
                ErrorKind::SocketioInvalidPacket,
                i,
                "a binary packet needs at least 1 attachment",
                Some(UPSTREAM_ILLEGAL_COUNT),
            );
        } else if count > options.max_attachments {
            p.problem(
                ErrorKind::SocketioTooManyAttachments,
                i,
                format!(
                    "{} attachments announced, at most {} allowed",
                    &text[i..end],
                    options.max_attachments
                ),
                Some(UPSTREAM_TOO_MANY),
            );
        }
        p.attachments = Some(count);
        i = end + 1;
    }
    if bytes.get(i) == Some(&b'/') {
        let len = bytes[i..].iter().take_while(|&&b| b != b',').count();
        let end = i + len;
        p.nsp = Some(Some(Span { start: i, end }));
        let with_comma = (end + 1).min(bytes.len());
        p.spans.nsp = Some(Span {
            start: i,
            end: with_comma,
        });
        i = with_comma;
    } else {
        p.nsp = Some(None);
    }
    let digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    if digits > 0 {
        let end = i + digits;
        p.spans.id = Some(Span { start: i, end });
        match text[i..end].parse::<u64>() {
            Ok(id) if id <= MAX_ACK_ID => p.id = Some(id),
            _ => p.problem(
                ErrorKind::SocketioInvalidPacket,
                i,
                format!("ack id {} is larger than {MAX_ACK_ID}", &text[i..end]),
                // socket.io-parser takes it, rounded to a double.
                None,
            ),
        }
        i = end;
    }
    Some(i)
}

fn parse(text: &str, options: &DecodeOptions, full: bool) -> Parsed {
    let bytes = text.as_bytes();
    let mut p = Parsed::default();
    let Some(i) = parse_head(text, options, &mut p) else {
        return p;
    };
    let kind = p.kind.unwrap_or(PacketType::Connect);
    if i < bytes.len() {
        p.spans.data = Some(Span {
            start: i,
            end: bytes.len(),
        });
        // Decoding for a caller that parses the JSON itself: check it and
        // its shape without building it (binary packets are built, for
        // their placeholders).
        if !full && !kind.is_binary() {
            if p.diagnostics.is_empty() {
                check_shape_light(kind, &text[i..], i, &mut p);
            }
            return p;
        }
        match serde_json::from_str::<Value>(&text[i..]) {
            Ok(data) => {
                check_shape(kind, &data, i, &mut p);
                p.data = Some(data);
            }
            Err(e) => p.problem(
                ErrorKind::SocketioInvalidPacket,
                i + json_error_offset(&text[i..], &e),
                format!("data is not JSON: {e}"),
                Some(UPSTREAM_INVALID_PAYLOAD),
            ),
        }
    }
    if let (Some(count), Some(data)) = (p.attachments, &p.data) {
        let start = i;
        let mut found = Vec::new();
        collect_placeholders(data, &mut Vec::new(), &mut found);
        for placeholder in found {
            if let Err(message) = placeholder.num_below(count) {
                p.problem(
                    ErrorKind::SocketioInvalidAttachment,
                    start,
                    message,
                    Some(UPSTREAM_ILLEGAL_PLACEHOLDER),
                );
            }
        }
    }
    p
}

/// The namespace a header names (`None`: the default "/").
fn namespace(text: &str, span: Option<Span>) -> String {
    span.map_or_else(|| "/".to_string(), |s| text[s.start..s.end].to_string())
}

/// A byte offset for a serde_json error (which reports line and column).
fn json_error_offset(json: &str, e: &serde_json::Error) -> usize {
    if e.is_eof() {
        return json.len();
    }
    let line_start: usize = json
        .split_inclusive('\n')
        .take(e.line().saturating_sub(1))
        .map(str::len)
        .sum();
    (line_start + e.column().saturating_sub(1)).min(json.len())
}

/// What the shape rules need to know of packet data.
#[derive(Debug)]
enum Shape<'a> {
    Null,
    Bool,
    Number,
    Str(Cow<'a, str>),
    /// An array, with the shape of its first element.
    Array(Option<Box<Shape<'a>>>),
    Object,
}

impl Shape<'_> {
    fn of(value: &Value) -> Shape<'_> {
        match value {
            Value::Null => Shape::Null,
            Value::Bool(_) => Shape::Bool,
            Value::Number(_) => Shape::Number,
            Value::String(s) => Shape::Str(Cow::Borrowed(s)),
            Value::Array(items) => Shape::Array(items.first().map(|v| Box::new(Shape::of(v)))),
            Value::Object(_) => Shape::Object,
        }
    }

    fn describe(&self) -> &'static str {
        match self {
            Shape::Null => "null",
            Shape::Bool => "a boolean",
            Shape::Number => "a number",
            Shape::Str(_) => "a string",
            Shape::Array(_) => "an array",
            Shape::Object => "an object",
        }
    }
}

/// serde_json's name for a number read with `arbitrary_precision` (it
/// arrives as a one-entry map).
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

struct IsNumberToken(bool);

impl<'de> Deserialize<'de> for IsNumberToken {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = IsNumberToken;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> std::result::Result<IsNumberToken, E> {
                Ok(IsNumberToken(key == NUMBER_TOKEN))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

impl<'de> Deserialize<'de> for Shape<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct ShapeVisitor;
        impl<'de> Visitor<'de> for ShapeVisitor {
            type Value = Shape<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_unit<E>(self) -> std::result::Result<Shape<'de>, E> {
                Ok(Shape::Null)
            }
            fn visit_bool<E>(self, _: bool) -> std::result::Result<Shape<'de>, E> {
                Ok(Shape::Bool)
            }
            fn visit_i64<E>(self, _: i64) -> std::result::Result<Shape<'de>, E> {
                Ok(Shape::Number)
            }
            fn visit_u64<E>(self, _: u64) -> std::result::Result<Shape<'de>, E> {
                Ok(Shape::Number)
            }
            fn visit_f64<E>(self, _: f64) -> std::result::Result<Shape<'de>, E> {
                Ok(Shape::Number)
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> std::result::Result<Shape<'de>, E> {
                Ok(Shape::Str(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> std::result::Result<Shape<'de>, E> {
                Ok(Shape::Str(Cow::Owned(s.to_string())))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Shape<'de>, A::Error> {
                let first = seq.next_element::<Shape<'de>>()?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Shape::Array(first.map(Box::new)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Shape<'de>, A::Error> {
                let Some(IsNumberToken(number)) = map.next_key::<IsNumberToken>()? else {
                    return Ok(Shape::Object);
                };
                map.next_value::<IgnoredAny>()?;
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(if number { Shape::Number } else { Shape::Object })
            }
        }
        deserializer.deserialize_any(ShapeVisitor)
    }
}

/// The rule a packet type sets for its data, or `None` when `data` keeps it.
fn shape_problem(kind: PacketType, data: &Shape<'_>) -> Option<String> {
    let wrong = |expected: &str| format!("{} data must be {expected}, not {}", kind.name(), data.describe());
    match (kind, data) {
        (PacketType::Connect, Shape::Object) => None,
        (PacketType::Connect, _) => Some(wrong("an object")),
        (PacketType::Disconnect, _) => Some("DISCONNECT carries no data".to_string()),
        (PacketType::ConnectError, Shape::Object | Shape::Str(_)) => None,
        (PacketType::ConnectError, _) => Some(wrong("an object or a string")),
        (PacketType::Ack | PacketType::BinaryAck, Shape::Array(_)) => None,
        (PacketType::Ack | PacketType::BinaryAck, _) => Some(wrong("an array")),
        (PacketType::Event | PacketType::BinaryEvent, Shape::Array(first)) => match first.as_deref() {
            Some(Shape::Number) => None,
            Some(Shape::Str(name)) if RESERVED_EVENTS.contains(&name.as_ref()) => {
                Some(format!("event name {name:?} is reserved"))
            }
            Some(Shape::Str(_)) => None,
            Some(other) => Some(format!(
                "event name must be a string or a number, not {}",
                other.describe()
            )),
            None => Some("event data must start with the event name".to_string()),
        },
        (PacketType::Event | PacketType::BinaryEvent, _) => Some(wrong("an array")),
    }
}

fn check_shape(kind: PacketType, data: &Value, at: usize, p: &mut Parsed) {
    if let Some(message) = shape_problem(kind, &Shape::of(data)) {
        p.problem(
            ErrorKind::SocketioInvalidPacket,
            at,
            message,
            Some(UPSTREAM_INVALID_PAYLOAD),
        );
    }
}

/// Checks JSON text and its shape without building it.
fn check_shape_light(kind: PacketType, json: &str, at: usize, p: &mut Parsed) {
    match serde_json::from_str::<Shape<'_>>(json) {
        Ok(shape) => {
            if let Some(message) = shape_problem(kind, &shape) {
                p.problem(
                    ErrorKind::SocketioInvalidPacket,
                    at,
                    message,
                    Some(UPSTREAM_INVALID_PAYLOAD),
                );
            }
        }
        Err(e) => p.problem(
            ErrorKind::SocketioInvalidPacket,
            at + json_error_offset(json, &e),
            format!("data is not JSON: {e}"),
            Some(UPSTREAM_INVALID_PAYLOAD),
        ),
    }
}

/// One step into a JSON value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum PathStep {
    Index(usize),
    Key(String),
}

/// A placeholder found in packet data.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Placeholder {
    /// Where it is inside the data.
    pub path: Vec<PathStep>,
    /// Its `num`, when that is a non-negative integer.
    pub num: Option<usize>,
    #[serde(skip)]
    raw_num: Option<Value>,
}

impl Placeholder {
    fn num_below(&self, count: usize) -> std::result::Result<usize, String> {
        let raw = self.raw_num.as_ref();
        let number = raw.and_then(Value::as_f64);
        attachment_index(number, count, &|| match (number, raw) {
            // As a JS peer reads it: `1.0e0` is 1.
            (Some(n), _) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", n as i64),
            (_, Some(value)) => value.to_string(),
            (_, None) => "(missing)".to_string(),
        })
    }
}

/// The rule for a placeholder's `num`: the index of one of the `count`
/// attachments, a non-negative integer (`1.0` is the integer 1 to a JS
/// peer). `num` is the number given (None when missing or not a number);
/// `shown` writes what was given, for the message.
pub fn attachment_index(
    num: Option<f64>,
    count: usize,
    shown: &dyn Fn() -> String,
) -> std::result::Result<usize, String> {
    match num {
        Some(n) if n >= 0.0 && n.fract() == 0.0 && n < count as f64 => Ok(n as usize),
        Some(n) if n >= 0.0 && n.fract() == 0.0 => Err(format!(
            "placeholder num {} is not below the {count} attachments",
            shown()
        )),
        _ => Err(format!("placeholder num {} is not an integer", shown())),
    }
}

/// The error of a placeholder whose `num` names no attachment.
pub fn illegal_placeholder(message: String) -> Error {
    Error::new(ErrorKind::SocketioInvalidAttachment, message).with_upstream(UPSTREAM_ILLEGAL_PLACEHOLDER)
}

/// Whether an object is a placeholder, from its `_placeholder` member:
/// socket.io-parser replaces an object whose `_placeholder` is `true` whole,
/// and leaves any other value alone.
pub fn is_placeholder_marker(marker: Option<bool>) -> bool {
    marker == Some(true)
}

fn placeholder_num(value: Option<&Value>) -> Option<usize> {
    let n = value?.as_number()?;
    if let Some(u) = n.as_u64() {
        return usize::try_from(u).ok();
    }
    // `1.0` is the integer 1 to a JS peer.
    let f = n.as_f64()?;
    (f >= 0.0 && f.fract() == 0.0 && f < 1e15).then_some(f as usize)
}

/// Every object with `"_placeholder": true` in `data`, outermost first, in
/// document order (socket.io-parser replaces such objects whole).
fn collect_placeholders(data: &Value, path: &mut Vec<PathStep>, out: &mut Vec<Placeholder>) {
    match data {
        Value::Object(map) if is_placeholder_marker(map.get("_placeholder").and_then(Value::as_bool)) => {
            out.push(Placeholder {
                path: path.clone(),
                num: placeholder_num(map.get("num")),
                raw_num: map.get("num").cloned(),
            });
        }
        Value::Object(map) => {
            for (key, value) in map {
                path.push(PathStep::Key(key.clone()));
                collect_placeholders(value, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, value) in items.iter().enumerate() {
                path.push(PathStep::Index(i));
                collect_placeholders(value, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The placeholders of `data` (for callers that keep attachments themselves
/// and put them in place).
pub fn placeholders(data: &Value) -> Vec<Placeholder> {
    let mut out = Vec::new();
    collect_placeholders(data, &mut Vec::new(), &mut out);
    out
}

/// Checks that every placeholder in `data` refers to one of `count` attachments.
pub fn check_placeholders(data: &Value, count: usize) -> Result<()> {
    for placeholder in placeholders(data) {
        placeholder.num_below(count).map_err(illegal_placeholder)?;
    }
    Ok(())
}

/// The placeholder socket.io-parser writes for attachment `num`.
pub fn placeholder(num: usize) -> Value {
    let mut map = Map::new();
    map.insert("_placeholder".into(), Value::Bool(true));
    map.insert("num".into(), Value::from(num));
    Value::Object(map)
}

/// Decodes one text packet, strictly. Binary packets come back with their
/// `attachments` count; their attachments are not yet there.
pub fn decode(text: &str, options: &DecodeOptions) -> Result<Packet> {
    let parsed = parse(text, options, true);
    if let Some(problem) = parsed.diagnostics.into_iter().next() {
        return Err(problem.into_error());
    }
    Ok(Packet {
        // No diagnostic means the type was read.
        kind: parsed.kind.unwrap_or(PacketType::Connect),
        nsp: namespace(text, parsed.nsp.flatten()),
        id: parsed.id,
        data: parsed.data,
        attachments: parsed.attachments.unwrap_or(0),
    })
}

/// A packet's header and where its data is, checked as [`decode`] checks
/// it, for callers that parse the JSON themselves.
#[derive(Clone, Debug, PartialEq)]
pub struct Head {
    pub kind: PacketType,
    pub attachments: usize,
    /// The namespace (without its comma); `None` for the default `/`.
    pub nsp: Option<Span>,
    pub id: Option<u64>,
    /// The JSON data.
    pub data: Option<Span>,
    /// The data, built only for binary packets (their placeholders matter).
    pub value: Option<Value>,
}

/// Decodes one text packet strictly without building its data (except for
/// binary packets): the header, and where the checked JSON is.
pub fn scan(text: &str, options: &DecodeOptions) -> Result<Head> {
    let parsed = parse(text, options, false);
    if let Some(problem) = parsed.diagnostics.into_iter().next() {
        return Err(problem.into_error());
    }
    Ok(Head {
        // No diagnostic means the type was read.
        kind: parsed.kind.unwrap_or(PacketType::Connect),
        attachments: parsed.attachments.unwrap_or(0),
        nsp: parsed.nsp.flatten(),
        id: parsed.id,
        data: parsed.spans.data,
        value: parsed.data,
    })
}

/// The header alone, from the start of a text packet, for a caller that
/// parses the JSON itself and would rather not hand over all of it:
/// `prefix` is the start of the text, `truncated` says more follows.
/// `Ok(None)` when the header may run past `prefix` (scan the whole text
/// then). The data is not looked at: its span ends where `prefix` does.
pub fn scan_header(prefix: &str, truncated: bool, options: &DecodeOptions) -> Result<Option<Head>> {
    let mut p = Parsed::default();
    let start = parse_head(prefix, options, &mut p);
    let reached_end = match start {
        Some(i) => i >= prefix.len(),
        None => p.diagnostics.first().is_some_and(|d| d.offset >= prefix.len()),
    };
    if truncated && reached_end {
        return Ok(None);
    }
    if let Some(problem) = p.diagnostics.into_iter().next() {
        return Err(problem.into_error());
    }
    Ok(Some(Head {
        kind: p.kind.unwrap_or(PacketType::Connect),
        attachments: p.attachments.unwrap_or(0),
        nsp: p.nsp.flatten(),
        id: p.id,
        data: start.filter(|&i| i < prefix.len()).map(|i| Span {
            start: i,
            end: prefix.len(),
        }),
        value: None,
    }))
}

/// The kinds of JSON value the shape rules tell apart, for a caller that
/// parsed the data itself ([`shape_problem_of`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    Null,
    Bool,
    Number,
    Str,
    Array,
    Object,
}

impl ValueKind {
    pub const ALL: [ValueKind; 6] = [
        ValueKind::Null,
        ValueKind::Bool,
        ValueKind::Number,
        ValueKind::Str,
        ValueKind::Array,
        ValueKind::Object,
    ];
}

/// The shape rule of `kind` ([`decode`] applies it) on what a caller knows
/// of data it parsed: its kind, its first element's kind when it is an
/// array (`None`: empty), and whether that first element is a string in
/// [`RESERVED_EVENTS`]. `None` when the data is acceptable, or the problem.
pub fn shape_problem_of(
    kind: PacketType,
    data: ValueKind,
    first: Option<ValueKind>,
    first_reserved: bool,
) -> Option<String> {
    let shape = |value: ValueKind, reserved: bool| match value {
        ValueKind::Null => Shape::Null,
        ValueKind::Bool => Shape::Bool,
        ValueKind::Number => Shape::Number,
        // The rule looks only at whether the name is reserved.
        ValueKind::Str => Shape::Str(Cow::Borrowed(if reserved { RESERVED_EVENTS[0] } else { "" })),
        ValueKind::Array => Shape::Array(None),
        ValueKind::Object => Shape::Object,
    };
    let data = match data {
        ValueKind::Array => Shape::Array(first.map(|f| Box::new(shape(f, first_reserved)))),
        other => shape(other, false),
    };
    shape_problem(kind, &data)
}

/// An EVENT's data (`[name, ...args]`, already checked) split without
/// building it: the name's JSON, and the arguments as a JSON array (`[`
/// and what follows the name's comma, or `[]`). `None` when `data` is not
/// such an array.
pub fn event_parts(data: &str) -> Option<(&str, String)> {
    struct First<'a>(Option<&'a serde_json::value::RawValue>);
    impl<'de> Deserialize<'de> for First<'de> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
            struct FirstVisitor;
            impl<'de> Visitor<'de> for FirstVisitor {
                type Value = First<'de>;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("an array")
                }
                fn visit_seq<A: SeqAccess<'de>>(
                    self,
                    mut seq: A,
                ) -> std::result::Result<First<'de>, A::Error> {
                    let first = seq.next_element()?;
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    Ok(First(first))
                }
            }
            deserializer.deserialize_seq(FirstVisitor)
        }
    }
    let First(Some(name)) = serde_json::from_str::<First<'_>>(data).ok()? else {
        return None;
    };
    let name = name.get();
    // The raw value borrows from `data`: its offset is where it lies there.
    let start = (name.as_ptr() as usize).checked_sub(data.as_ptr() as usize)?;
    let after = data.get(start + name.len()..)?.trim_start();
    // Built by hand: this runs for every event, and format! costs more.
    let args = match after.strip_prefix(',') {
        Some(rest) => {
            let mut args = String::with_capacity(rest.len() + 1);
            args.push('[');
            args.push_str(rest);
            args
        }
        None => "[]".to_string(),
    };
    Some((name, args))
}

/// The shape rule applied to an EVENT's data through [`event_parts`]: the
/// kind of its first element read from the element's JSON text, and whether
/// it names a reserved event. `None` when the name passes.
pub fn event_name_problem(name_json: &str) -> Option<String> {
    let kind = match name_json.as_bytes().first() {
        Some(b'"') => ValueKind::Str,
        Some(b'-' | b'0'..=b'9') => ValueKind::Number,
        Some(b't' | b'f') => ValueKind::Bool,
        Some(b'n') => ValueKind::Null,
        Some(b'[') => ValueKind::Array,
        Some(b'{') => ValueKind::Object,
        _ => return Some("event name is not JSON".to_string()),
    };
    let reserved = kind == ValueKind::Str
        && serde_json::from_str::<Cow<'_, str>>(name_json)
            .map_or(true, |name| RESERVED_EVENTS.contains(&name.as_ref()));
    shape_problem_of(PacketType::Event, ValueKind::Array, Some(kind), reserved)
}

/// A packet with its attachments, in `num` order.
#[derive(Clone, Debug, PartialEq)]
pub struct Complete<A> {
    pub packet: Packet,
    pub attachments: Vec<A>,
}

fn text_while_reconstructing() -> Error {
    Error::at(
        ErrorKind::SocketioInvalidAttachment,
        0,
        "text packet while the attachments of a binary packet were awaited",
    )
    .with_upstream(UPSTREAM_TEXT_WHILE_RECONSTRUCTING)
}

/// Decodes a stream of Engine.IO messages into packets, collecting the
/// attachments of binary packets. `A` is whatever stands for a binary
/// message (`Vec<u8>`, or `()` when the caller keeps the bytes itself).
/// After an error the decoder is ready for a new packet.
#[derive(Clone, Debug)]
pub struct Decoder<A> {
    options: DecodeOptions,
    pending: Option<Complete<A>>,
}

impl<A> Decoder<A> {
    pub fn new(options: DecodeOptions) -> Self {
        Decoder {
            options,
            pending: None,
        }
    }

    /// The options it decodes with.
    pub fn options(&self) -> &DecodeOptions {
        &self.options
    }

    /// True while attachments of a binary packet are awaited.
    pub fn is_reconstructing(&self) -> bool {
        self.pending.is_some()
    }

    /// How many attachments are still awaited.
    pub fn awaited(&self) -> usize {
        self.pending
            .as_ref()
            .map_or(0, |p| p.packet.attachments - p.attachments.len())
    }

    /// A text message. Returns the packet when it is complete (any packet
    /// but a binary one), `None` when its attachments must follow.
    pub fn push_text(&mut self, text: &str) -> Result<Option<Complete<A>>> {
        if self.pending.take().is_some() {
            return Err(text_while_reconstructing());
        }
        let packet = decode(text, &self.options)?;
        let complete = Complete {
            packet,
            attachments: Vec::new(),
        };
        if complete.packet.kind.is_binary() {
            self.pending = Some(complete);
            Ok(None)
        } else {
            Ok(Some(complete))
        }
    }

    /// A text message, as [`Decoder::push_text`], for a caller that parses
    /// the JSON itself: the packet's [`Head`], and whether it is complete
    /// (false when its attachments must follow).
    pub fn push_text_head(&mut self, text: &str) -> Result<(Head, bool)> {
        if self.pending.take().is_some() {
            return Err(text_while_reconstructing());
        }
        let head = scan(text, &self.options)?;
        if !head.kind.is_binary() {
            return Ok((head, true));
        }
        let nsp = head.nsp.map_or("/", |s| &text[s.start..s.end]);
        let mut packet = Packet::new(head.kind, nsp).with_id(head.id);
        packet.data = head.value.clone();
        packet.attachments = head.attachments;
        self.pending = Some(Complete {
            packet,
            attachments: Vec::new(),
        });
        Ok((head, false))
    }

    /// A binary packet whose header its caller read (with
    /// [`scan_header`]) and whose data it parsed and checked itself: its
    /// `attachments` are awaited. The packet [`Decoder::push_binary`] then
    /// completes has only its kind and count.
    pub fn await_attachments(&mut self, kind: PacketType, attachments: usize) -> Result<()> {
        if self.pending.take().is_some() {
            return Err(text_while_reconstructing());
        }
        if !kind.is_binary() || attachments == 0 || attachments > self.options.max_attachments {
            return Err(Error::new(
                ErrorKind::SocketioInvalidAttachment,
                format!("a {kind:?} packet does not await {attachments} attachments"),
            ));
        }
        let mut packet = Packet::new(kind, "/");
        packet.attachments = attachments;
        self.pending = Some(Complete {
            packet,
            attachments: Vec::new(),
        });
        Ok(())
    }

    /// A binary message: the next attachment.
    pub fn push_binary(&mut self, attachment: A) -> Result<Option<Complete<A>>> {
        let Some(pending) = self.pending.as_mut() else {
            return Err(Error::at(
                ErrorKind::SocketioInvalidAttachment,
                0,
                "binary message while no binary packet awaited attachments",
            )
            .with_upstream(UPSTREAM_BINARY_WHILE_NOT));
        };
        pending.attachments.push(attachment);
        if pending.attachments.len() < pending.packet.attachments {
            return Ok(None);
        }
        Ok(self.pending.take())
    }

    /// The binary packet whose attachments are awaited.
    pub fn pending(&self) -> Option<&Packet> {
        self.pending.as_ref().map(|p| &p.packet)
    }

    /// Drops a packet whose attachments were still awaited.
    pub fn reset(&mut self) {
        self.pending = None;
    }
}

/// What [`inspect`] found, for display: every part with its span, and every
/// problem instead of only the first.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Inspection {
    pub kind: Option<PacketType>,
    pub kind_name: Option<&'static str>,
    pub attachments: Option<usize>,
    pub nsp: Option<String>,
    pub id: Option<u64>,
    /// The data as compact JSON text (placeholders included).
    pub data_json: Option<String>,
    /// The event name of an event, as JSON text (a string or a number).
    pub event_json: Option<String>,
    pub placeholders: Vec<Placeholder>,
    pub spans: PacketSpans,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses a packet leniently: reports every problem with its byte offset.
pub fn inspect(text: &str, options: &DecodeOptions) -> Inspection {
    let parsed = parse(text, options, true);
    let placeholders = parsed.data.as_ref().map(placeholders).unwrap_or_default();
    let event_json = match (parsed.kind, &parsed.data) {
        (Some(PacketType::Event | PacketType::BinaryEvent), Some(Value::Array(items))) => {
            items.first().map(Value::to_string)
        }
        _ => None,
    };
    Inspection {
        kind: parsed.kind,
        kind_name: parsed.kind.map(PacketType::name),
        attachments: parsed.attachments,
        nsp: parsed.nsp.map(|span| namespace(text, span)),
        id: parsed.id,
        data_json: parsed.data.as_ref().map(Value::to_string),
        event_json,
        placeholders,
        spans: parsed.spans,
        diagnostics: parsed
            .diagnostics
            .into_iter()
            .map(|problem| Diagnostic {
                code: problem.kind,
                message: problem.message,
                offset: problem.offset,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn dec(text: &str) -> Result<Packet> {
        decode(text, &DecodeOptions::default())
    }

    #[test]
    fn round_trips() {
        let cases = [
            ("0", Packet::new(PacketType::Connect, "/")),
            (
                "0/custom,{\"token\":\"abc\"}",
                Packet::new(PacketType::Connect, "/custom").with_data(json!({"token": "abc"})),
            ),
            ("1/custom,", Packet::new(PacketType::Disconnect, "/custom")),
            (
                "212[\"chat\",1.50,{\"b\":1,\"a\":2}]",
                Packet::new(PacketType::Event, "/")
                    .with_id(Some(12))
                    .with_data(serde_json::from_str(r#"["chat",1.50,{"b":1,"a":2}]"#).unwrap()),
            ),
            (
                "4{\"message\":\"Invalid namespace\"}",
                Packet::new(PacketType::ConnectError, "/").with_data(json!({"message": "Invalid namespace"})),
            ),
        ];
        for (text, packet) in cases {
            assert_eq!(dec(text).as_ref(), Ok(&packet), "{text}");
            assert_eq!(encode(&packet).as_deref(), Ok(text));
        }
        // Numbers keep their text: 1.50 stays 1.50, big integers stay exact.
        let exact = "2[\"n\",1.50,123456789012345678901234567890,-0.0]";
        assert_eq!(encode(&dec(exact).unwrap()).unwrap(), exact);
        // Namespace without the trailing comma.
        assert_eq!(dec("0/custom").unwrap().nsp, "/custom");
    }

    #[test]
    fn binary_packets_count_attachments() {
        let p = dec("51-[\"binary\",{\"_placeholder\":true,\"num\":0}]").unwrap();
        assert_eq!((p.kind, p.attachments), (PacketType::BinaryEvent, 1));
        let mut built = Packet::new(PacketType::BinaryAck, "/a").with_id(Some(3));
        built.attachments = 2;
        built.data = Some(json!([placeholder(0), {"x": placeholder(1)}]));
        assert_eq!(
            encode(&built).unwrap(),
            r#"62-/a,3[{"_placeholder":true,"num":0},{"x":{"_placeholder":true,"num":1}}]"#
        );
    }

    #[test]
    fn invalid_packets_fail_with_offsets() {
        let cases: &[(&str, ErrorKind, usize)] = &[
            ("", ErrorKind::SocketioInvalidPacket, 0),
            ("7", ErrorKind::SocketioInvalidPacket, 0),
            ("abc", ErrorKind::SocketioInvalidPacket, 0),
            ("4abc", ErrorKind::SocketioInvalidPacket, 1),
            ("2{}", ErrorKind::SocketioInvalidPacket, 1),
            ("2abc[\"x\"]", ErrorKind::SocketioInvalidPacket, 1),
            ("2[]", ErrorKind::SocketioInvalidPacket, 1),
            ("2[{}]", ErrorKind::SocketioInvalidPacket, 1),
            ("2[\"disconnect\"]", ErrorKind::SocketioInvalidPacket, 1),
            ("0[]", ErrorKind::SocketioInvalidPacket, 1),
            ("1{}", ErrorKind::SocketioInvalidPacket, 1),
            ("3{}", ErrorKind::SocketioInvalidPacket, 1),
            ("4[]", ErrorKind::SocketioInvalidPacket, 1),
            ("2[\"a\",", ErrorKind::SocketioInvalidPacket, 6),
            ("5[\"a\"]", ErrorKind::SocketioInvalidPacket, 1),
            ("50-[\"a\"]", ErrorKind::SocketioInvalidPacket, 1),
            ("511-[\"a\"]", ErrorKind::SocketioTooManyAttachments, 1),
            (
                "599999999999999999999999-[\"a\"]",
                ErrorKind::SocketioTooManyAttachments,
                1,
            ),
            (
                "51-[\"a\",{\"_placeholder\":true,\"num\":1}]",
                ErrorKind::SocketioInvalidAttachment,
                3,
            ),
            (
                "51-[\"a\",{\"_placeholder\":true,\"num\":0.5}]",
                ErrorKind::SocketioInvalidAttachment,
                3,
            ),
            (
                "51-[\"a\",{\"_placeholder\":true,\"num\":\"0\"}]",
                ErrorKind::SocketioInvalidAttachment,
                3,
            ),
            (
                "51-[\"a\",{\"_placeholder\":true}]",
                ErrorKind::SocketioInvalidAttachment,
                3,
            ),
            ("29007199254740992[\"a\"]", ErrorKind::SocketioInvalidPacket, 1),
        ];
        for &(text, kind, offset) in cases {
            let e = dec(text).expect_err(text);
            assert_eq!((e.kind(), e.offset()), (kind, Some(offset as u64)), "{text}: {e}");
        }
        // Lenient where socket.io-parser is too: a number as event name, 1.0 as num.
        assert!(dec("2[1,2]").is_ok());
        assert!(dec("51-[\"a\",{\"_placeholder\":true,\"num\":0.0}]").is_ok());
        assert!(dec("2[\"\\ud83d\\ude00\"]").is_ok());
        assert_eq!(dec("29007199254740991[\"a\"]").unwrap().id, Some(MAX_ACK_ID));
    }

    #[test]
    fn scan_checks_like_decode_without_building() {
        let options = DecodeOptions::default();
        let text = "2/chat,12[\"msg\",{\"a\":[1,2.50]},\"é\"]";
        let head = scan(text, &options).unwrap();
        assert_eq!(head.kind, PacketType::Event);
        assert_eq!(&text[head.nsp.unwrap().start..head.nsp.unwrap().end], "/chat");
        assert_eq!(head.id, Some(12));
        assert_eq!(
            &text[head.data.unwrap().start..],
            "[\"msg\",{\"a\":[1,2.50]},\"é\"]"
        );
        assert_eq!(head.value, None);
        assert!(
            scan("2[1.5,\"x\"]", &options).is_ok(),
            "a number is an event name"
        );
        assert!(scan("0{\"a\":1}", &options).is_ok());
        assert!(scan("4\"oops\"", &options).is_ok());
        // Every refusal of decode() is a refusal of scan(), at the same offset.
        for text in [
            "",
            "7",
            "2{}",
            "2[]",
            "2[{}]",
            "2[null]",
            "2[\"disconnect\"]",
            "2[\"a\",",
            "0[]",
            "0 {}",
            "1{}",
            "3{}",
            "4[]",
            "4 1",
            "2[\"\\u0064isconnect\"]",
            "3[1]x",
            "51-[\"a\",{\"_placeholder\":true,\"num\":1}]",
        ] {
            let strict = decode(text, &options).map(|_| ());
            let fast = scan(text, &options).map(|_| ());
            assert_eq!(
                fast.map_err(|e| e.offset()),
                strict.map_err(|e| e.offset()),
                "{text}"
            );
        }
        assert!(scan("51-[\"a\",{\"_placeholder\":true,\"num\":0}]", &options)
            .unwrap()
            .value
            .is_some());
    }

    #[test]
    fn a_header_read_from_any_prefix_is_the_header_of_the_whole_text() {
        let options = DecodeOptions { max_attachments: 3 };
        let header = |h: &Head| (h.kind, h.attachments, h.nsp, h.id, h.data.map(|d| d.start));
        for text in [
            "2[\"a\"]",
            "0",
            "1/admin,",
            "2/chat,12[\"msg\",{\"a\":1}]",
            "3/é ü,9007199254740991[]",
            "39007199254740992[]",
            "2/no-comma-at-all",
            "21234567890",
            "52-/x,7[\"a\"]",
            "512-[]",
            "5x-[]",
            "50-[]",
            "9[]",
            "",
        ] {
            let whole = scan_header(text, false, &options);
            let expected = whole
                .as_ref()
                .map(|h| h.as_ref().map(header))
                .map_err(|e| (e.kind(), e.offset()));
            assert!(
                matches!(expected, Ok(Some(_)) | Err(_)),
                "{text}: the whole text has a header or a fault"
            );
            for cut in (0..text.len()).filter(|&c| text.is_char_boundary(c)) {
                match scan_header(&text[..cut], true, &options) {
                    Ok(None) => {}
                    found => assert_eq!(
                        found
                            .as_ref()
                            .map(|h| h.as_ref().map(header))
                            .map_err(|e| (e.kind(), e.offset())),
                        expected,
                        "{text} cut at {cut}"
                    ),
                }
            }
            // And the fault or header that decode() finds.
            if let Err(e) = decode(text, &options) {
                if let Err((kind, offset)) = expected {
                    assert_eq!((e.kind(), e.offset()), (kind, offset), "{text}");
                }
            }
        }
    }

    #[test]
    fn the_shape_rule_on_facts_agrees_with_decode() {
        let options = DecodeOptions::default();
        let kind_of = |v: &Value| match v {
            Value::Null => ValueKind::Null,
            Value::Bool(_) => ValueKind::Bool,
            Value::Number(_) => ValueKind::Number,
            Value::String(_) => ValueKind::Str,
            Value::Array(_) => ValueKind::Array,
            Value::Object(_) => ValueKind::Object,
        };
        let samples = [
            json!(null),
            json!(true),
            json!(1.5),
            json!("x"),
            json!({}),
            json!([]),
            json!(["ev"]),
            json!(["disconnect"]),
            json!([7, 1]),
            json!([{}]),
            json!([[1]]),
            json!([null]),
        ];
        for kind in [0u8, 1, 2, 3, 4] {
            for data in &samples {
                let text = format!("{kind}{data}");
                let first = data.as_array().and_then(|a| a.first());
                let reserved = first
                    .and_then(Value::as_str)
                    .is_some_and(|name| RESERVED_EVENTS.contains(&name));
                let packet_kind = PacketType::from_number(kind).unwrap();
                assert_eq!(
                    shape_problem_of(packet_kind, kind_of(data), first.map(kind_of), reserved).is_none(),
                    decode(&text, &options).is_ok(),
                    "{text}"
                );
            }
        }
    }

    #[test]
    fn event_parts_split_name_and_arguments_as_decode_would() {
        for data in [
            r#"["chat",1,{"a":[1,2]},"x"]"#,
            r#"[ "chat" , 1 ]"#,
            r#"["only"]"#,
            r#"[7,"seven"]"#,
            "[\"é\\\"\",[]]",
        ] {
            let (name, args) = event_parts(data).unwrap();
            let Value::Array(mut items) = serde_json::from_str::<Value>(data).unwrap() else {
                panic!("{data} is an array");
            };
            let expected_name = items.remove(0);
            assert_eq!(
                serde_json::from_str::<Value>(name).unwrap(),
                expected_name,
                "{data}"
            );
            assert_eq!(
                serde_json::from_str::<Value>(&args).unwrap(),
                Value::Array(items),
                "{data}"
            );
        }
        for (data, ok) in [
            (r#"["chat",1]"#, true),
            (r#"[7]"#, true),
            (r#"["disconnect",1]"#, false),
            (r#"["\u0064isconnect"]"#, false),
            (r#"[null]"#, false),
            (r#"[{"a":1}]"#, false),
            (r#"[true]"#, false),
        ] {
            let (name, _) = event_parts(data).unwrap();
            assert_eq!(event_name_problem(name).is_none(), ok, "{data}");
            assert_eq!(
                decode(&format!("2{data}"), &DecodeOptions::default()).is_ok(),
                ok,
                "{data}"
            );
        }
        assert_eq!(event_parts("[]"), None);
        assert_eq!(event_parts("{}"), None);
        assert_eq!(event_parts("[1,"), None);
    }

    #[test]
    fn decoder_collects_attachments_in_order() {
        let mut d: Decoder<Vec<u8>> = Decoder::new(DecodeOptions::default());
        assert!(d
            .push_text(r#"52-["e",{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]"#)
            .unwrap()
            .is_none());
        assert_eq!(d.awaited(), 2);
        assert!(d.push_binary(vec![1]).unwrap().is_none());
        let done = d.push_binary(vec![2]).unwrap().unwrap();
        assert_eq!(done.attachments, vec![vec![1], vec![2]]);
        let found = placeholders(done.packet.data.as_ref().unwrap());
        assert_eq!(found[0].path, vec![PathStep::Index(1)]);
        assert_eq!(found[0].num, Some(1));
        assert!(!d.is_reconstructing());
        // Out of order messages.
        assert!(d.push_binary(vec![1]).is_err());
        d.push_text(r#"51-["e",{"_placeholder":true,"num":0}]"#).unwrap();
        assert!(d.push_text("2[\"x\"]").is_err());
        assert!(!d.is_reconstructing());
        assert!(d.push_text("2[\"x\"]").unwrap().is_some());
    }

    #[test]
    fn placeholder_rule_names_one_attachment() {
        let shown = || "n".to_string();
        assert_eq!(attachment_index(Some(0.0), 1, &shown), Ok(0));
        assert_eq!(attachment_index(Some(2.0), 3, &shown), Ok(2));
        for bad in [
            Some(1.0),
            Some(-1.0),
            Some(0.5),
            Some(f64::INFINITY),
            Some(f64::NAN),
            None,
        ] {
            assert!(attachment_index(bad, 1, &shown).is_err(), "{bad:?}");
        }
        assert!(is_placeholder_marker(Some(true)));
        assert!(!is_placeholder_marker(Some(false)) && !is_placeholder_marker(None));
        // One rule for values parsed here and for JS's: `1.0e0` is 1.
        let data = json!(["e", {"_placeholder": true, "num": 1.0e0}]);
        assert!(check_placeholders(&data, 2).is_ok());
        let error = check_placeholders(&data, 1).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::SocketioInvalidAttachment);
        assert!(
            error.to_string().contains("num 1 is not below the 1 attachments"),
            "{error}"
        );
    }

    #[test]
    fn decoder_awaits_what_its_caller_parsed() {
        let mut d: Decoder<()> = Decoder::new(DecodeOptions::default());
        d.await_attachments(PacketType::BinaryEvent, 2).unwrap();
        assert_eq!(d.awaited(), 2);
        assert!(d.push_binary(()).unwrap().is_none());
        let done = d.push_binary(()).unwrap().unwrap();
        assert_eq!(
            (done.packet.kind, done.packet.attachments),
            (PacketType::BinaryEvent, 2)
        );
        // Not for a packet without attachments, nor past the cap.
        assert!(d.await_attachments(PacketType::Event, 1).is_err());
        assert!(d.await_attachments(PacketType::BinaryAck, 0).is_err());
        assert!(d.await_attachments(PacketType::BinaryAck, 11).is_err());
        // Nor while another packet's are awaited: that packet is dropped.
        d.await_attachments(PacketType::BinaryAck, 1).unwrap();
        assert!(d.await_attachments(PacketType::BinaryAck, 1).is_err());
        assert!(!d.is_reconstructing());
    }

    #[test]
    fn inspect_reports_every_problem_with_spans() {
        let options = DecodeOptions::default();
        let ok = inspect(r#"51-/chat,7["msg",{"_placeholder":true,"num":0}]"#, &options);
        assert!(ok.diagnostics.is_empty());
        assert_eq!(ok.kind_name, Some("BINARY_EVENT"));
        assert_eq!(ok.spans.attachments, Some(Span { start: 1, end: 3 }));
        assert_eq!(ok.spans.nsp, Some(Span { start: 3, end: 9 }));
        assert_eq!(ok.spans.id, Some(Span { start: 9, end: 10 }));
        assert_eq!(ok.event_json.as_deref(), Some("\"msg\""));
        assert_eq!(ok.placeholders.len(), 1);
        let bad = inspect(r#"599-["disconnect",{"_placeholder":true,"num":200}]"#, &options);
        let codes: Vec<_> = bad.diagnostics.iter().map(|d| d.code.code()).collect();
        assert_eq!(
            codes,
            [
                "socketio_too_many_attachments",
                "socketio_invalid_packet",
                "socketio_invalid_attachment"
            ]
        );
        assert_eq!(
            bad.data_json.as_deref().map(|s| s.starts_with("[\"disconnect\"")),
            Some(true)
        );
    }
}
