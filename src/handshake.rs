//! The opening handshake (RFC 6455 §4): the accept key, the server side
//! (read and validate an upgrade request, answer 101 or an error) and the
//! client side (build a request, verify the response).
//!
//! Both sides read the HTTP head incrementally: bytes are fed as they arrive,
//! each byte is looked at once, and the head is parsed (by `httparse`) only
//! when its end has been seen. Bytes after the head are the first frame bytes;
//! `feed` reports where they start so they are not lost.

use crate::error::{Error, ErrorKind, Result, Violation};
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use serde::Serialize;
use sha1::{Digest, Sha1};
use std::ops::ControlFlow;

/// The GUID every accept key is derived with (§1.3).
pub const WEBSOCKET_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The only protocol version this crate speaks (§4.1).
pub const WEBSOCKET_VERSION: &str = "13";

/// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`: base64(SHA-1(key + GUID)).
pub fn accept_key(key: &str) -> String {
    let mut sha = Sha1::new();
    sha.update(key.trim().as_bytes());
    sha.update(WEBSOCKET_GUID.as_bytes());
    STANDARD.encode(sha.finalize())
}

/// Caps on an HTTP head. Over either, a server answers 431.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeadLimits {
    /// Bytes from the request line up to and including the blank line.
    pub max_head_bytes: usize,
    /// Header fields.
    pub max_headers: usize,
}

impl Default for HeadLimits {
    fn default() -> Self {
        HeadLimits {
            max_head_bytes: 16 * 1024,
            max_headers: 100,
        }
    }
}

/// Collects an HTTP head across chunks. Finds its end with a three-state scan
/// of each new byte, so the total work is linear however the input is cut.
#[derive(Debug)]
pub(crate) struct HeadReader {
    pub(crate) buf: Vec<u8>,
    /// 0: inside a line; 1: just after LF; 2: just after LF CR.
    state: u8,
    pub(crate) limits: HeadLimits,
}

impl HeadReader {
    pub(crate) fn new(limits: HeadLimits) -> Self {
        HeadReader {
            buf: Vec::new(),
            state: 0,
            limits,
        }
    }

    /// Feeds a chunk; when the head ends inside it, returns how many of its
    /// bytes belong to the head.
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Result<Option<usize>> {
        let room = self.limits.max_head_bytes.saturating_sub(self.buf.len());
        let scan = &chunk[..chunk.len().min(room)];
        for (i, &byte) in scan.iter().enumerate() {
            self.state = match (self.state, byte) {
                (1 | 2, b'\n') => {
                    self.buf.extend_from_slice(&chunk[..=i]);
                    return Ok(Some(i + 1));
                }
                (_, b'\n') => 1,
                (1, b'\r') => 2,
                _ => 0,
            };
        }
        if chunk.len() > room {
            return Err(Error::at(
                ErrorKind::HeadTooLarge,
                self.limits.max_head_bytes as u64,
                format!("HTTP head longer than {} bytes", self.limits.max_head_bytes),
            ));
        }
        self.buf.extend_from_slice(chunk);
        Ok(None)
    }
}

/// Header values as Node presents them: each byte one character (latin1),
/// which keeps every byte and is the identity for ASCII.
fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| b as char).collect()
}

pub(crate) fn header_pairs(headers: &[httparse::Header<'_>]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|h| (h.name.to_string(), latin1(h.value).trim().to_string()))
        .collect()
}

fn refuse(kind: ErrorKind, message: String) -> Error {
    Error::at(kind, 0, message)
}

/// Maps httparse's verdict on a head whose end was found to our errors.
pub(crate) fn check_parsed(result: httparse::Result<usize>, limits: HeadLimits) -> Result<()> {
    match result {
        Ok(httparse::Status::Complete(_)) => Ok(()),
        Ok(httparse::Status::Partial) => Err(refuse(ErrorKind::InvalidHttp, "malformed HTTP head".into())),
        Err(httparse::Error::TooManyHeaders) => Err(refuse(
            ErrorKind::TooManyHeaders,
            format!("more than {} header fields", limits.max_headers),
        )),
        Err(other) => Err(refuse(
            ErrorKind::InvalidHttp,
            format!("malformed HTTP head: {other}"),
        )),
    }
}

/// RFC 7230 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// True if `s` is an RFC 7230 `token`.
pub fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_tchar)
}

/// The elements of a comma-separated header list (`#rule`), trimmed, empty
/// elements skipped as RFC 7230 §7 requires of recipients.
fn list_elements(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(',')
        .map(|s| s.trim_matches([' ', '\t']))
        .filter(|s| !s.is_empty())
}

/// All values of header `name` (case-insensitive), in order.
fn values<'a>(headers: &'a [(String, String)], name: &'a str) -> impl Iterator<Item = &'a str> {
    headers
        .iter()
        .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// True if any value of header `name` lists `token` (case-insensitive).
fn has_token(headers: &[(String, String)], name: &str, token: &str) -> bool {
    values(headers, name).any(|v| list_elements(v).any(|t| t.eq_ignore_ascii_case(token)))
}

/// The one value of header `name`; `Err(n)` if it appears `n != 1` times.
fn single<'a>(headers: &'a [(String, String)], name: &'a str) -> std::result::Result<&'a str, usize> {
    let mut all = values(headers, name);
    match (all.next(), all.next()) {
        (Some(v), None) => Ok(v),
        (None, _) => Err(0),
        (Some(_), Some(_)) => Err(2 + all.count()),
    }
}

/// The Upgrade/Connection pair both sides of a handshake must carry (§4.1, §4.2.1).
fn check_upgrade_tokens(headers: &[(String, String)]) -> Result<()> {
    if !has_token(headers, "upgrade", "websocket") {
        return Err(refuse(
            ErrorKind::InvalidUpgrade,
            "Upgrade header does not contain websocket".into(),
        ));
    }
    if !has_token(headers, "connection", "upgrade") {
        return Err(refuse(
            ErrorKind::InvalidConnection,
            "Connection header does not contain Upgrade".into(),
        ));
    }
    Ok(())
}

/// Every `Sec-WebSocket-Extensions` field, parsed, in order.
fn parse_extension_headers(headers: &[(String, String)]) -> Result<Vec<Extension>> {
    let mut extensions = Vec::new();
    for value in values(headers, "sec-websocket-extensions") {
        let parsed = parse_extensions(value).map_err(|msg| {
            refuse(
                ErrorKind::InvalidExtensions,
                format!("Sec-WebSocket-Extensions: {msg}"),
            )
        })?;
        extensions.extend(parsed);
    }
    Ok(extensions)
}

/// A `Sec-WebSocket-Extensions` entry: a name and its parameters (§9.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Extension {
    pub name: String,
    pub params: Vec<ExtensionParam>,
}

