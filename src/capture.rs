//! A captured WebSocket session for the inspector: the text people paste
//! (hex, Wireshark's "Follow TCP Stream" hex dump, xxd, base64) turned into
//! bytes per direction, then every layer decoded: the HTTP upgrade (accept
//! key checked, subprotocol and extensions shown, permessage-deflate
//! parameters taken for the frames that follow), the frames of both
//! directions ([`crate::inspect`]), and Engine.IO and Socket.IO on top,
//! binary attachments stitched back into their packets.
//!
//! Lenient everywhere: problems become diagnostics at a byte offset of the
//! direction's stream, and decoding goes on.

use crate::deflate::DeflateParams;
use crate::engineio::{self, PacketData, Version};
use crate::error::ErrorKind;
use crate::frame::{FrameHeader, Opcode, MAX_HEADER_LEN};
use crate::handshake::{accept_key, check_response, HandshakeRequest, HeadLimits, HeadReader, Offer};
use crate::inspect::{self, Diagnostic, Direction, InspectDeflate, InspectOptions, Inspection, Severity};
use crate::socketio;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::ops::ControlFlow;

/// What the inspector was given, from the first bytes of a file (a few
/// KiB): "pcap", "pcapng", "har", or "text" (a dump to parse).
pub fn file_kind(head: &[u8]) -> &'static str {
    match crate::pcap::sniff(head) {
        Some(format) => format,
        None if crate::har::sniff(head) => "har",
        None => "text",
    }
}

/// Which way bytes went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dir {
    /// Client to server.
    Client,
    /// Server to client.
    Server,
}

/// Bytes that went one way, in capture order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub dir: Dir,
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
    /// The packet that brought them, when they come from a capture file
    /// (1-based, as Wireshark numbers packets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packet: Option<u64>,
    /// Its capture time, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<f64>,
}

impl Segment {
    /// Bytes from pasted text: no packet, no time.
    pub fn new(dir: Dir, bytes: Vec<u8>) -> Self {
        Segment {
            dir,
            bytes,
            packet: None,
            time: None,
        }
    }
}

/// A problem in pasted text, by line (1-based).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DumpProblem {
    pub line: usize,
    pub message: String,
}

/// Pasted text as bytes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Dump {
    /// `"hex"`, `"hexdump"` (lines with offsets: Wireshark, xxd) or `"base64"`.
    pub format: &'static str,
    pub segments: Vec<Segment>,
    pub problems: Vec<DumpProblem>,
}

fn is_hexish(text: &str) -> bool {
    // Plain hex: digits with spaces, commas, colons and 0x prefixes only.
    let cleaned = text.replace("0x", "").replace("0X", "");
    cleaned.chars().any(|c| c.is_ascii_hexdigit())
        && cleaned
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c.is_whitespace() || matches!(c, ',' | ':' | ';' | '-'))
}

/// Mostly two-digit groups (`81 85 37 fa`): hex with typos, not base64.
fn looks_like_hex_tokens(text: &str) -> bool {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let hexy = tokens
        .iter()
        .filter(|t| {
            let t = t.trim_start_matches("0x").trim_end_matches(',');
            t.len() == 2 && t.bytes().all(|b| b.is_ascii_hexdigit())
        })
        .count();
    tokens.len() > 1 && hexy * 2 >= tokens.len()
}

fn hex_value(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Hex digits in `text` (ignoring separators and `0x`), as bytes.
fn hex_bytes(text: &str, line: usize, problems: &mut Vec<DumpProblem>) -> Vec<u8> {
    let cleaned = text.replace("0x", " ").replace("0X", " ");
    let mut out = Vec::new();
    for group in cleaned.split(|c: char| c.is_whitespace() || matches!(c, ',' | ':' | ';' | '-')) {
        let digits = group.as_bytes();
        if digits.is_empty() {
            continue;
        }
        if !digits.iter().all(u8::is_ascii_hexdigit) {
            problems.push(DumpProblem {
                line,
                message: format!("{group:?} is not hex"),
            });
            continue;
        }
        if digits.len() % 2 == 1 {
            problems.push(DumpProblem {
                line,
                message: format!("{group:?} has an odd number of hex digits"),
            });
        }
        for pair in digits.chunks(2) {
            let hi = hex_value(pair[0]).unwrap_or(0);
            let lo = pair.get(1).and_then(|&d| hex_value(d));
            out.push(match lo {
                Some(lo) => hi << 4 | lo,
                None => hi,
            });
        }
    }
    out
}

/// One line of a hex dump: `[offset] hex... [ascii]`.
fn dump_line(line: &str) -> Option<&str> {
    let trimmed = line.trim_start();
    let first_end = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
    let first = &trimmed[..first_end];
    let digits = first.trim_end_matches(':');
    let is_offset = (4..=8).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_hexdigit())
        && (first.ends_with(':') || trimmed[first_end..].starts_with("  "));
    if !is_offset {
        return None;
    }
    let rest = trimmed[first_end..].trim_start();
    // The hex column ends where the ASCII column begins: after two spaces in
    // xxd's layout (offset with a colon), three in Wireshark's.
    let gap = if first.ends_with(':') { "  " } else { "   " };
    Some(match rest.find(gap) {
        Some(end) => &rest[..end],
        None => rest,
    })
}

