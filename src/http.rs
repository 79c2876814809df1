//! A sans-I/O HTTP/1.1 request reader for servers: one request at a time
//! from a byte stream (keep-alive and pipelining), bodies framed by
//! `Content-Length` or `chunked`, every size capped. Enough HTTP for
//! Engine.IO long-polling without Node's `http` module; WebSocket upgrade
//! requests come out with no body, the bytes after their head left unread.

use crate::error::{Error, ErrorKind, Result};
use crate::handshake::{check_parsed, header_pairs, reason_phrase, HeadLimits, HeadReader};

/// Caps on one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestLimits {
    pub head: HeadLimits,
    /// Largest body, after chunked decoding.
    pub max_body_bytes: usize,
}

impl Default for RequestLimits {
    fn default() -> Self {
        RequestLimits {
            head: HeadLimits::default(),
            max_body_bytes: 1_000_000,
        }
    }
}

/// A complete request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The request target as sent, e.g. `/socket.io/?EIO=4&transport=polling`.
    pub target: String,
    /// Minor HTTP version (1 for HTTP/1.1).
    pub http_minor: u8,
    /// Header fields in order, values trimmed.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }

    /// The target's path, before any `?`.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// The query parameters, decoded as `URLSearchParams` does.
    pub fn query(&self) -> Vec<(String, String)> {
        match self.target.split_once('?') {
            Some((_, query)) => parse_query(query),
            None => Vec::new(),
        }
    }

    /// The first value of query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query().into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// True for a WebSocket upgrade request (`Upgrade: websocket`).
    pub fn is_websocket_upgrade(&self) -> bool {
        self.has_token("upgrade", "websocket")
    }

    /// True if the connection stays open after the response.
    pub fn keep_alive(&self) -> bool {
        if self.has_token("connection", "close") {
            return false;
        }
        self.http_minor >= 1 || self.has_token("connection", "keep-alive")
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `+` and `%XX` as `application/x-www-form-urlencoded`; a `%` not
/// followed by two hex digits stays as it is, bytes that are not UTF-8
/// become U+FFFD (as `URLSearchParams`).
fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match (
                bytes.get(i + 1).and_then(|&b| hex_value(b)),
                bytes.get(i + 2).and_then(|&b| hex_value(b)),
            ) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Splits and decodes a query string.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (form_decode(k), form_decode(v))
        })
        .collect()
}

#[derive(Debug)]
enum Stage {
    Head(HeadReader),
    Body { request: Request, remaining: usize },
    Chunked { request: Request, chunk: ChunkState },
}

#[derive(Debug)]
enum ChunkState {
    /// Reading a size line (digits, extensions, CRLF).
    Size { line: Vec<u8> },
    /// Reading chunk data.
    Data { remaining: usize },
    /// Reading the CRLF after chunk data.
    DataEnd { seen: usize },
    /// Reading trailer lines until an empty one.
    Trailer { line: Vec<u8> },
}

/// Longest chunk-size or trailer line accepted.
const MAX_CHUNK_LINE: usize = 4096;

/// Reads requests one after another from a connection's bytes.
#[derive(Debug)]
pub struct RequestReader {
    limits: RequestLimits,
    stage: Stage,
    /// Bytes of the stream consumed by earlier requests (for error offsets).
    offset: u64,
}

impl RequestReader {
    pub fn new(limits: RequestLimits) -> Self {
        RequestReader {
            limits,
            stage: Stage::Head(HeadReader::new(limits.head)),
            offset: 0,
        }
    }

    fn fail(&self, kind: ErrorKind, at: usize, message: impl Into<String>) -> Error {
        Error::at(kind, self.offset + at as u64, message)
    }