/// An extension parameter: a name, and a value if it had `=value`
/// (quoted values are unquoted).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExtensionParam {
    pub name: String,
    pub value: Option<String>,
}

impl Extension {
    pub fn new(name: impl Into<String>) -> Self {
        Extension {
            name: name.into(),
            params: Vec::new(),
        }
    }

    pub fn param(mut self, name: impl Into<String>, value: Option<String>) -> Self {
        self.params.push(ExtensionParam {
            name: name.into(),
            value,
        });
        self
    }
}

impl std::fmt::Display for Extension {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)?;
        for p in &self.params {
            write!(f, "; {}", p.name)?;
            if let Some(v) = &p.value {
                write!(f, "={v}")?;
            }
        }
        Ok(())
    }
}

/// Formats extensions as a `Sec-WebSocket-Extensions` value.
pub fn format_extensions(extensions: &[Extension]) -> String {
    extensions
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses a `Sec-WebSocket-Extensions` value per RFC 6455 §9.1:
/// `1#( token *( ";" token [ "=" ( token / quoted-string ) ] ) )`, where a
/// quoted value must itself be a token once unquoted.
pub fn parse_extensions(value: &str) -> std::result::Result<Vec<Extension>, String> {
    let bytes = value.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    let skip_ws = |i: &mut usize| {
        while *i < bytes.len() && (bytes[*i] == b' ' || bytes[*i] == b'\t') {
            *i += 1;
        }
    };
    let token = |i: &mut usize| -> Option<String> {
        let start = *i;
        while *i < bytes.len() && is_tchar(bytes[*i]) {
            *i += 1;
        }
        (*i > start).then(|| value[start..*i].to_string())
    };
    loop {
        // Empty list elements are allowed: ", , a".
        skip_ws(&mut i);
        while i < bytes.len() && bytes[i] == b',' {
            i += 1;
            skip_ws(&mut i);
        }
        if i == bytes.len() {
            break;
        }
        let name = token(&mut i).ok_or_else(|| format!("expected an extension name at {i}"))?;
        let mut ext = Extension::new(name);
        skip_ws(&mut i);
        while i < bytes.len() && bytes[i] == b';' {
            i += 1;
            skip_ws(&mut i);
            let pname = token(&mut i).ok_or_else(|| format!("expected a parameter name at {i}"))?;
            skip_ws(&mut i);
            let mut pvalue = None;
            if i < bytes.len() && bytes[i] == b'=' {
                i += 1;
                skip_ws(&mut i);
                let v = if i < bytes.len() && bytes[i] == b'"' {
                    i += 1;
                    let mut v = String::new();
                    loop {
                        match bytes.get(i) {
                            None => return Err("unterminated quoted string".into()),
                            Some(b'"') => {
                                i += 1;
                                break;
                            }
                            Some(b'\\') => {
                                let escaped = *bytes.get(i + 1).ok_or("dangling backslash")?;
                                v.push(escaped as char);
                                i += 2;
                            }
                            Some(&b) => {
                                v.push(b as char);
                                i += 1;
                            }
                        }
                    }
                    if !is_token(&v) {
                        return Err(format!("quoted value {v:?} is not a token"));
                    }
                    v
                } else {
                    token(&mut i).ok_or_else(|| format!("expected a parameter value at {i}"))?
                };
                pvalue = Some(v);
                skip_ws(&mut i);
            }
            ext.params.push(ExtensionParam {
                name: pname,
                value: pvalue,
            });
        }
        out.push(ext);
        if i < bytes.len() && bytes[i] != b',' {
            return Err(format!("unexpected {:?} at {i}", bytes[i] as char));
        }
    }
    Ok(out)
}

/// Parses `Sec-WebSocket-Protocol` values: a list of unique tokens.
fn parse_protocols<'a>(all: impl Iterator<Item = &'a str>) -> std::result::Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for value in all {
        for p in list_elements(value) {
            if !is_token(p) {
                return Err(format!("subprotocol {p:?} is not a token"));
            }
            if out.iter().any(|q| q == p) {
                return Err(format!("subprotocol {p:?} is offered twice"));
            }
            out.push(p.to_string());
        }
    }
    Ok(out)
}

/// A validated WebSocket upgrade request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HandshakeRequest {
    pub method: String,
    /// The request target, e.g. `/chat?room=1`.
    pub path: String,
    /// Minor HTTP version (1 for HTTP/1.1).
    pub http_minor: u8,
    /// Every header field in order, repeated fields kept, values trimmed.
    pub headers: Vec<(String, String)>,
    pub host: String,
    pub origin: Option<String>,
    /// `Sec-WebSocket-Key`, as sent.
    pub key: String,
    /// Offered subprotocols in the client's order of preference.
    pub protocols: Vec<String>,
    /// Offered extensions in order, across all `Sec-WebSocket-Extensions` fields.
    pub extensions: Vec<Extension>,
}