/// Parses pasted text: base64, plain hex (any separators, `0x`), or hex
/// dump lines with offsets (Wireshark, xxd, `hexdump -C`). Direction marks:
/// a line starting with `>` is client to server and `<` server to client;
/// in a dump where some lines are indented and some not, the indented ones
/// are the server's (Wireshark's "Follow TCP Stream"). Unmarked text goes
/// to `default_dir`.
pub fn parse_dump(text: &str, default_dir: Dir) -> Dump {
    let mut problems = Vec::new();
    let mut segments: Vec<Segment> = Vec::new();
    let push = |segments: &mut Vec<Segment>, dir: Dir, bytes: Vec<u8>| {
        if bytes.is_empty() {
            return;
        }
        match segments.last_mut() {
            Some(last) if last.dir == dir => last.bytes.extend(bytes),
            _ => segments.push(Segment::new(dir, bytes)),
        }
    };
    let lines: Vec<&str> = text.lines().collect();
    let has_marks = lines.iter().any(|l| l.starts_with('>') || l.starts_with('<'));
    let dump_lines = lines.iter().filter(|l| dump_line(l).is_some()).count();
    let content_lines = lines.iter().filter(|l| !l.trim().is_empty()).count();
    let is_dump = dump_lines > 0 && dump_lines * 2 >= content_lines;
    if !has_marks && !is_dump {
        let compact: String = text.split_whitespace().collect();
        if !is_hexish(text) && !looks_like_hex_tokens(text) && !compact.is_empty() {
            let engine = base64::engine::general_purpose::GeneralPurpose::new(
                &base64::alphabet::STANDARD,
                base64::engine::general_purpose::GeneralPurposeConfig::new()
                    .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
            );
            let url_safe = compact.replace('-', "+").replace('_', "/");
            match engine.decode(url_safe) {
                Ok(bytes) => {
                    push(&mut segments, default_dir, bytes);
                    return Dump {
                        format: "base64",
                        segments,
                        problems,
                    };
                }
                Err(e) => problems.push(DumpProblem {
                    line: 1,
                    message: format!("neither hex nor base64: {e}"),
                }),
            }
        }
    }
    let indented = |l: &str| l.starts_with('\t') || l.starts_with("  ");
    let mixed = is_dump
        && lines.iter().any(|l| indented(l))
        && lines.iter().any(|l| !l.trim().is_empty() && !indented(l));
    for (i, raw) in lines.iter().enumerate() {
        let number = i + 1;
        let line = raw.trim_end();
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let (dir, body) = if let Some(rest) = line.strip_prefix('>') {
            (Dir::Client, rest)
        } else if let Some(rest) = line.strip_prefix('<') {
            (Dir::Server, rest)
        } else if mixed {
            (if indented(line) { Dir::Server } else { Dir::Client }, line)
        } else {
            (default_dir, line)
        };
        let hex = if is_dump { dump_line(body) } else { None }.unwrap_or(body);
        let bytes = hex_bytes(hex, number, &mut problems);
        push(&mut segments, dir, bytes);
    }
    Dump {
        format: if is_dump { "hexdump" } else { "hex" },
        segments,
        problems,
    }
}

/// One field of an HTTP head.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Header {
    pub name: String,
    pub value: String,
}

/// The opening handshake, as far as it was captured.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HandshakeInfo {
    /// The request line, e.g. `GET /chat HTTP/1.1`.
    pub request_line: Option<String>,
    pub request_headers: Vec<Header>,
    /// Bytes the request head took at the start of the client's stream.
    pub request_len: usize,
    pub path: Option<String>,
    pub key: Option<String>,
    pub offered_protocols: Vec<String>,
    pub offered_extensions: Vec<String>,
    /// The offered extensions' names, which the answer is held to.
    #[serde(skip)]
    offered_extension_names: Vec<String>,
    /// The status line, e.g. `HTTP/1.1 101 Switching Protocols`.
    pub status_line: Option<String>,
    pub status: Option<u16>,
    pub response_headers: Vec<Header>,
    pub response_len: usize,
    pub accept: Option<String>,
    /// What `Sec-WebSocket-Accept` must be for the request's key.
    pub accept_expected: Option<String>,
    pub accept_ok: Option<bool>,
    pub protocol: Option<String>,
    pub extensions: Vec<String>,
    /// permessage-deflate as agreed, when it was.
    pub deflate: Option<DeflateParams>,
    /// The Engine.IO protocol from the path's `EIO=` query.
    pub eio: Option<u8>,
    pub diagnostics: Vec<Diagnostic>,
}