    /// Feeds bytes. Returns `None` when they do not complete a request (all
    /// were taken), or the request and how many bytes of `chunk` it took;
    /// feed the rest again for the next request. An upgrade request ends
    /// with its head: what follows belongs to the new protocol.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<Option<(Request, usize)>> {
        let mut used = 0;
        loop {
            let rest = &chunk[used..];
            match &mut self.stage {
                Stage::Head(reader) => {
                    let Some(n) = reader.push(rest).map_err(|e| e.shifted(self.offset))? else {
                        return Ok(None);
                    };
                    used += n;
                    let request = self.parse_head()?;
                    let framing = self.body_framing(&request)?;
                    match framing {
                        None => return Ok(Some(self.finish(request, used))),
                        Some(BodyFraming::Length(0)) => return Ok(Some(self.finish(request, used))),
                        Some(BodyFraming::Length(len)) => {
                            self.stage = Stage::Body {
                                request,
                                remaining: len,
                            }
                        }
                        Some(BodyFraming::Chunked) => {
                            self.stage = Stage::Chunked {
                                request,
                                chunk: ChunkState::Size { line: Vec::new() },
                            }
                        }
                    }
                }
                Stage::Body { request, remaining } => {
                    let take = (*remaining).min(rest.len());
                    request.body.extend_from_slice(&rest[..take]);
                    *remaining -= take;
                    used += take;
                    if *remaining > 0 {
                        return Ok(None);
                    }
                    let request = std::mem::take(request);
                    return Ok(Some(self.finish(request, used)));
                }
                Stage::Chunked { .. } => match self.feed_chunked(rest)? {
                    (n, true) => {
                        used += n;
                        let Stage::Chunked { request, .. } = &mut self.stage else {
                            unreachable!("stage checked above")
                        };
                        let request = std::mem::take(request);
                        return Ok(Some(self.finish(request, used)));
                    }
                    (_, false) => return Ok(None),
                },
            }
        }
    }

    /// Takes `rest` into the chunked body; returns bytes used and whether the
    /// body ended.
    fn feed_chunked(&mut self, rest: &[u8]) -> Result<(usize, bool)> {
        let max_body = self.limits.max_body_bytes;
        let base = self.offset;
        let Stage::Chunked { request, chunk } = &mut self.stage else {
            return Ok((0, false));
        };
        let mut i = 0;
        while i < rest.len() {
            let in_trailer = matches!(chunk, ChunkState::Trailer { .. });
            match chunk {
                ChunkState::Size { line } | ChunkState::Trailer { line } => {
                    let b = rest[i];
                    i += 1;
                    if b != b'\n' {
                        if line.len() >= MAX_CHUNK_LINE {
                            return Err(Error::at(
                                ErrorKind::InvalidHttp,
                                base,
                                "chunk size or trailer line too long",
                            ));
                        }
                        line.push(b);
                        continue;
                    }
                    let text = line.strip_suffix(b"\r").unwrap_or(line);
                    if in_trailer {
                        if text.is_empty() {
                            return Ok((i, true));
                        }
                        *chunk = ChunkState::Trailer { line: Vec::new() };
                        continue;
                    }
                    let digits = text.split(|&c| c == b';').next().unwrap_or_default();
                    let digits = std::str::from_utf8(digits).unwrap_or("").trim();
                    let size = usize::from_str_radix(digits, 16)
                        .map_err(|_| Error::at(ErrorKind::InvalidHttp, base, "invalid chunk size line"))?;
                    if size == 0 {
                        *chunk = ChunkState::Trailer { line: Vec::new() };
                    } else if request.body.len().saturating_add(size) > max_body {
                        return Err(Error::at(
                            ErrorKind::BodyTooLarge,
                            base,
                            format!("request body over {max_body} bytes"),
                        ));
                    } else {
                        *chunk = ChunkState::Data { remaining: size };
                    }
                }
                ChunkState::Data { remaining } => {
                    let take = (*remaining).min(rest.len() - i);
                    request.body.extend_from_slice(&rest[i..i + take]);
                    *remaining -= take;
                    i += take;
                    if *remaining == 0 {
                        *chunk = ChunkState::DataEnd { seen: 0 };
                    }
                }
                ChunkState::DataEnd { seen } => {
                    let expected = b"\r\n"[*seen];
                    if rest[i] != expected {
                        return Err(Error::at(
                            ErrorKind::InvalidHttp,
                            base,
                            "chunk data not followed by CRLF",
                        ));
                    }
                    i += 1;
                    *seen += 1;
                    if *seen == 2 {
                        *chunk = ChunkState::Size { line: Vec::new() };
                    }
                }
            }
        }
        Ok((i, false))
    }

    fn finish(&mut self, request: Request, used_in_chunk: usize) -> (Request, usize) {
        // Offsets count from the start of the connection's stream; exactness
        // across requests is not needed, monotonicity is.
        self.offset += used_in_chunk as u64;
        self.stage = Stage::Head(HeadReader::new(self.limits.head));
        (request, used_in_chunk)
    }

    fn parse_head(&self) -> Result<Request> {
        let Stage::Head(reader) = &self.stage else {
            unreachable!("called while reading a head")
        };
        let mut storage = vec![httparse::EMPTY_HEADER; self.limits.head.max_headers];
        let mut req = httparse::Request::new(&mut storage);
        check_parsed(req.parse(&reader.buf), self.limits.head).map_err(|e| e.shifted(self.offset))?;
        Ok(Request {
            method: req.method.unwrap_or("").to_string(),
            target: req.path.unwrap_or("").to_string(),
            http_minor: req.version.unwrap_or(0),
            headers: header_pairs(req.headers),
            body: Vec::new(),
        })
    }

    fn body_framing(&self, request: &Request) -> Result<Option<BodyFraming>> {
        let encodings: Vec<&str> = request
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("transfer-encoding"))
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect();
        let lengths: Vec<&str> = request
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .map(|(_, v)| v.as_str())
            .collect();
        if !encodings.is_empty() {
            // Both framings at once is how requests are smuggled (RFC 9112 §6.3).
            if !lengths.is_empty() || encodings.len() != 1 || !encodings[0].eq_ignore_ascii_case("chunked") {
                return Err(self.fail(
                    ErrorKind::UnsupportedBodyFraming,
                    0,
                    "only a single Transfer-Encoding: chunked, without Content-Length, is read",
                ));
            }
            return Ok(Some(BodyFraming::Chunked));
        }
        let Some(first) = lengths.first() else {
            return Ok(None);
        };
        if lengths.iter().any(|l| l != first) {
            return Err(self.fail(ErrorKind::InvalidHttp, 0, "conflicting Content-Length headers"));
        }
        if first.is_empty() || !first.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.fail(ErrorKind::InvalidHttp, 0, "Content-Length is not a number"));
        }
        let len = first.parse::<usize>().unwrap_or(usize::MAX);
        if len > self.limits.max_body_bytes {
            return Err(self.fail(
                ErrorKind::BodyTooLarge,
                0,
                format!(
                    "request body of {len} bytes is over the limit of {}",
                    self.limits.max_body_bytes
                ),
            ));
        }
        Ok(Some(BodyFraming::Length(len)))
    }
}