impl HandshakeRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of header `name` (case-insensitive), in order.
    pub fn header_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        values(&self.headers, name)
    }

    /// `Sec-WebSocket-Accept` for this request.
    pub fn accept_key(&self) -> String {
        accept_key(&self.key)
    }

    /// Validates an upgrade request whose head was parsed elsewhere (for
    /// example by Node's `http` module before an 'upgrade' event), per §4.2.1.
    pub fn from_parts(
        method: &str,
        path: &str,
        http_minor: u8,
        headers: Vec<(String, String)>,
    ) -> Result<Self> {
        Self::validate(method, path, http_minor, headers)
    }

    /// Validates the parsed head of an upgrade request (§4.2.1).
    fn validate(method: &str, path: &str, http_minor: u8, headers: Vec<(String, String)>) -> Result<Self> {
        let fail = |kind, msg: String| Err(Error::at(kind, 0, msg));
        if method != "GET" {
            return fail(ErrorKind::MethodNotAllowed, format!("method {method} is not GET"));
        }
        if http_minor < 1 {
            return fail(
                ErrorKind::InvalidHttpVersion,
                "HTTP/1.1 or later is required".into(),
            );
        }
        let host = match single(&headers, "host") {
            Ok(h) => h.to_string(),
            Err(0) => return fail(ErrorKind::MissingHost, "no Host header".into()),
            Err(n) => return fail(ErrorKind::InvalidHttp, format!("{n} Host headers")),
        };
        check_upgrade_tokens(&headers)?;
        match single(&headers, "sec-websocket-version") {
            Ok(WEBSOCKET_VERSION) => {}
            Ok(v) => {
                return fail(
                    ErrorKind::UnsupportedVersion,
                    format!("Sec-WebSocket-Version {v:?} is not 13"),
                )
            }
            Err(0) => {
                return fail(
                    ErrorKind::UnsupportedVersion,
                    "no Sec-WebSocket-Version header".into(),
                )
            }
            Err(n) => {
                return fail(
                    ErrorKind::UnsupportedVersion,
                    format!("{n} Sec-WebSocket-Version headers"),
                )
            }
        }
        let key = match single(&headers, "sec-websocket-key") {
            Ok(k) => k.to_string(),
            Err(0) => return fail(ErrorKind::InvalidKey, "no Sec-WebSocket-Key header".into()),
            Err(n) => return fail(ErrorKind::InvalidKey, format!("{n} Sec-WebSocket-Key headers")),
        };
        if !is_valid_key(&key) {
            return fail(
                ErrorKind::InvalidKey,
                "Sec-WebSocket-Key is not 16 bytes in base64".into(),
            );
        }
        let protocols = parse_protocols(values(&headers, "sec-websocket-protocol"))
            .map_err(|msg| refuse(ErrorKind::InvalidSubprotocol, msg))?;
        let extensions = parse_extension_headers(&headers)?;
        let origin = values(&headers, "origin").next().map(str::to_string);
        Ok(HandshakeRequest {
            method: method.to_string(),
            path: path.to_string(),
            http_minor,
            host,
            origin,
            key,
            protocols,
            extensions,
            headers,
        })
    }

    /// What the answer depends on: the key and what the client offered.
    pub fn offer(&self) -> UpgradeOffer<'_> {
        UpgradeOffer {
            key: &self.key,
            protocols: &self.protocols,
            extensions: &self.extensions,
        }
    }
}

/// What the answer to an upgrade request depends on: its key, and the
/// subprotocols and extensions the client offered. (What a caller that
/// kept the rest of the request elsewhere needs to hand back.)
#[derive(Clone, Copy, Debug)]
pub struct UpgradeOffer<'a> {
    pub key: &'a str,
    pub protocols: &'a [String],
    pub extensions: &'a [Extension],
}

impl UpgradeOffer<'_> {
    /// Builds the `101 Switching Protocols` answer. `protocol` must be one the
    /// client offered; every extension in `extensions` must be one it offered.
    pub fn accept(
        &self,
        protocol: Option<&str>,
        extensions: &[Extension],
        extra_headers: &[(&str, &str)],
    ) -> Result<Vec<u8>> {
        let lines = self.accept_lines(protocol, extensions, extra_headers)?;
        let mut head = lines.join("\r\n");
        head.push_str("\r\n\r\n");
        Ok(head.into_bytes())
    }

    /// The whole answer to this request, every decision made here: the
    /// subprotocol (`protocol`: the one the application chose, or `None`
    /// for the server's default, the first the client offered, as `ws`
    /// does), permessage-deflate negotiated with `deflate` (when the server
    /// offers it), and the 101's lines.
    pub fn answer(
        &self,
        protocol: ProtocolChoice<'_>,
        deflate: Option<&crate::deflate::DeflateOptions>,
        extra_headers: &[(&str, &str)],
    ) -> Result<UpgradeAnswer> {
        let protocol = match protocol {
            ProtocolChoice::FirstOffered => self.protocols.first().cloned(),
            ProtocolChoice::Chosen(p) => p.map(str::to_string),
        };
        let negotiated = deflate.and_then(|options| crate::deflate::negotiate(self.extensions, options));
        let (extensions, deflate) = match negotiated {
            Some((extension, params)) => (vec![extension], Some(params)),
            None => (Vec::new(), None),
        };
        let lines = self.accept_lines(protocol.as_deref(), &extensions, extra_headers)?;
        Ok(UpgradeAnswer {
            lines,
            protocol,
            extensions,
            deflate,
        })
    }

    /// The `101 Switching Protocols` answer as its lines (status line, then
    /// one `Name: value` per header, no line ends): what `ws` hands its
    /// `'headers'` listeners to inspect or change. Checks as [`accept`].
    ///
    /// [`accept`]: UpgradeOffer::accept
    pub fn accept_lines(
        &self,
        protocol: Option<&str>,
        extensions: &[Extension],
        extra_headers: &[(&str, &str)],
    ) -> Result<Vec<String>> {
        if let Some(p) = protocol {
            if !self.protocols.iter().any(|q| q == p) {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    format!("subprotocol {p:?} was not offered by the client"),
                ));
            }
        }
        for ext in extensions {
            if !self
                .extensions
                .iter()
                .any(|o| o.name.eq_ignore_ascii_case(&ext.name))
            {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    format!("extension {:?} was not offered by the client", ext.name),
                ));
            }
        }
        let mut lines = vec![
            "HTTP/1.1 101 Switching Protocols".to_string(),
            "Upgrade: websocket".to_string(),
            "Connection: Upgrade".to_string(),
        ];
        let mut line = |name: &str, value: &str| -> Result<()> {
            let mut head = String::new();
            push_header(&mut head, name, value)?;
            head.truncate(head.len() - 2);
            lines.push(head);
            Ok(())
        };
        line("Sec-WebSocket-Accept", &accept_key(self.key))?;
        if let Some(p) = protocol {
            line("Sec-WebSocket-Protocol", p)?;
        }
        if !extensions.is_empty() {
            line("Sec-WebSocket-Extensions", &format_extensions(extensions))?;
        }
        for (name, value) in extra_headers {
            line(name, value)?;
        }
        Ok(lines)
    }
}

/// Which subprotocol a server answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProtocolChoice<'a> {
    /// The first the client offered (none if it offered none).
    FirstOffered,
    /// The application's choice (`None`: answer without one).
    Chosen(Option<&'a str>),
}