fn diag(code: ErrorKind, message: impl Into<String>, offset: u64, severity: Severity) -> Diagnostic {
    Diagnostic::new(severity, code, message, offset)
}

fn headers_of(parsed: &[httparse::Header<'_>]) -> Vec<Header> {
    parsed
        .iter()
        .map(|h| Header {
            name: h.name.to_string(),
            value: String::from_utf8_lossy(h.value).trim().to_string(),
        })
        .collect()
}

fn find<'a>(headers: &'a [Header], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

/// Where an HTTP head ends at the start of `bytes`, if it starts with one.
fn head_end(bytes: &[u8], starts: &[&[u8]]) -> Option<usize> {
    if !starts.iter().any(|s| bytes.starts_with(s)) {
        return None;
    }
    let mut reader = HeadReader::new(HeadLimits::default());
    reader.push(bytes).ok().flatten()
}

/// The request methods an HTTP head can start with.
pub(crate) const METHODS: [&[u8]; 8] = [
    b"GET ",
    b"POST ",
    b"PUT ",
    b"HEAD ",
    b"DELETE ",
    b"OPTIONS ",
    b"PATCH ",
    b"CONNECT ",
];

fn read_request(bytes: &[u8], info: &mut HandshakeInfo) {
    let Some(len) = head_end(bytes, &METHODS) else {
        return;
    };
    info.request_len = len;
    let mut storage = [httparse::EMPTY_HEADER; 100];
    let mut req = httparse::Request::new(&mut storage);
    if let Err(e) = req.parse(&bytes[..len]) {
        info.diagnostics.push(diag(
            ErrorKind::InvalidHttp,
            format!("the request head is not valid HTTP: {e}"),
            0,
            Severity::Error,
        ));
        return;
    }
    let method = req.method.unwrap_or("").to_string();
    let path = req.path.unwrap_or("").to_string();
    let minor = req.version.unwrap_or(1);
    info.request_line = Some(format!("{method} {path} HTTP/1.{minor}"));
    info.request_headers = headers_of(req.headers);
    info.key = find(&info.request_headers, "sec-websocket-key").map(str::to_string);
    info.eio = Version::from_url(&path).map(Version::number);
    info.path = Some(path.clone());
    let pairs = info
        .request_headers
        .iter()
        .map(|h| (h.name.clone(), h.value.clone()))
        .collect();
    match HandshakeRequest::from_parts(&method, &path, minor, pairs) {
        Ok(request) => {
            info.offered_protocols = request.protocols;
            info.offered_extensions = request.extensions.iter().map(ToString::to_string).collect();
            info.offered_extension_names = request.extensions.into_iter().map(|e| e.name).collect();
        }
        Err(e) => info.diagnostics.push(diag(
            e.kind(),
            format!("the upgrade request is refused: {}", e.message()),
            0,
            Severity::Error,
        )),
    }
}

fn read_response(bytes: &[u8], info: &mut HandshakeInfo) {
    let Some(len) = head_end(bytes, &[b"HTTP/"]) else {
        return;
    };
    info.response_len = len;
    let mut storage = [httparse::EMPTY_HEADER; 100];
    let mut res = httparse::Response::new(&mut storage);
    if let Err(e) = res.parse(&bytes[..len]) {
        info.diagnostics.push(diag(
            ErrorKind::InvalidHttp,
            format!("the response head is not valid HTTP: {e}"),
            0,
            Severity::Error,
        ));
        return;
    }
    let status = res.code.unwrap_or(0);
    info.status = Some(status);
    info.status_line = Some(format!(
        "HTTP/1.{} {status} {}",
        res.version.unwrap_or(1),
        res.reason.unwrap_or("")
    ));
    info.response_headers = headers_of(res.headers);
    info.accept = find(&info.response_headers, "sec-websocket-accept").map(str::to_string);
    // The rules wsframe's own client holds an answer to, every broken one
    // reported; what the client offered is judged only when its request
    // was captured.
    let pairs: Vec<(String, String)> = info
        .response_headers
        .iter()
        .map(|h| (h.name.clone(), h.value.clone()))
        .collect();
    let seen_request = info.request_line.is_some();
    let offer = Offer {
        key: info.key.as_deref().filter(|_| seen_request),
        protocols: seen_request.then_some(info.offered_protocols.as_slice()),
        require_protocol: false,
        extension_names: seen_request.then_some(info.offered_extension_names.as_slice()),
    };
    let mut found = Vec::new();
    let (protocol, answered) = check_response(
        &offer,
        status,
        res.reason.unwrap_or(""),
        &pairs,
        &mut |violation| {
            found.push(violation);
            ControlFlow::Continue(())
        },
    );
    for violation in found {
        info.diagnostics.push(diag(
            violation.kind,
            violation.message,
            violation.offset,
            Severity::Error,
        ));
    }
    info.protocol = protocol;
    info.extensions = answered.iter().map(ToString::to_string).collect();
    // The same grammar wsframe's own client holds an answer to.
    match crate::deflate::answered_params(&answered) {
        Ok(params) => info.deflate = params,
        Err(e) => info.diagnostics.push(diag(
            ErrorKind::InvalidExtensions,
            e.message().to_string(),
            0,
            Severity::Error,
        )),
    }
}

/// Engine.IO's view of one message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EngineIoInfo {
    pub version: u8,
    pub kind: Option<&'static str>,
    pub text: Option<String>,
    /// Binary data in hex (at most 64 bytes shown).
    pub hex: Option<String>,
    pub size: usize,
    pub error: Option<String>,
}

