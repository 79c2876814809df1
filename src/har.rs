//! HAR files (Chrome's and Firefox's Network panel exports) for the
//! inspector: the WebSocket entries with their handshake headers and
//! messages (`_webSocketMessages`: `type` send/receive, `time`, `opcode`,
//! `data`, binary data in base64), and Engine.IO long-polling requests,
//! whose bodies are Engine.IO payloads. Both get Engine.IO and Socket.IO
//! decoded, binary attachments stitched.
//!
//! A HAR holds messages, not frames: no FIN, RSV, masks or lengths on the
//! wire, and no compression to see (the browser shows what it inflated).

use crate::capture::{packet_layers, Dir, Header, MessageLayers};
use crate::engineio::{self, PayloadLimits, Version};
use crate::error::ErrorKind;
use crate::exchanges::{payload_layers, PollingExchange};
use crate::inspect::{Diagnostic, Severity};
use base64::Engine as _;
use serde::Serialize;
use serde_json::Value;

/// One WebSocket message of a HAR entry.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HarMessage {
    pub dir: Dir,
    /// Its index among its direction's messages (what layers refer to).
    pub index: usize,
    /// Seconds since the epoch, as the browser stamped it.
    pub time: Option<f64>,
    pub opcode: u8,
    /// The text of a text message.
    pub text: Option<String>,
    /// The bytes of a binary message.
    #[serde(with = "serde_bytes")]
    pub data: Vec<u8>,
    pub size: usize,
}

/// A WebSocket connection as the browser recorded it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HarWebSocket {
    /// Index of the entry in the HAR's `log.entries`.
    pub entry: usize,
    pub url: String,
    pub started: Option<String>,
    pub request_headers: Vec<Header>,
    pub status: Option<u16>,
    pub response_headers: Vec<Header>,
    /// Engine.IO protocol from the URL's `EIO=` (0: none).
    pub eio: u8,
    pub socketio: bool,
    pub messages: Vec<HarMessage>,
    pub layers: Vec<MessageLayers>,
}

/// An Engine.IO long-polling request and its answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HarPolling {
    pub entry: usize,
    pub started: Option<String>,
    /// The request, its answer, and their packets (`dir` client: posted,
    /// server: answered), each packet one "message".
    #[serde(flatten)]
    pub exchange: PollingExchange,
}

/// What a HAR holds for the inspector.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HarInspection {
    /// `log.creator`: the browser that wrote it.
    pub creator: Option<String>,
    pub entries: usize,
    pub websockets: Vec<HarWebSocket>,
    pub polling: Vec<HarPolling>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Why a text is not a HAR.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotAHar(pub String);

/// Whether a file that starts with `head` (its first few KiB) looks like a
/// HAR: a JSON object with a `log`.
pub fn sniff(head: &[u8]) -> bool {
    let start = String::from_utf8_lossy(head);
    let start = start.trim_start();
    start.starts_with('{') && start.contains("\"log\"")
}