/// A server's answer to an upgrade request (see [`UpgradeOffer::answer`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpgradeAnswer {
    /// The 101's status line and header lines, without line ends.
    pub lines: Vec<String>,
    pub protocol: Option<String>,
    /// The extensions accepted (permessage-deflate at most).
    pub extensions: Vec<Extension>,
    /// The permessage-deflate parameters agreed, if it was.
    pub deflate: Option<crate::deflate::DeflateParams>,
}

/// An HTTP request head, parsed but not judged: what a server needs to
/// build its request object before validating the upgrade.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestHead {
    pub method: String,
    pub path: String,
    pub http_minor: u8,
    /// Every header field in order, names as sent, values trimmed.
    pub headers: Vec<(String, String)>,
}

/// True if `key` is base64 of exactly 16 bytes. Non-zero trailing bits are
/// tolerated, as browsers and `ws` do.
fn is_valid_key(key: &str) -> bool {
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
    );
    key.len() == 24 && LENIENT.decode(key).is_ok_and(|k| k.len() == 16)
}

/// Appends `name: value\r\n`, refusing names that are not tokens and values
/// with control characters (which would let a caller inject headers).
fn push_header(head: &mut String, name: &str, value: &str) -> Result<()> {
    if !is_token(name) {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("header name {name:?} is not a token"),
        ));
    }
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("value of header {name} contains a control character"),
        ));
    }
    head.push_str(name);
    head.push_str(": ");
    head.push_str(value);
    head.push_str("\r\n");
    Ok(())
}

pub(crate) fn reason_phrase(status: u16) -> &'static str {
    match status {
        101 => "Switching Protocols",
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        411 => "Length Required",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

/// Builds an HTTP error answer with a short plain-text body and
/// `Connection: close`.
pub fn reject_response(status: u16, body: &str, extra_headers: &[(&str, &str)]) -> Result<Vec<u8>> {
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nConnection: close\r\n",
        reason_phrase(status)
    );
    push_header(&mut head, "Content-Type", "text/plain; charset=utf-8")?;
    push_header(&mut head, "Content-Length", &body.len().to_string())?;
    for (name, value) in extra_headers {
        push_header(&mut head, name, value)?;
    }
    head.push_str("\r\n");
    head.push_str(body);
    Ok(head.into_bytes())
}

/// The answer for a request refused with `error` (from [`ServerHandshake::feed`]):
/// its HTTP status (400 if it has none), its message as the body, and for 426
/// the `Sec-WebSocket-Version: 13` header §4.2.2 requires.
pub fn reject_for(error: &Error) -> Vec<u8> {
    let status = error.http_status().unwrap_or(400);
    let mut extra: Vec<(&str, &str)> = Vec::new();
    if status == 426 {
        extra.push(("Sec-WebSocket-Version", WEBSOCKET_VERSION));
        extra.push(("Upgrade", "websocket"));
    }
    if status == 405 {
        extra.push(("Allow", "GET"));
    }
    let body = format!("{}\n", error.message());
    // Messages are ours and contain no control characters other than the
    // newline in the body, which is not a header.
    reject_response(status, &body, &extra).unwrap_or_default()
}

/// Server side: reads an upgrade request from a byte stream.
#[derive(Debug)]
pub struct ServerHandshake {
    reader: HeadReader,
}

impl ServerHandshake {
    pub fn new(limits: HeadLimits) -> Self {
        ServerHandshake {
            reader: HeadReader::new(limits),
        }
    }

    /// Feeds bytes as they arrive. Returns `None` until the head is complete,
    /// then the validated request and how many bytes of `chunk` the head took:
    /// `chunk[n..]` are the first frame bytes. An error means the request is
    /// refused: answer with [`reject_for`] and close.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<Option<(HandshakeRequest, usize)>> {
        let Some((head, used)) = self.feed_head(chunk)? else {
            return Ok(None);
        };
        let request = HandshakeRequest::validate(&head.method, &head.path, head.http_minor, head.headers)?;
        Ok(Some((request, used)))
    }

    /// Like [`feed`](ServerHandshake::feed), but only reads the head (within
    /// the limits, as well-formed HTTP/1.x): validate it as an upgrade
    /// with [`HandshakeRequest::from_parts`].
    pub fn feed_head(&mut self, chunk: &[u8]) -> Result<Option<(RequestHead, usize)>> {
        let Some(used) = self.reader.push(chunk)? else {
            return Ok(None);
        };
        let limits = self.reader.limits;
        let mut storage = vec![httparse::EMPTY_HEADER; limits.max_headers];
        let mut req = httparse::Request::new(&mut storage);
        check_parsed(req.parse(&self.reader.buf), limits)?;
        let head = RequestHead {
            method: req.method.unwrap_or("").to_string(),
            path: req.path.unwrap_or("").to_string(),
            http_minor: req.version.unwrap_or(0),
            headers: header_pairs(req.headers),
        };
        Ok(Some((head, used)))
    }
}

impl Default for ServerHandshake {
    fn default() -> Self {
        Self::new(HeadLimits::default())
    }
}

/// What a client asks for.
#[derive(Clone, Debug, Default)]
pub struct ClientOptions<'a> {
    /// `Host` header value, e.g. `example.com:8080`.
    pub host: &'a str,
    /// Request target, e.g. `/chat?room=1`.
    pub path: &'a str,
    pub origin: Option<&'a str>,
    pub protocols: &'a [&'a str],
    pub extensions: &'a [Extension],
    pub headers: &'a [(&'a str, &'a str)],
    /// Fail when protocols were offered and the server chose none (`ws`'s
    /// rule; RFC 6455 lets a server choose none).
    pub require_protocol: bool,
}

/// The server's validated `101` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HandshakeResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The subprotocol the server chose, if any (always one that was offered).
    pub protocol: Option<String>,
    /// The extensions the server accepted (always ones that were offered).
    pub extensions: Vec<Extension>,
}

/// Client side: the request to send, and a reader that verifies the answer.
#[derive(Debug)]
pub struct ClientHandshake {
    key: String,
    protocols: Vec<String>,
    require_protocol: bool,
    extension_names: Vec<String>,
    reader: HeadReader,
}