enum BodyFraming {
    Length(usize),
    Chunked,
}

impl Default for Request {
    fn default() -> Self {
        Request {
            method: String::new(),
            target: String::new(),
            http_minor: 1,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }
}

/// An HTTP/1.1 response with `Content-Length`. Header values are ours.
pub fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason_phrase(status));
    for (name, value) in headers {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    head.push_str("Content-Length: ");
    head.push_str(&body.len().to_string());
    head.push_str("\r\n\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn read_all(input: &[u8], chunk: usize, limits: RequestLimits) -> Result<Vec<Request>> {
        let mut reader = RequestReader::new(limits);
        let mut out = Vec::new();
        for piece in input.chunks(chunk) {
            let mut piece = piece;
            while let Some((request, used)) = reader.feed(piece)? {
                out.push(request);
                piece = &piece[used..];
            }
        }
        Ok(out)
    }

    const TWO: &[u8] = b"POST /engine.io/?EIO=4&transport=polling&sid=a%2Bb HTTP/1.1\r\nHost: x\r\n\
Content-Length: 6\r\nContent-Type: text/plain;charset=UTF-8\r\n\r\n4helloGET /x?t=1&a=+%41%zz HTTP/1.1\r\n\
Host: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n3;ext\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX-T: 1\r\n\r\n";

    #[test]
    fn reads_pipelined_requests_in_any_chunking() {
        for chunk in [1, 2, 3, 7, 64, TWO.len()] {
            let requests = read_all(TWO, chunk, RequestLimits::default()).unwrap();
            assert_eq!(requests.len(), 2, "chunk {chunk}");
            let post = &requests[0];
            assert_eq!(post.method, "POST");
            assert_eq!(post.path(), "/engine.io/");
            assert_eq!(post.query_param("sid").as_deref(), Some("a+b"));
            assert_eq!(post.query_param("EIO").as_deref(), Some("4"));
            assert_eq!(post.body, b"4hello");
            assert!(post.keep_alive());
            let get = &requests[1];
            assert_eq!(get.query_param("a").as_deref(), Some(" A%zz"));
            assert_eq!(get.body, b"abc0123456789abcdef");
            assert!(!get.keep_alive());
        }
    }

    #[test]
    fn upgrade_requests_stop_at_their_head() {
        let input =
            b"GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\n\r\n\x81\x85";
        let mut reader = RequestReader::new(RequestLimits::default());
        let (request, used) = reader.feed(input).unwrap().unwrap();
        assert!(request.is_websocket_upgrade());
        assert_eq!(&input[used..], b"\x81\x85");
    }

    #[test]
    fn bodies_are_capped_and_framing_checked() {
        let limits = RequestLimits {
            max_body_bytes: 4,
            ..RequestLimits::default()
        };
        let big = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n12345";
        assert_eq!(
            read_all(big, 100, limits).unwrap_err().kind(),
            ErrorKind::BodyTooLarge
        );
        let chunked = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n";
        assert_eq!(
            read_all(chunked, 1, limits).unwrap_err().kind(),
            ErrorKind::BodyTooLarge
        );
        let both = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n";
        assert_eq!(
            read_all(both, 100, limits).unwrap_err().kind(),
            ErrorKind::UnsupportedBodyFraming
        );
        let gzip = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n";
        assert!(read_all(gzip, 100, limits).is_err());
        let bad_len = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n";
        assert_eq!(
            read_all(bad_len, 100, limits).unwrap_err().kind(),
            ErrorKind::InvalidHttp
        );
        let bad_chunk = b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
        assert_eq!(
            read_all(bad_chunk, 100, limits).unwrap_err().kind(),
            ErrorKind::InvalidHttp
        );
        let huge_head = [b"GET / HTTP/1.1\r\nX: ".as_slice(), &[b'a'; 20_000]].concat();
        assert_eq!(
            read_all(&huge_head, 1000, limits).unwrap_err().kind(),
            ErrorKind::HeadTooLarge
        );
    }

    #[test]
    fn responses_carry_their_length() {
        let r = response(200, &[("Content-Type", "text/html")], b"ok");
        assert_eq!(
            r,
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nok"
        );
    }
}