fn headers(value: &Value) -> Vec<Header> {
    value
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|h| {
                    Some(Header {
                        name: h.get("name")?.as_str()?.to_string(),
                        value: h.get("value")?.as_str()?.to_string(),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn status(entry: &Value) -> Option<u16> {
    entry
        .pointer("/response/status")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .filter(|&s| s != 0)
}

fn string_at(entry: &Value, pointer: &str) -> Option<String> {
    entry.pointer(pointer).and_then(Value::as_str).map(str::to_string)
}

/// Reads a HAR: its WebSocket entries and Engine.IO polling requests.
pub fn inspect_har(text: &str) -> Result<HarInspection, NotAHar> {
    let har: Value = serde_json::from_str(text).map_err(|e| NotAHar(format!("not JSON: {e}")))?;
    let entries = har
        .pointer("/log/entries")
        .and_then(Value::as_array)
        .ok_or_else(|| NotAHar("no log.entries: not a HAR file".into()))?;
    let creator = har.pointer("/log/creator").map(|c| {
        let name = c.get("name").and_then(Value::as_str).unwrap_or("");
        let version = c.get("version").and_then(Value::as_str).unwrap_or("");
        format!("{name} {version}").trim().to_string()
    });
    let mut out = HarInspection {
        creator,
        entries: entries.len(),
        websockets: Vec::new(),
        polling: Vec::new(),
        diagnostics: Vec::new(),
    };
    for (index, entry) in entries.iter().enumerate() {
        let url = string_at(entry, "/request/url").unwrap_or_default();
        if let Some(messages) = entry.get("_webSocketMessages").and_then(Value::as_array) {
            out.websockets
                .push(websocket(index, entry, url, messages, &mut out.diagnostics));
        } else if is_websocket(entry, &url) {
            // Firefox exports the handshake of a WebSocket connection, not its messages.
            let exporter = out.creator.as_deref().unwrap_or("the browser that made it");
            out.diagnostics.push(Diagnostic::new(
                Severity::Warning,
                ErrorKind::HarNoMessages,
                format!(
                    "entry {index}: this HAR holds the WebSocket handshake of {url} but not its messages ({exporter} does not export them; Chrome's HAR export does, or record a capture with tcpdump)"
                ),
                0,
            ));
            out.websockets
                .push(websocket(index, entry, url, &[], &mut out.diagnostics));
        } else if url.contains("transport=polling") {
            if let Some(version) = Version::from_url(&url) {
                out.polling.push(polling(index, entry, url, version));
            }
        }
    }
    Ok(out)
}

/// A WebSocket entry that carries no `_webSocketMessages`: marked as one
/// (Chrome), on a `ws:`/`wss:` URL, or answered with 101 (Firefox).
fn is_websocket(entry: &Value, url: &str) -> bool {
    entry.get("_resourceType").and_then(Value::as_str) == Some("websocket")
        || url.starts_with("ws://")
        || url.starts_with("wss://")
        || status(entry) == Some(101)
}

fn websocket(
    index: usize,
    entry: &Value,
    url: String,
    list: &[Value],
    diagnostics: &mut Vec<Diagnostic>,
) -> HarWebSocket {
    let eio = Version::from_url(&url);
    let socketio = eio.is_some() && url.contains("/socket.io/");
    let mut messages = Vec::new();
    let mut counts = [0usize; 2];
    for message in list {
        let dir = match message.get("type").and_then(Value::as_str) {
            Some("send") => Dir::Client,
            Some("receive") => Dir::Server,
            _ => continue,
        };
        let opcode = message.get("opcode").and_then(Value::as_u64).unwrap_or(1);
        let data = message.get("data").and_then(Value::as_str).unwrap_or("");
        let (text, bytes) = if opcode == 2 {
            match base64::engine::general_purpose::STANDARD.decode(data) {
                Ok(bytes) => (None, bytes),
                Err(e) => {
                    diagnostics.push(Diagnostic::new(
                        Severity::Warning,
                        ErrorKind::HarInvalidBase64,
                        format!("entry {index}: a binary message is not valid base64 ({e})"),
                        0,
                    ));
                    (None, data.as_bytes().to_vec())
                }
            }
        } else {
            (Some(data.to_string()), data.as_bytes().to_vec())
        };
        let slot = usize::from(dir == Dir::Server);
        messages.push(HarMessage {
            dir,
            index: counts[slot],
            time: message.get("time").and_then(Value::as_f64),
            opcode: u8::try_from(opcode).unwrap_or(u8::MAX),
            size: bytes.len(),
            text,
            data: if opcode == 2 { bytes } else { Vec::new() },
        });
        counts[slot] += 1;
    }
    let mut layers = Vec::new();
    if let Some(version) = eio {
        for dir in [Dir::Client, Dir::Server] {
            let packets = messages.iter().filter(|m| m.dir == dir).map(|m| {
                let decoded = match &m.text {
                    Some(text) => engineio::decode_text(text, version),
                    None => engineio::decode_binary(&m.data, version),
                };
                (m.index, decoded.map_err(|e| e.message().to_string()), m.size)
            });
            layers.extend(packet_layers(dir, packets, version, socketio));
        }
    }
    HarWebSocket {
        entry: index,
        started: string_at(entry, "/startedDateTime"),
        request_headers: headers(entry.pointer("/request/headers").unwrap_or(&Value::Null)),
        status: status(entry),
        response_headers: headers(entry.pointer("/response/headers").unwrap_or(&Value::Null)),
        eio: eio.map_or(0, Version::number),
        socketio,
        messages,
        layers,
        url,
    }
}

/// A body as bytes: HAR gives text, or base64 with `encoding: "base64"`.
fn body(value: Option<&Value>) -> Option<Vec<u8>> {
    let value = value?;
    let text = value.get("text").and_then(Value::as_str)?;
    if value.get("encoding").and_then(Value::as_str) == Some("base64") {
        base64::engine::general_purpose::STANDARD.decode(text).ok()
    } else {
        Some(text.as_bytes().to_vec())
    }
}

fn polling(index: usize, entry: &Value, url: String, version: Version) -> HarPolling {
    let socketio = url.contains("/socket.io/");
    let limits = PayloadLimits::default();
    let mut layers = Vec::new();
    for (dir, bytes) in [
        (Dir::Client, body(entry.pointer("/request/postData"))),
        (Dir::Server, body(entry.pointer("/response/content"))),
    ] {
        // A POST is answered with a plain "ok", not a payload.
        let is_ok_answer = |b: &Vec<u8>| dir == Dir::Server && b == b"ok";
        let Some(bytes) = bytes.filter(|b| !b.is_empty() && !is_ok_answer(b)) else {
            continue;
        };
        layers.extend(payload_layers(dir, &bytes, version, socketio, &limits));
    }
    HarPolling {
        entry: index,
        started: string_at(entry, "/startedDateTime"),
        exchange: PollingExchange {
            method: string_at(entry, "/request/method").unwrap_or_default(),
            status: status(entry),
            eio: version.number(),
            socketio,
            layers,
            url,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const HAR: &str = r#"{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},"entries":[
      {"startedDateTime":"2026-11-30T10:00:00.000Z","_resourceType":"xhr",
       "request":{"method":"GET","url":"http://h/socket.io/?EIO=4&transport=polling&t=1","headers":[]},
       "response":{"status":200,"headers":[],"content":{"size":90,"mimeType":"text/plain","text":"0{\"sid\":\"abc\",\"upgrades\":[\"websocket\"],\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}"}}},
      {"startedDateTime":"2026-11-30T10:00:00.010Z","_resourceType":"xhr",
       "request":{"method":"POST","url":"http://h/socket.io/?EIO=4&transport=polling&sid=abc","headers":[],"postData":{"mimeType":"text/plain","text":"40\u001e42[\"hi\",1]"}},
       "response":{"status":200,"headers":[],"content":{"size":2,"text":"ok"}}},
      {"startedDateTime":"2026-11-30T10:00:00.020Z","_resourceType":"websocket",
       "request":{"method":"GET","url":"ws://h/socket.io/?EIO=4&transport=websocket&sid=abc","headers":[{"name":"Upgrade","value":"websocket"}]},
       "response":{"status":101,"headers":[{"name":"Upgrade","value":"websocket"}]},
       "_webSocketMessages":[
         {"type":"send","time":1796032800.1,"opcode":1,"data":"2probe"},
         {"type":"receive","time":1796032800.2,"opcode":1,"data":"3probe"},
         {"type":"send","time":1796032800.3,"opcode":1,"data":"5"},
         {"type":"receive","time":1796032800.4,"opcode":1,"data":"451-[\"file\",{\"_placeholder\":true,\"num\":0}]"},
         {"type":"receive","time":1796032800.5,"opcode":2,"data":"AQID"}
       ]}
    ]}}"#;

    #[test]
    fn websocket_messages_and_polling_payloads_with_socketio_on_top() {
        assert!(sniff(HAR.as_bytes()));
        let har = inspect_har(HAR).unwrap();
        assert_eq!(har.creator.as_deref(), Some("WebInspector 537.36"));
        assert_eq!(har.entries, 3);
        let ws = &har.websockets[0];
        assert_eq!(
            (ws.entry, ws.status, ws.eio, ws.socketio),
            (2, Some(101), 4, true)
        );
        assert_eq!(ws.messages.len(), 5);
        assert_eq!(ws.messages[4].data, [1, 2, 3]);
        assert_eq!((ws.messages[4].dir, ws.messages[4].index), (Dir::Server, 2));
        let file = ws
            .layers
            .iter()
            .find(|l| l.dir == Dir::Server && l.message == 1)
            .and_then(|l| l.socketio.as_ref())
            .unwrap();
        assert_eq!(
            file.stitched_json.as_deref(),
            Some(r#"["file",{"_attachment":0,"bytes":3,"hex":"010203"}]"#)
        );
        let attachment = ws
            .layers
            .iter()
            .find(|l| l.dir == Dir::Server && l.message == 2)
            .unwrap();
        assert_eq!(attachment.attachment_of, Some((1, 0)));

        assert_eq!(har.polling.len(), 2);
        let open = &har.polling[0].exchange.layers[0];
        assert_eq!(open.engineio.as_ref().unwrap().kind, Some("open"));
        let posted: Vec<_> = har.polling[1]
            .exchange
            .layers
            .iter()
            .filter(|l| l.dir == Dir::Client)
            .map(|l| l.socketio.as_ref().and_then(|s| s.stitched_json.clone()))
            .collect();
        assert_eq!(posted, [None, Some(r#"["hi",1]"#.to_string())]);
        // The POST's "ok" is no payload.
        assert!(har.polling[1]
            .exchange
            .layers
            .iter()
            .all(|l| l.dir == Dir::Client));
    }

    #[test]
    fn what_is_not_a_har() {
        assert!(inspect_har("not json").is_err());
        assert!(inspect_har(r#"{"log":{}}"#).is_err());
        assert!(!sniff(b"GET / HTTP/1.1"));
        let har = inspect_har(
            r#"{"log":{"entries":[{"_webSocketMessages":[{"type":"receive","opcode":2,"data":"%%"}]}]}}"#,
        )
        .unwrap();
        assert_eq!(har.diagnostics[0].code, ErrorKind::HarInvalidBase64);
    }

    /// Firefox exports a WebSocket entry as its handshake alone: it is
    /// listed, and the missing messages are a warning. Chrome's entry with
    /// no messages is simply empty.
    #[test]
    fn a_websocket_entry_without_messages_is_listed_and_said_so() {
        let firefox = r#"{"log":{"creator":{"name":"Firefox","version":"153.8.0"},"entries":[
            {"request":{"method":"GET","url":"ws://127.0.0.1:1/socket.io/?EIO=4&transport=websocket&sid=x","headers":[]},"response":{"status":101,"headers":[]}},
            {"request":{"method":"GET","url":"http://127.0.0.1:1/chat","headers":[]},"response":{"status":101,"headers":[]}},
            {"request":{"method":"GET","url":"http://127.0.0.1:1/page","headers":[]},"response":{"status":200,"headers":[]}}]}}"#;
        let har = inspect_har(firefox).unwrap();
        assert_eq!(har.websockets.len(), 2);
        assert!(har.websockets.iter().all(|ws| ws.messages.is_empty()));
        assert_eq!(har.websockets[0].eio, 4);
        let codes: Vec<_> = har.diagnostics.iter().map(|d| (d.severity, d.code)).collect();
        assert_eq!(codes, [(Severity::Warning, ErrorKind::HarNoMessages); 2]);
        assert!(har.diagnostics[0]
            .message
            .contains("(Firefox 153.8.0 does not export them"));

        let chrome = r#"{"log":{"entries":[{"_resourceType":"websocket","_webSocketMessages":[],
            "request":{"url":"ws://127.0.0.1:1/"},"response":{"status":101}}]}}"#;
        let har = inspect_har(chrome).unwrap();
        assert_eq!(har.websockets.len(), 1);
        assert!(har.diagnostics.is_empty());
    }
}