impl ClientHandshake {
    /// Builds a request with a fresh random key. Returns the handshake state
    /// and the request bytes to send.
    pub fn new(options: &ClientOptions<'_>) -> Result<(Self, Vec<u8>)> {
        let mut nonce = [0u8; 16];
        getrandom::getrandom(&mut nonce)
            .map_err(|e| Error::new(ErrorKind::RandomUnavailable, format!("no random source: {e}")))?;
        Self::with_key(options, nonce)
    }

    /// Like [`ClientHandshake::new`] with a given nonce (for tests and replays).
    pub fn with_key(options: &ClientOptions<'_>, nonce: [u8; 16]) -> Result<(Self, Vec<u8>)> {
        let bad = |msg: String| Err(Error::new(ErrorKind::InvalidArgument, msg));
        if options.host.is_empty() || options.host.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return bad(format!("invalid host {:?}", options.host));
        }
        if !options.path.starts_with('/') || options.path.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return bad(format!(
                "invalid path {:?}: must start with / and contain no spaces",
                options.path
            ));
        }
        let protocols = parse_protocols(options.protocols.iter().copied())
            .map_err(|msg| Error::new(ErrorKind::InvalidArgument, msg))?;
        if protocols.len() != options.protocols.len() {
            return bad("empty subprotocol".into());
        }
        let key = STANDARD.encode(nonce);
        let mut head = format!("GET {} HTTP/1.1\r\n", options.path);
        push_header(&mut head, "Host", options.host)?;
        head.push_str("Upgrade: websocket\r\nConnection: Upgrade\r\n");
        push_header(&mut head, "Sec-WebSocket-Key", &key)?;
        push_header(&mut head, "Sec-WebSocket-Version", WEBSOCKET_VERSION)?;
        if let Some(origin) = options.origin {
            push_header(&mut head, "Origin", origin)?;
        }
        if !protocols.is_empty() {
            push_header(&mut head, "Sec-WebSocket-Protocol", &protocols.join(", "))?;
        }
        if !options.extensions.is_empty() {
            let value = format_extensions(options.extensions);
            if parse_extensions(&value).is_err() {
                return bad(format!("invalid extension offer {value:?}"));
            }
            push_header(&mut head, "Sec-WebSocket-Extensions", &value)?;
        }
        for (name, value) in options.headers {
            push_header(&mut head, name, value)?;
        }
        head.push_str("\r\n");
        let state = ClientHandshake {
            key,
            protocols,
            require_protocol: options.require_protocol,
            extension_names: options.extensions.iter().map(|e| e.name.clone()).collect(),
            reader: HeadReader::new(HeadLimits::default()),
        };
        Ok((state, head.into_bytes()))
    }

    /// The `Sec-WebSocket-Key` sent.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Feeds the server's bytes. `None` until its head is complete, then the
    /// verified answer and how many bytes of `chunk` the head took
    /// (`chunk[n..]` are the first frame bytes). An error fails the connection.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<Option<(HandshakeResponse, usize)>> {
        let Some(used) = self.reader.push(chunk)? else {
            return Ok(None);
        };
        let limits = self.reader.limits;
        let mut storage = vec![httparse::EMPTY_HEADER; limits.max_headers];
        let mut res = httparse::Response::new(&mut storage);
        check_parsed(res.parse(&self.reader.buf), limits)?;
        let status = res.code.unwrap_or(0);
        let headers = header_pairs(res.headers);
        let response = self.verify(status, res.reason.unwrap_or(""), headers)?;
        Ok(Some((response, used)))
    }

    /// Checks an answer whose head was parsed elsewhere (for example by
    /// Node's `http` before a client request's 'upgrade' event), as
    /// [`feed`](ClientHandshake::feed) checks the bytes.
    pub fn check_response(&self, status: u16, headers: Vec<(String, String)>) -> Result<HandshakeResponse> {
        self.verify(status, "", headers)
    }

    fn verify(&self, status: u16, reason: &str, headers: Vec<(String, String)>) -> Result<HandshakeResponse> {
        let offer = Offer {
            key: Some(&self.key),
            protocols: Some(&self.protocols),
            require_protocol: self.require_protocol,
            extension_names: Some(&self.extension_names),
        };
        let mut first = None;
        let (protocol, extensions) = check_response(&offer, status, reason, &headers, &mut |violation| {
            first = Some(violation);
            ControlFlow::Break(())
        });
        if let Some(violation) = first {
            return Err(violation.into_error(0));
        }
        Ok(HandshakeResponse {
            status,
            headers,
            protocol,
            extensions,
        })
    }
}

/// What a client offered, against which the server's answer is judged;
/// `None` where it is not known (an inspected answer whose request was not
/// captured), and then not judged.
pub struct Offer<'a> {
    pub key: Option<&'a str>,
    pub protocols: Option<&'a [String]>,
    /// The client refuses an answer without a subprotocol.
    pub require_protocol: bool,
    /// The extensions offered, by name.
    pub extension_names: Option<&'a [String]>,
}