/// Socket.IO's view of one message.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SocketIoInfo {
    #[serde(flatten)]
    pub packet: socketio::Inspection,
    /// The data with each placeholder replaced by
    /// `{"_attachment": N, "bytes": size, "hex": "..."}` once its attachment arrived.
    pub stitched_json: Option<String>,
    /// Messages (indexes in this direction) carrying its attachments.
    pub attachment_messages: Vec<usize>,
}

/// The upper layers of one data message.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageLayers {
    pub dir: Dir,
    pub message: usize,
    pub engineio: Option<EngineIoInfo>,
    pub socketio: Option<SocketIoInfo>,
    /// This message is attachment `num` of Socket.IO packet `of` (a message index).
    pub attachment_of: Option<(usize, usize)>,
}

/// Options for [`inspect_capture`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct CaptureOptions {
    /// Engine.IO protocol for the messages: 3 or 4, 0 for none; absent:
    /// from the handshake path's `EIO=` query.
    pub eio: Option<u8>,
    /// Decode Socket.IO inside Engine.IO messages; absent: when the path is
    /// a Socket.IO one (`/socket.io/`) or, without a handshake, when Engine.IO is on.
    pub socketio: Option<bool>,
    /// permessage-deflate for the client's frames when no handshake says.
    pub client_deflate: Option<DeflateOverride>,
    /// permessage-deflate for the server's frames when no handshake says.
    pub server_deflate: Option<DeflateOverride>,
    /// Payload bytes copied out per frame and message (default 4096).
    pub max_payload: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeflateOverride {
    pub window_bits: u8,
    #[serde(default)]
    pub no_context_takeover: bool,
}

/// A frame's place in the capture.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Ordered {
    pub dir: Dir,
    pub frame: usize,
    /// The captured packet that completed the frame (its last byte), when
    /// the segments came from a capture file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packet: Option<u64>,
    /// That packet's time, seconds since the epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<f64>,
}

/// Everything decoded from a capture.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CaptureInspection {
    pub handshake: Option<HandshakeInfo>,
    /// Frames sent by the client (offsets in the client's stream, head included).
    pub client: Inspection,
    /// Frames sent by the server.
    pub server: Inspection,
    /// Every frame in capture order.
    pub order: Vec<Ordered>,
    /// Engine.IO / Socket.IO per data message, when decoded.
    pub layers: Vec<MessageLayers>,
    /// The Engine.IO protocol used (0: none).
    pub eio: u8,
    pub socketio: bool,
    #[serde(with = "serde_bytes")]
    pub client_bytes: Vec<u8>,
    #[serde(with = "serde_bytes")]
    pub server_bytes: Vec<u8>,
}

fn hex_preview(bytes: &[u8]) -> String {
    let shown: String = bytes.iter().take(64).map(|b| format!("{b:02x}")).collect();
    if bytes.len() > 64 {
        format!("{shown}…")
    } else {
        shown
    }
}

/// Moves every offset of an inspection `base` bytes further.
fn shift(inspection: &mut Inspection, base: u64) {
    for frame in &mut inspection.frames {
        frame.offset += base;
        frame.payload_offset += base;
        for field in &mut frame.fields {
            field.offset += base;
        }
        for d in &mut frame.diagnostics {
            d.offset += base;
        }
    }
    for d in &mut inspection.diagnostics {
        d.offset += base;
    }
}

fn stream(segments: &[Segment], dir: Dir) -> (Vec<u8>, Vec<(usize, u64)>) {
    let mut bytes = Vec::new();
    let mut starts = Vec::new();
    for (i, s) in segments.iter().enumerate().filter(|(_, s)| s.dir == dir) {
        starts.push((i, bytes.len() as u64));
        bytes.extend_from_slice(&s.bytes);
    }
    (bytes, starts)
}

/// The index of the segment holding byte `offset` of a direction's stream.
fn segment_of(starts: &[(usize, u64)], offset: u64) -> usize {
    let at = starts.partition_point(|&(_, start)| start <= offset);
    starts.get(at.saturating_sub(1)).map_or(0, |&(i, _)| i)
}

