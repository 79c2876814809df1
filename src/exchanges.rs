//! HTTP/1.1 exchanges in a captured TCP connection, for the inspector:
//! requests and responses read in turn from the two streams (bodies by
//! `Content-Length` or chunked), leniently: what does not parse ends the
//! reading. Engine.IO long-polling connections are such exchanges, whose
//! bodies are Engine.IO payloads.

use crate::capture::{packet_layers, Dir, MessageLayers};
use crate::engineio::{self, PacketData, PayloadLimits, Version};
use serde::Serialize;

/// One request and its answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exchange {
    pub method: String,
    pub target: String,
    pub request_body: Vec<u8>,
    pub status: Option<u16>,
    pub response_body: Vec<u8>,
}

/// An Engine.IO polling request of a capture, its payloads decoded.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PollingExchange {
    pub method: String,
    pub url: String,
    pub status: Option<u16>,
    pub eio: u8,
    pub socketio: bool,
    /// The packets posted (`dir` client) and answered (`dir` server).
    pub layers: Vec<MessageLayers>,
}

/// The length of the HTTP head at the start of `bytes`, blank line
/// included; `None` while it is not complete.
pub(crate) fn head_len(bytes: &[u8]) -> Option<usize> {
    bytes.windows(4).position(|w| w == b"\r\n\r\n").map(|at| at + 4)
}

/// A body after a head: by `Content-Length`, chunked, or none. Returns the
/// body and the bytes used.
fn body(headers: &[httparse::Header<'_>], bytes: &[u8]) -> Option<(Vec<u8>, usize)> {
    let find = |name: &str| {
        headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .and_then(|h| std::str::from_utf8(h.value).ok())
            .map(str::trim)
    };
    if find("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        let mut out = Vec::new();
        let mut at = 0;
        loop {
            let line_end = bytes[at..].windows(2).position(|w| w == b"\r\n")? + at;
            let size_text = std::str::from_utf8(&bytes[at..line_end]).ok()?;
            let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
            at = line_end + 2;
            if size == 0 {
                // The last chunk, then (trailers and) the empty line.
                let end = bytes[at..].windows(2).position(|w| w == b"\r\n")? + at + 2;
                return Some((out, end));
            }
            out.extend_from_slice(bytes.get(at..at.checked_add(size)?)?);
            at += size + 2;
        }
    }
    let length = find("content-length").map_or(Some(0), |v| v.parse::<usize>().ok())?;
    Some((bytes.get(..length)?.to_vec(), length))
}

/// The exchanges of a connection, as far as both streams parse.
pub fn exchanges(client: &[u8], server: &[u8]) -> Vec<Exchange> {
    let mut out = Vec::new();
    let (mut c, mut s) = (0usize, 0usize);
    while c < client.len() {
        let Some(len) = head_len(&client[c..]) else { break };
        let mut storage = [httparse::EMPTY_HEADER; 64];
        let mut request = httparse::Request::new(&mut storage);
        if !matches!(
            request.parse(&client[c..c + len]),
            Ok(httparse::Status::Complete(_))
        ) {
            break;
        }
        let Some((request_body, used)) = body(request.headers, &client[c + len..]) else {
            break;
        };
        let mut exchange = Exchange {
            method: request.method.unwrap_or("").to_string(),
            target: request.path.unwrap_or("").to_string(),
            request_body,
            status: None,
            response_body: Vec::new(),
        };
        c += len + used;
        if let Some(len) = head_len(&server[s..]) {
            let mut storage = [httparse::EMPTY_HEADER; 64];
            let mut response = httparse::Response::new(&mut storage);
            if matches!(
                response.parse(&server[s..s + len]),
                Ok(httparse::Status::Complete(_))
            ) {
                exchange.status = response.code;
                if let Some((response_body, used)) = body(response.headers, &server[s + len..]) {
                    exchange.response_body = response_body;
                    s += len + used;
                } else {
                    s = server.len();
                }
            }
        }
        out.push(exchange);
    }
    out
}

/// Engine.IO's view of a connection's polling requests (those whose URL
/// has `EIO=`).
pub fn polling(client: &[u8], server: &[u8]) -> Vec<PollingExchange> {
    let limits = PayloadLimits::default();
    exchanges(client, server)
        .into_iter()
        .filter_map(|exchange| {
            let version = Version::from_url(&exchange.target)?;
            let socketio = exchange.target.contains("/socket.io/");
            let mut layers = Vec::new();
            for (dir, bytes) in [
                (Dir::Client, &exchange.request_body),
                (Dir::Server, &exchange.response_body),
            ] {
                // A POST is answered with a plain "ok", not a payload.
                if bytes.is_empty() || (dir == Dir::Server && bytes.as_slice() == b"ok") {
                    continue;
                }
                layers.extend(payload_layers(dir, bytes, version, socketio, &limits));
            }
            Some(PollingExchange {
                method: exchange.method,
                url: exchange.target,
                status: exchange.status,
                eio: version.number(),
                socketio,
                layers,
            })
        })
        .collect()
}

/// The packets of a polling body (text, or protocol 3's binary form), each
/// one "message" of its direction, Engine.IO and Socket.IO decoded.
pub(crate) fn payload_layers(
    dir: Dir,
    bytes: &[u8],
    version: Version,
    socketio: bool,
    limits: &PayloadLimits,
) -> Vec<MessageLayers> {
    let decoded = match std::str::from_utf8(bytes) {
        Ok(text) if !matches!(bytes.first(), Some(0 | 1)) => engineio::decode_payload(text, version, limits),
        _ => engineio::decode_payload_binary(bytes, limits),
    };
    let size = |data: &PacketData| match data {
        PacketData::Empty => 0,
        PacketData::Text(text) => text.len(),
        PacketData::Binary(bytes) => bytes.len(),
    };
    let mut items: Vec<(usize, Result<engineio::Packet, String>, usize)> = decoded
        .packets
        .into_iter()
        .enumerate()
        .map(|(i, packet)| {
            let n = size(&packet.data);
            (i, Ok(packet), n)
        })
        .collect();
    if let Some(error) = decoded.error {
        items.push((items.len(), Err(error.message().to_string()), 0));
    }
    packet_layers(dir, items.into_iter(), version, socketio)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn polling_requests_and_answers_with_bodies_by_length_and_chunked() {
        let client = b"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: h\r\n\r\n\
POST /socket.io/?EIO=4&transport=polling&sid=s HTTP/1.1\r\nHost: h\r\nContent-Length: 13\r\n\r\n40\x1e42[\"hi\",1]";
        let server = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n0{\"si\r\n0\r\n\r\n\
HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        let found = exchanges(client, server);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].response_body, b"0{\"si");
        assert_eq!((found[1].method.as_str(), found[1].status), ("POST", Some(200)));
        let polled = polling(client, server);
        let posted: Vec<_> = polled[1]
            .layers
            .iter()
            .map(|l| l.socketio.as_ref().and_then(|s| s.stitched_json.clone()))
            .collect();
        assert_eq!(posted, [None, Some(r#"["hi",1]"#.to_string())]);
        assert!(
            polled[1].layers.iter().all(|l| l.dir == Dir::Client),
            "the POST's ok is no payload"
        );
    }

    #[test]
    fn what_does_not_parse_ends_the_reading() {
        assert!(exchanges(b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n", b"").is_empty());
        assert!(exchanges(b"\x81\x05hello", b"").is_empty());
        let cut = exchanges(b"POST /?EIO=4 HTTP/1.1\r\nContent-Length: 99\r\n\r\nshort", b"");
        assert!(cut.is_empty());
    }
}