/// RFC 6455 §4.1's checks of a server's answer to an opening handshake:
/// 101, `Upgrade: websocket`, `Connection: Upgrade`, the accept key, a
/// subprotocol and extensions the client offered (each once). Each broken
/// rule goes to `report`, which says whether to go on: wsframe's client
/// fails with the first, the inspector reports them all. Returns what the
/// answer chose: the subprotocol and the extensions.
pub fn check_response(
    offer: &Offer<'_>,
    status: u16,
    reason: &str,
    headers: &[(String, String)],
    report: &mut dyn FnMut(Violation) -> ControlFlow<()>,
) -> (Option<String>, Vec<Extension>) {
    let mut broke = false;
    let mut check = |violation: Violation| {
        broke = broke || report(violation).is_break();
        broke
    };
    let violation = |kind, message: String| Violation::new(kind, 0, None, message);
    if status != 101 {
        // Nothing else applies: no WebSocket follows.
        let answered = if reason.is_empty() {
            status.to_string()
        } else {
            format!("{status} {reason}")
        };
        check(violation(
            ErrorKind::UnexpectedStatus,
            format!("the server answered {answered}, not 101"),
        ));
        return (None, Vec::new());
    }
    if !has_token(headers, "upgrade", "websocket")
        && check(violation(
            ErrorKind::InvalidUpgrade,
            "the answer's Upgrade header does not contain websocket".into(),
        ))
    {
        return (None, Vec::new());
    }
    if !has_token(headers, "connection", "upgrade")
        && check(violation(
            ErrorKind::InvalidConnection,
            "the answer's Connection header does not contain Upgrade".into(),
        ))
    {
        return (None, Vec::new());
    }
    if let Some(key) = offer.key {
        let wrong = match single(headers, "sec-websocket-accept") {
            Ok(v) if v == accept_key(key) => None,
            Ok(v) => Some(format!(
                "Sec-WebSocket-Accept {v:?} does not match the key (expected {:?})",
                accept_key(key)
            )),
            Err(n) => Some(format!("{n} Sec-WebSocket-Accept headers")),
        };
        if let Some(message) = wrong {
            if check(violation(ErrorKind::InvalidAccept, message)) {
                return (None, Vec::new());
            }
        }
    }
    let protocol = match single(headers, "sec-websocket-protocol") {
        Err(0) => {
            if offer.require_protocol
                && offer.protocols.is_some_and(|p| !p.is_empty())
                && check(violation(
                    ErrorKind::InvalidSubprotocol,
                    "the server chose no subprotocol, and one was required".into(),
                ))
            {
                return (None, Vec::new());
            }
            None
        }
        Ok(p) => {
            if offer
                .protocols
                .is_some_and(|offered| !offered.iter().any(|q| q == p))
                && check(violation(
                    ErrorKind::InvalidSubprotocol,
                    format!("the server chose subprotocol {p:?}, which the client did not offer"),
                ))
            {
                return (None, Vec::new());
            }
            Some(p.to_string())
        }
        Err(n) => {
            if check(violation(
                ErrorKind::InvalidSubprotocol,
                format!("{n} Sec-WebSocket-Protocol headers"),
            )) {
                return (None, Vec::new());
            }
            None
        }
    };
    let mut extensions: Vec<Extension> = Vec::new();
    for value in values(headers, "sec-websocket-extensions") {
        match parse_extensions(value) {
            Ok(parsed) => extensions.extend(parsed),
            Err(why) => {
                if check(violation(
                    ErrorKind::InvalidExtensions,
                    format!("Sec-WebSocket-Extensions: {why}"),
                )) {
                    return (protocol, extensions);
                }
            }
        }
    }
    for (i, ext) in extensions.iter().enumerate() {
        let offered = offer.extension_names.map_or(true, |names| {
            names.iter().any(|n| n.eq_ignore_ascii_case(&ext.name))
        });
        let message = if !offered {
            format!(
                "the server accepted extension {:?}, which the client did not offer",
                ext.name
            )
        } else if extensions[..i]
            .iter()
            .any(|e| e.name.eq_ignore_ascii_case(&ext.name))
        {
            format!("the server accepted extension {:?} twice", ext.name)
        } else {
            continue;
        };
        if check(violation(ErrorKind::InvalidExtensions, message)) {
            break;
        }
    }
    (protocol, extensions)
}

#[cfg(test)]
mod tests {
    use super::*;
    // Under wasm32 the same tests run in Node through wasm-bindgen-test.
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const RFC_REQUEST: &str = "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://example.com\r\nSec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Version: 13\r\n\r\n";

    fn feed_all(input: &[u8]) -> Result<Option<(HandshakeRequest, usize)>> {
        ServerHandshake::default().feed(input)
    }

    fn request_with(replace: &str, with: &str) -> String {
        assert!(RFC_REQUEST.contains(replace), "{replace}");
        RFC_REQUEST.replacen(replace, with, 1)
    }

    fn error_of(input: &str) -> Error {
        feed_all(input.as_bytes()).expect_err(input)
    }