fn deflate_for(
    params: Option<DeflateParams>,
    dir: Dir,
    fallback: Option<DeflateOverride>,
) -> Option<InspectDeflate> {
    match (params, dir) {
        (Some(p), Dir::Client) => Some(InspectDeflate {
            window_bits: p.client_max_window_bits,
            no_context_takeover: p.client_no_context_takeover,
        }),
        (Some(p), Dir::Server) => Some(InspectDeflate {
            window_bits: p.server_max_window_bits,
            no_context_takeover: p.server_no_context_takeover,
        }),
        (None, _) => fallback.map(|d| InspectDeflate {
            window_bits: d.window_bits.clamp(8, 15),
            no_context_takeover: d.no_context_takeover,
        }),
    }
}

/// Decodes a whole capture.
pub fn inspect_capture(segments: &[Segment], options: &CaptureOptions) -> CaptureInspection {
    let (client_bytes, client_starts) = stream(segments, Dir::Client);
    let (server_bytes, server_starts) = stream(segments, Dir::Server);
    let mut info = HandshakeInfo::default();
    read_request(&client_bytes, &mut info);
    if let Some(key) = info.key.clone() {
        info.accept_expected = Some(accept_key(&key));
    }
    read_response(&server_bytes, &mut info);
    // For display; the rule itself is judged with the others (read_response).
    if let (Some(expected), Some(got)) = (&info.accept_expected, &info.accept) {
        info.accept_ok = Some(expected == got);
    }
    let has_handshake = info.request_len > 0 || info.response_len > 0;
    let max_payload = options.max_payload.unwrap_or(4096);
    let run = |bytes: &[u8], head: usize, dir: Dir, fallback: Option<DeflateOverride>| {
        let mut result = inspect::inspect(
            &bytes[head..],
            &InspectOptions {
                direction: match dir {
                    Dir::Client => Direction::Client,
                    Dir::Server => Direction::Server,
                },
                allowed_rsv: 0,
                max_payload,
                deflate: deflate_for(info.deflate, dir, if has_handshake { None } else { fallback }),
                max_inflated: 64 << 20,
            },
        );
        shift(&mut result, head as u64);
        result
    };
    let client = run(
        &client_bytes,
        info.request_len,
        Dir::Client,
        options.client_deflate,
    );
    let server = run(
        &server_bytes,
        info.response_len,
        Dir::Server,
        options.server_deflate,
    );

    let mut order: Vec<(usize, u64, Ordered)> = Vec::new();
    for (dir, inspection, starts) in [
        (Dir::Client, &client, &client_starts),
        (Dir::Server, &server, &server_starts),
    ] {
        for frame in &inspection.frames {
            let last_byte = (frame.payload_offset + frame.available)
                .saturating_sub(1)
                .max(frame.offset);
            let completed = segments.get(segment_of(starts, last_byte));
            order.push((
                segment_of(starts, frame.offset),
                frame.offset,
                Ordered {
                    dir,
                    frame: frame.index,
                    packet: completed.and_then(|s| s.packet),
                    time: completed.and_then(|s| s.time),
                },
            ));
        }
    }
    order.sort_by_key(|&(segment, offset, o)| (segment, o.dir == Dir::Server, offset));

    let eio = match options.eio {
        Some(0) => None,
        Some(v) => Version::from_query(&v.to_string()),
        None => info.eio.and_then(|v| Version::from_query(&v.to_string())),
    };
    let socketio = eio.is_some()
        && options
            .socketio
            .unwrap_or_else(|| info.path.as_deref().map_or(true, |p| p.contains("socket.io")));
    let mut layers = Vec::new();
    if let Some(version) = eio {
        for (dir, inspection) in [(Dir::Client, &client), (Dir::Server, &server)] {
            layers.extend(upper_layers(dir, inspection, version, socketio));
        }
    }
    CaptureInspection {
        handshake: has_handshake.then_some(info),
        client,
        server,
        order: order.into_iter().map(|(_, _, o)| o).collect(),
        layers,
        eio: eio.map_or(0, Version::number),
        socketio,
        client_bytes,
        server_bytes,
    }
}

/// Engine.IO and Socket.IO for the messages of one direction.
fn upper_layers(dir: Dir, inspection: &Inspection, version: Version, socketio: bool) -> Vec<MessageLayers> {
    let packets = inspection.messages.iter().map(|message| {
        let decoded = if message.kind == "text" {
            match &message.text {
                Some(text) => engineio::decode_text(text, version),
                None => Err(crate::Error::new(
                    crate::ErrorKind::EngineioInvalidPacket,
                    "the message is not valid UTF-8 text",
                )),
            }
        } else {
            engineio::decode_binary(&message.data, version)
        };
        let decoded = decoded.map_err(|e| {
            if message.truncated {
                format!("{} (the message was cut for display)", e.message())
            } else {
                e.message().to_string()
            }
        });
        (message.index, decoded, message.data.len())
    });
    packet_layers(dir, packets, version, socketio)
}

/// Engine.IO and Socket.IO for a direction's Engine.IO packets, however
/// they travelled (WebSocket messages, polling payloads, HAR messages):
/// `(message index, the packet or why it did not decode, its size)`.
/// Binary Socket.IO attachments are stitched into the packet they follow.
pub(crate) fn packet_layers(
    dir: Dir,
    packets: impl Iterator<Item = (usize, Result<engineio::Packet, String>, usize)>,
    version: Version,
    socketio: bool,
) -> Vec<MessageLayers> {
    let mut out: Vec<MessageLayers> = Vec::new();
    // The Socket.IO packet waiting for attachments: its layer index, how
    // many it needs, the attachments so far.
    let mut pending: Option<(usize, usize, Vec<Vec<u8>>)> = None;
    for (index, decoded, size) in packets {
        let mut layer = MessageLayers {
            dir,
            message: index,
            engineio: None,
            socketio: None,
            attachment_of: None,
        };
        let packet = match decoded {
            Ok(p) => p,
            Err(error) => {
                layer.engineio = Some(EngineIoInfo {
                    version: version.number(),
                    kind: None,
                    text: None,
                    hex: None,
                    size,
                    error: Some(error),
                });
                out.push(layer);
                continue;
            }
        };
        let (text, hex, size) = match &packet.data {
            PacketData::Empty => (None, None, 0),
            PacketData::Text(t) => (Some(t.clone()), None, t.len()),
            PacketData::Binary(b) => (None, Some(hex_preview(b)), b.len()),
        };
        layer.engineio = Some(EngineIoInfo {
            version: version.number(),
            kind: Some(packet.kind.name()),
            text,
            hex,
            size,
            error: None,
        });
        if socketio && packet.kind == engineio::PacketType::Message {
            match packet.data {
                PacketData::Binary(bytes) => {
                    if let Some((at, needed, mut got)) = pending.take() {
                        layer.attachment_of = Some((out[at].message, got.len()));
                        got.push(bytes);
                        if let Some(sio) = out[at].socketio.as_mut() {
                            sio.attachment_messages.push(index);
                            if got.len() == needed {
                                sio.stitched_json = stitch(&sio.packet, &got);
                            }
                        }
                        if got.len() < needed {
                            pending = Some((at, needed, got));
                        }
                    }
                }
                PacketData::Text(text) => {
                    let inspected = socketio::inspect(&text, &socketio::DecodeOptions::default());
                    let needed = inspected.attachments.unwrap_or(0);
                    let waits = needed > 0
                        && inspected
                            .diagnostics
                            .iter()
                            .all(|d| d.code != ErrorKind::SocketioTooManyAttachments);
                    layer.socketio = Some(SocketIoInfo {
                        stitched_json: inspected.data_json.clone(),
                        packet: inspected,
                        attachment_messages: Vec::new(),
                    });
                    pending = waits.then(|| (out.len(), needed, Vec::new()));
                }
                PacketData::Empty => {}
            }
        }
        out.push(layer);
    }
    out
}

/// The packet's data with each placeholder replaced by its attachment.
fn stitch(packet: &socketio::Inspection, attachments: &[Vec<u8>]) -> Option<String> {
    let mut data: Value = serde_json::from_str(packet.data_json.as_deref()?).ok()?;
    for placeholder in &packet.placeholders {
        let Some(num) = placeholder.num.filter(|&n| n < attachments.len()) else {
            continue;
        };
        let mut target = &mut data;
        for step in &placeholder.path {
            target = match (step, target) {
                (socketio::PathStep::Index(i), Value::Array(items)) => items.get_mut(*i)?,
                (socketio::PathStep::Key(k), Value::Object(map)) => map.get_mut(k)?,
                _ => return None,
            };
        }
        *target = serde_json::json!({
            "_attachment": num,
            "bytes": attachments[num].len(),
            "hex": hex_preview(&attachments[num]),
        });
    }
    Some(data.to_string())
}

/// How the frame builder writes the payload length.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LengthChoice {
    /// The shortest form, as RFC 6455 §5.2 requires.
    #[default]
    Minimal,
    /// Always the 16-bit form (non-minimal for payloads under 126 bytes).
    Extended16,
    /// Always the 64-bit form.
    Extended64,
}

/// A frame built field by field for the inspector's builder, valid or not.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FrameSpec {
    pub fin: bool,
    #[serde(default)]
    pub rsv1: bool,
    #[serde(default)]
    pub rsv2: bool,
    #[serde(default)]
    pub rsv3: bool,
    /// 0-15; reserved values allowed.
    pub opcode: u8,
    /// The masking key, or none for an unmasked frame.
    pub mask: Option<[u8; 4]>,
    #[serde(default)]
    pub length: LengthChoice,
}