    #[test]
    fn rfc_accept_key() {
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn parses_rfc_request_and_keeps_trailing_bytes() {
        let mut wire = RFC_REQUEST.as_bytes().to_vec();
        wire.extend_from_slice(&[0x81, 0x80]);
        let (req, used) = feed_all(&wire).unwrap().unwrap();
        assert_eq!(used, RFC_REQUEST.len());
        assert_eq!(&wire[used..], &[0x81, 0x80]);
        assert_eq!(req.path, "/chat");
        assert_eq!(req.host, "server.example.com");
        assert_eq!(req.origin.as_deref(), Some("http://example.com"));
        assert_eq!(req.protocols, ["chat", "superchat"]);
        assert_eq!(req.accept_key(), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    #[test]
    fn any_chunking_gives_the_same_result() {
        let wire = RFC_REQUEST.as_bytes();
        for size in [1, 2, 3, 7, 64] {
            let mut hs = ServerHandshake::default();
            let mut result = None;
            let mut consumed_before = 0;
            for chunk in wire.chunks(size) {
                if let Some((req, used)) = hs.feed(chunk).unwrap() {
                    result = Some((req, consumed_before + used));
                    break;
                }
                consumed_before += chunk.len();
            }
            let (req, total) = result.unwrap();
            assert_eq!(total, wire.len());
            assert_eq!(req.key, "dGhlIHNhbXBsZSBub25jZQ==");
        }
    }

    #[test]
    fn validation_per_rfc_4_2_1() {
        let cases: &[(&str, &str, ErrorKind, u16)] = &[
            ("GET /chat", "POST /chat", ErrorKind::MethodNotAllowed, 405),
            (
                "HTTP/1.1\r\nHost",
                "HTTP/1.0\r\nHost",
                ErrorKind::InvalidHttpVersion,
                400,
            ),
            ("Host: server.example.com\r\n", "", ErrorKind::MissingHost, 400),
            (
                "Upgrade: websocket",
                "Upgrade: h2c",
                ErrorKind::InvalidUpgrade,
                400,
            ),
            (
                "Connection: Upgrade",
                "Connection: keep-alive",
                ErrorKind::InvalidConnection,
                400,
            ),
            (
                "Sec-WebSocket-Version: 13",
                "Sec-WebSocket-Version: 8",
                ErrorKind::UnsupportedVersion,
                426,
            ),
            (
                "Sec-WebSocket-Version: 13\r\n",
                "",
                ErrorKind::UnsupportedVersion,
                426,
            ),
            (
                "dGhlIHNhbXBsZSBub25jZQ==",
                "dGhlIHNhbXBsZSBub25jZQ",
                ErrorKind::InvalidKey,
                400,
            ),
            (
                "dGhlIHNhbXBsZSBub25jZQ==",
                "dGhlIHNhbXBsZSBub25jZXg=",
                ErrorKind::InvalidKey,
                400,
            ),
            (
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
                "",
                ErrorKind::InvalidKey,
                400,
            ),
            (
                "chat, superchat",
                "chat, chat",
                ErrorKind::InvalidSubprotocol,
                400,
            ),
            (
                "chat, superchat",
                "chat, sup(er)",
                ErrorKind::InvalidSubprotocol,
                400,
            ),
        ];
        for (from, to, kind, status) in cases {
            let e = error_of(&request_with(from, to));
            assert_eq!(e.kind(), *kind, "{from} -> {to}");
            assert_eq!(e.http_status(), Some(*status));
        }
    }

    #[test]
    fn token_lists_are_case_insensitive_lists() {
        let req = request_with("Connection: Upgrade", "Connection: keep-alive, UPGRADE");
        let req = req.replace("Upgrade: websocket", "Upgrade: WebSocket");
        assert!(feed_all(req.as_bytes()).unwrap().is_some());
    }

    #[test]
    fn repeated_headers_are_kept() {
        let req = request_with("Origin:", "X-Thing: a\r\nX-Thing: b\r\nOrigin:");
        let (req, _) = feed_all(req.as_bytes()).unwrap().unwrap();
        assert_eq!(req.header_all("x-thing").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(req.header("X-THING"), Some("a"));
    }

    #[test]
    fn head_and_header_caps() {
        let mut huge = RFC_REQUEST.replace("\r\n\r\n", "\r\n");
        huge.push_str(&format!("X-Pad: {}\r\n\r\n", "a".repeat(17_000)));
        let e = error_of(&huge);
        assert_eq!((e.kind(), e.http_status()), (ErrorKind::HeadTooLarge, Some(431)));
        let mut many = RFC_REQUEST.replace("\r\n\r\n", "\r\n");
        for i in 0..100 {
            many.push_str(&format!("X-{i}: v\r\n"));
        }
        many.push_str("\r\n");
        let e = error_of(&many);
        assert_eq!(
            (e.kind(), e.http_status()),
            (ErrorKind::TooManyHeaders, Some(431))
        );
        // The cap holds when the head trickles in without an end.
        let mut hs = ServerHandshake::default();
        let mut failed = false;
        for _ in 0..20_000 {
            if hs.feed(b"a").is_err() {
                failed = true;
                break;
            }
        }
        assert!(failed);
    }

    #[test]
    fn extension_grammar() {
        let exts = parse_extensions(
            "permessage-deflate; client_max_window_bits, permessage-deflate; server_max_window_bits=\"10\" ;server_no_context_takeover, ,x-foo",
        )
        .unwrap();
        assert_eq!(exts.len(), 3);
        assert_eq!(exts[0].params[0].name, "client_max_window_bits");
        assert_eq!(exts[0].params[0].value, None);
        assert_eq!(exts[1].params[0].value.as_deref(), Some("10"));
        assert_eq!(exts[1].params[1].name, "server_no_context_takeover");
        assert_eq!(exts[2].name, "x-foo");
        for bad in [
            "a;",
            "a; =1",
            "a; b=\"x y\"",
            "a; b=\"1",
            "a b",
            ";",
            "a; b=",
            "a,; b",
        ] {
            assert!(parse_extensions(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_extensions("").unwrap(), vec![]);
        let e = error_of(&request_with(
            "Origin:",
            "Sec-WebSocket-Extensions: a; b=\"x y\"\r\nOrigin:",
        ));
        assert_eq!(e.kind(), ErrorKind::InvalidExtensions);
    }

    #[test]
    fn builds_101_and_refuses_unoffered_choices() {
        let (req, _) = feed_all(RFC_REQUEST.as_bytes()).unwrap().unwrap();
        let res = String::from_utf8(
            req.offer()
                .accept(Some("chat"), &[], &[("X-Served-By", "t")])
                .unwrap(),
        )
        .unwrap();
        assert!(res.starts_with("HTTP/1.1 101 Switching Protocols\r\n"));
        assert!(res.contains("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
        assert!(res.contains("\r\nSec-WebSocket-Protocol: chat\r\n"));
        assert!(res.ends_with("X-Served-By: t\r\n\r\n"));
        assert!(req.offer().accept(Some("other"), &[], &[]).is_err());
        assert!(req
            .offer()
            .accept(None, &[Extension::new("permessage-deflate")], &[])
            .is_err());
        assert!(req
            .offer()
            .accept(None, &[], &[("X-Evil", "a\r\nSet-Cookie: x")])
            .is_err());
    }

    #[test]
    fn rejections() {
        let e = error_of(&request_with("13", "8"));
        let res = String::from_utf8(reject_for(&e)).unwrap();
        assert!(res.starts_with("HTTP/1.1 426 Upgrade Required\r\n"));
        assert!(res.contains("\r\nSec-WebSocket-Version: 13\r\n"));
        assert!(res.contains("\r\nConnection: close\r\n"));
        let res = String::from_utf8(reject_response(403, "no", &[]).unwrap()).unwrap();
        assert!(res.starts_with("HTTP/1.1 403 Forbidden\r\n") && res.ends_with("\r\n\r\nno"));
    }

    fn client_options() -> ClientOptions<'static> {
        ClientOptions {
            host: "server.example.com",
            path: "/chat",
            origin: Some("http://example.com"),
            protocols: &["chat", "superchat"],
            ..ClientOptions::default()
        }
    }

    fn rfc_nonce() -> [u8; 16] {
        *b"the sample nonce"
    }

    #[test]
    fn client_request_is_accepted_by_our_server() {
        let (client, request) = ClientHandshake::with_key(&client_options(), rfc_nonce()).unwrap();
        assert_eq!(client.key(), "dGhlIHNhbXBsZSBub25jZQ==");
        let (req, _) = feed_all(&request).unwrap().unwrap();
        assert_eq!(req.protocols, ["chat", "superchat"]);
        let (_, fresh) = ClientHandshake::new(&client_options()).unwrap();
        assert_ne!(fresh, request, "keys must be random");
    }

    #[test]
    fn client_verifies_response() {
        let (mut client, _) = ClientHandshake::with_key(&client_options(), rfc_nonce()).unwrap();
        let good = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n\x01\x00";
        let mut result = None;
        for (i, b) in good.as_bytes().iter().enumerate() {
            if let Some((res, used)) = client.feed(std::slice::from_ref(b)).unwrap() {
                result = Some((res, i + used));
                break;
            }
        }
        let (res, end) = result.unwrap();
        assert_eq!(res.protocol.as_deref(), Some("chat"));
        assert_eq!(&good.as_bytes()[end..], b"\x01\x00");

        let bad_cases = [
            ("101 Switching Protocols", "200 OK", ErrorKind::UnexpectedStatus),
            (
                "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
                "s3pPLMBiTxaQ9kYGzzhZRbK+xOp=",
                ErrorKind::InvalidAccept,
            ),
            ("Protocol: chat", "Protocol: other", ErrorKind::InvalidSubprotocol),
            ("Upgrade: websocket", "Upgrade: nope", ErrorKind::InvalidUpgrade),
            (
                "Connection: Upgrade",
                "Connection: close",
                ErrorKind::InvalidConnection,
            ),
            (
                "Protocol: chat\r\n",
                "Protocol: chat\r\nSec-WebSocket-Extensions: x-unoffered\r\n",
                ErrorKind::InvalidExtensions,
            ),
        ];
        for (from, to, kind) in bad_cases {
            let (mut client, _) = ClientHandshake::with_key(&client_options(), rfc_nonce()).unwrap();
            let e = client.feed(good.replacen(from, to, 1).as_bytes()).unwrap_err();
            assert_eq!(e.kind(), kind, "{to}");
        }
    }

    #[test]
    fn client_refuses_bad_options() {
        let mut opts = client_options();
        opts.path = "chat";
        assert!(ClientHandshake::new(&opts).is_err());
        let mut opts = client_options();
        opts.host = "a\r\nb";
        assert!(ClientHandshake::new(&opts).is_err());
        let mut opts = client_options();
        opts.protocols = &["a b"];
        assert!(ClientHandshake::new(&opts).is_err());
    }

    #[test]
    fn the_answer_picks_the_first_protocol_by_default_and_negotiates_deflate() {
        use crate::deflate::DeflateOptions;
        let with_deflate = request_with(
            "Sec-WebSocket-Version: 13\r\n",
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n",
        );
        let (request, _) = feed_all(with_deflate.as_bytes()).unwrap().unwrap();
        let answer = request
            .offer()
            .answer(
                ProtocolChoice::FirstOffered,
                Some(&DeflateOptions::default()),
                &[],
            )
            .unwrap();
        assert_eq!(
            answer.protocol.as_deref(),
            Some("chat"),
            "ws's default: the first offered"
        );
        assert_eq!(
            answer.lines,
            [
                "HTTP/1.1 101 Switching Protocols",
                "Upgrade: websocket",
                "Connection: Upgrade",
                "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
                "Sec-WebSocket-Protocol: chat",
                "Sec-WebSocket-Extensions: permessage-deflate",
            ]
        );
        assert_eq!(answer.deflate.map(|d| d.client_max_window_bits), Some(15));
        // The same lines, joined, are what `accept` writes.
        let joined = format!("{}\r\n\r\n", answer.lines.join("\r\n"));
        let accepted = request
            .offer()
            .accept(Some("chat"), &answer.extensions, &[])
            .unwrap();
        assert_eq!(accepted, joined.as_bytes());
        // The application's choice, none, and no deflate when the server has it off.
        let chosen = request
            .offer()
            .answer(ProtocolChoice::Chosen(Some("superchat")), None, &[])
            .unwrap();
        assert_eq!(
            (chosen.protocol.as_deref(), chosen.deflate),
            (Some("superchat"), None)
        );
        let none = request
            .offer()
            .answer(ProtocolChoice::Chosen(None), None, &[("X-A", "b")])
            .unwrap();
        assert_eq!(none.protocol, None);
        assert_eq!(none.lines.last().map(String::as_str), Some("X-A: b"));
        assert!(request
            .offer()
            .answer(ProtocolChoice::Chosen(Some("other")), None, &[])
            .is_err());
    }

    #[test]
    fn the_head_alone_is_read_without_judging_it() {
        let post = "POST /x HTTP/1.0\r\nHost: h\r\nX-Y: z\r\n\r\nrest";
        let (head, used) = ServerHandshake::default()
            .feed_head(post.as_bytes())
            .unwrap()
            .unwrap();
        assert_eq!(
            (head.method.as_str(), head.path.as_str(), head.http_minor),
            ("POST", "/x", 0)
        );
        assert_eq!(head.headers[1], ("X-Y".to_string(), "z".to_string()));
        assert_eq!(&post[used..], "rest");
        // Its validation, later, is the upgrade's.
        let e = HandshakeRequest::from_parts(&head.method, &head.path, head.http_minor, head.headers)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::MethodNotAllowed);
        // Malformed heads and caps fail as before.
        assert_eq!(
            ServerHandshake::default()
                .feed_head(b"\x01\x02\r\n\r\n")
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidHttp
        );
    }

    #[test]
    fn a_response_parsed_elsewhere_is_checked_the_same_way() {
        let (client, _) = ClientHandshake::with_key(&client_options(), rfc_nonce()).unwrap();
        let accept = ("Sec-WebSocket-Accept".to_string(), accept_key(client.key()));
        let base = vec![
            ("Upgrade".to_string(), "websocket".to_string()),
            ("Connection".to_string(), "Upgrade".to_string()),
            accept,
        ];
        let mut chosen = base.clone();
        chosen.push(("Sec-WebSocket-Protocol".into(), "superchat".into()));
        let answer = client.check_response(101, chosen).unwrap();
        assert_eq!(answer.protocol.as_deref(), Some("superchat"));
        // RFC 6455 lets the server choose none ...
        assert_eq!(client.check_response(101, base.clone()).unwrap().protocol, None);
        // ... ws does not, and asks for it with `require_protocol`.
        let strict = ClientOptions {
            require_protocol: true,
            ..client_options()
        };
        let (strict, _) = ClientHandshake::with_key(&strict, rfc_nonce()).unwrap();
        let e = strict.check_response(101, base.clone()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidSubprotocol);
        let mut wrong = base;
        wrong[2].1 = "x".into();
        assert_eq!(
            client.check_response(101, wrong).unwrap_err().kind(),
            ErrorKind::InvalidAccept
        );
    }
}