/// Encodes `spec` around `payload`.
pub fn build_frame(spec: &FrameSpec, payload: &[u8]) -> Vec<u8> {
    let header = FrameHeader {
        fin: spec.fin,
        rsv1: spec.rsv1,
        rsv2: spec.rsv2,
        rsv3: spec.rsv3,
        opcode: Opcode::from_bits(spec.opcode),
        mask: spec.mask,
        payload_len: payload.len() as u64,
    };
    let mut out = Vec::with_capacity(payload.len() + MAX_HEADER_LEN);
    let mut head = [0u8; MAX_HEADER_LEN];
    let len = header.encode(&mut head);
    let mask_bit = head[1] & 0x80;
    match spec.length {
        LengthChoice::Minimal => out.extend_from_slice(&head[..2 + (len - 2 - spec.mask.map_or(0, |_| 4))]),
        LengthChoice::Extended16 => {
            out.extend_from_slice(&[head[0], mask_bit | 126]);
            out.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        }
        LengthChoice::Extended64 => {
            out.extend_from_slice(&[head[0], mask_bit | 127]);
            out.extend_from_slice(&(payload.len() as u64).to_be_bytes());
        }
    }
    match spec.mask {
        Some(key) => {
            out.extend_from_slice(&key);
            crate::mask::extend_masked(&mut out, payload, key, 0);
        }
        None => out.extend_from_slice(payload),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::hex;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn parses_plain_hex_base64_and_dumps() {
        let plain = parse_dump("0x81, 0x05 48:65 6c6c 6f", Dir::Server);
        assert_eq!(plain.format, "hex");
        assert_eq!(
            plain.segments,
            vec![Segment::new(Dir::Server, hex("810548656c6c6f"))]
        );
        let b64 = parse_dump("gQVIZWxsbw==", Dir::Client);
        assert_eq!(b64.format, "base64");
        assert_eq!(b64.segments[0].bytes, hex("810548656c6c6f"));
        // Wireshark "Follow TCP Stream" as hex dump: the server's lines are indented.
        let wireshark = "00000000  47 45 54 20 2f 20 48 54  54 50 2f 31 2e 31 0d 0a   GET / HT TP/1.1..\n\
                         00000010  0d 0a                                             ..\n\
                         \x20   00000000  48 54 54 50 2f 31 2e 31  20 31 30 31 0d 0a 0d 0a   HTTP/1.1  101....\n\
                         00000012  81 85 37 fa 21 3d 7f 9f  4d 51 58               ..7.!=.. MQX\n";
        let dump = parse_dump(wireshark, Dir::Client);
        assert_eq!(dump.format, "hexdump");
        assert_eq!(dump.problems, vec![]);
        let dirs: Vec<(Dir, usize)> = dump.segments.iter().map(|s| (s.dir, s.bytes.len())).collect();
        assert_eq!(
            dirs,
            vec![(Dir::Client, 18), (Dir::Server, 16), (Dir::Client, 11)]
        );
        assert_eq!(&dump.segments[0].bytes[..4], b"GET ");
        let xxd = parse_dump(
            "00000000: 8185 37fa 213d 7f9f 4d51 58  ....7.!=..MQX\n",
            Dir::Client,
        );
        assert_eq!(xxd.segments[0].bytes, hex("818537fa213d7f9f4d5158"));
        let marked = parse_dump("> 81 80 00 00 00 00\n< 81 00\n", Dir::Client);
        assert_eq!(marked.segments.len(), 2);
        assert_eq!(marked.segments[1].dir, Dir::Server);
        let bad = parse_dump("81 8x 00", Dir::Client);
        assert_eq!(bad.problems.len(), 1);
    }

    fn session() -> Vec<Segment> {
        let key = "dGhlIHNhbXBsZSBub25jZQ==";
        let request = format!(
            "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\
Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
        );
        let response = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Accept: {}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
            accept_key(key)
        );
        let mut server = crate::protocol::Connection::new(crate::protocol::Config {
            deflate: Some(crate::deflate::DeflateSettings {
                threshold: 0,
                ..crate::deflate::DeflateSettings::new(DeflateParams::default())
            }),
            ..crate::protocol::Config::server()
        });
        server.send_text("0{\"sid\":\"abc\"}").unwrap();
        server.send_text("40{\"sid\":\"xyz\"}").unwrap();
        server
            .send_text("451-[\"file\",{\"_placeholder\":true,\"num\":0}]")
            .unwrap();
        server.send_binary(&[1, 2, 3]).unwrap();
        let frames = server.take_output();
        let mut client = crate::protocol::Connection::new(crate::protocol::Config::client());
        client.send_text("40").unwrap();
        let client_frames = client.take_output();
        vec![
            Segment::new(Dir::Client, request.into_bytes()),
            Segment::new(Dir::Server, [response.as_bytes(), &frames].concat()),
            Segment::new(Dir::Client, client_frames),
        ]
    }

    #[test]
    fn decodes_a_whole_session() {
        let capture = inspect_capture(&session(), &CaptureOptions::default());
        let handshake = capture.handshake.as_ref().unwrap();
        assert_eq!(handshake.accept_ok, Some(true));
        assert_eq!(handshake.eio, Some(4));
        assert!(handshake.deflate.is_some());
        assert!(handshake.diagnostics.is_empty(), "{:?}", handshake.diagnostics);
        assert_eq!((capture.eio, capture.socketio), (4, true));
        assert_eq!(capture.server.frames.len(), 4);
        assert!(capture.server.frames[0].rsv1, "compressed");
        assert_eq!(
            capture.server.messages[0].text.as_deref(),
            Some("0{\"sid\":\"abc\"}")
        );
        // Capture order: the server's frames, then the client's "40".
        assert_eq!(
            capture.order.last(),
            Some(&Ordered {
                dir: Dir::Client,
                frame: 0,
                packet: None,
                time: None,
            })
        );
        let open = &capture
            .layers
            .iter()
            .find(|l| l.dir == Dir::Server && l.message == 0)
            .unwrap();
        assert_eq!(open.engineio.as_ref().unwrap().kind, Some("open"));
        let file = capture
            .layers
            .iter()
            .find(|l| l.dir == Dir::Server && l.message == 2)
            .unwrap();
        let sio = file.socketio.as_ref().unwrap();
        assert_eq!(sio.packet.event_json.as_deref(), Some("\"file\""));
        assert_eq!(
            sio.stitched_json.as_deref(),
            Some(r#"["file",{"_attachment":0,"bytes":3,"hex":"010203"}]"#)
        );
        assert_eq!(sio.attachment_messages, vec![3]);
        let attachment = capture
            .layers
            .iter()
            .find(|l| l.dir == Dir::Server && l.message == 3)
            .unwrap();
        assert_eq!(attachment.attachment_of, Some((2, 0)));
        let client = capture.layers.iter().find(|l| l.dir == Dir::Client).unwrap();
        assert_eq!(
            client.socketio.as_ref().unwrap().packet.kind_name,
            Some("CONNECT")
        );
    }

    #[test]
    fn a_wrong_accept_key_is_reported() {
        let mut segments = session();
        // Change one character of the Sec-WebSocket-Accept value.
        let start = segments[1].bytes.windows(4).position(|w| w == b"Sec-").unwrap();
        segments[1].bytes[start + 22] ^= 1;
        let capture = inspect_capture(&segments, &CaptureOptions::default());
        let handshake = capture.handshake.unwrap();
        assert_eq!(handshake.accept_ok, Some(false));
        assert_eq!(handshake.diagnostics[0].code.code(), "invalid_accept");
    }

    #[test]
    fn an_answer_wsframe_would_refuse_is_reported() {
        let mut segments = session();
        let answered = b"Sec-WebSocket-Extensions: permessage-deflate\r\n";
        let at = segments[1]
            .bytes
            .windows(answered.len())
            .position(|w| w == answered)
            .unwrap();
        let broken = b"Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; server_no_context_takeover\r\n";
        segments[1]
            .bytes
            .splice(at..at + answered.len(), broken.iter().copied());
        let handshake = inspect_capture(&segments, &CaptureOptions::default())
            .handshake
            .unwrap();
        assert_eq!(handshake.deflate, None);
        let d = handshake
            .diagnostics
            .iter()
            .find(|d| d.code.code() == "invalid_extensions")
            .unwrap();
        assert!(d.message.contains("given twice"), "{}", d.message);
    }

    #[test]
    fn builds_frames_valid_or_not() {
        let spec = FrameSpec {
            fin: true,
            rsv1: false,
            rsv2: false,
            rsv3: false,
            opcode: 1,
            mask: None,
            length: LengthChoice::Minimal,
        };
        assert_eq!(build_frame(&spec, b"Hello"), hex("810548656c6c6f"));
        let masked = FrameSpec {
            mask: Some([0x37, 0xfa, 0x21, 0x3d]),
            ..spec.clone()
        };
        assert_eq!(build_frame(&masked, b"Hello"), hex("818537fa213d7f9f4d5158"));
        let long = FrameSpec {
            length: LengthChoice::Extended16,
            ..spec.clone()
        };
        assert_eq!(build_frame(&long, b"Hi"), hex("817e00024869"));
        let inspected = inspect::inspect(&build_frame(&long, b"Hi"), &InspectOptions::default());
        assert!(inspected
            .diagnostics
            .iter()
            .any(|d| d.code.code() == "non_minimal_length"));
        let reserved = FrameSpec { opcode: 3, ..spec };
        assert_eq!(build_frame(&reserved, b"")[0], 0x83);
    }
}
