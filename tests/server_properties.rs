//! Never-panic properties of the Engine.IO/Socket.IO server and the parsers
//! it runs on input from the network: arbitrary bytes on fresh connections,
//! after a polling handshake and after a WebSocket upgrade, interleaved with
//! the application's calls and a moving clock; and each parser alone.
#![cfg(all(not(target_arch = "wasm32"), feature = "server", feature = "inspector"))]

use proptest::prelude::*;

/// The fuzz targets' helpers (the `server` target drives the core as these properties do).
#[path = "../fuzz/src/targets.rs"]
#[allow(dead_code)]
mod targets;
use wsframe::engineio::{self, PayloadLimits, Version};
use wsframe::handshake::HeadLimits;
use wsframe::http::{Request, RequestLimits, RequestReader};
use wsframe::protocol::{Config, Connection};
use wsframe::server::{Congestion, EmitFlags, Identity, Output, Server, ServerConfig};
use wsframe::socketio::{DecodeOptions, Decoder};

/// What the application may do between inputs.
#[derive(Debug, Clone)]
enum Step {
    Bytes(Vec<u8>),
    Tick(u16),
    Close,
    AppCalls,
    Congest(u8),
}

fn arb_step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => proptest::collection::vec(any::<u8>(), 0..200).prop_map(Step::Bytes),
        3 => engine_like_text().prop_map(|t| Step::Bytes(t.into_bytes())),
        1 => any::<u16>().prop_map(Step::Tick),
        1 => Just(Step::Close),
        2 => Just(Step::AppCalls),
        1 => (0u8..3).prop_map(Step::Congest),
    ]
}

/// Text that looks like Engine.IO/Socket.IO packets, so the parsers get
/// past their first byte.
fn engine_like_text() -> impl Strategy<Value = String> {
    "[0-6]{1,2}(/[a-z]{0,3},)?[0-9]{0,3}(\\[\"[a-z]{0,5}\"(,[0-9{}\\[\\]\"_a-z:]{0,20})?\\]|\\{[^}]{0,20}\\})?"
}

fn config() -> ServerConfig {
    ServerConfig {
        ping_interval: 300,
        ping_timeout: 200,
        connect_timeout: 500,
        request_timeout: 1_000,
        max_payload: 4_096,
        max_buffered_bytes: 8_192,
        engine_path: Some("/engine.io/".into()),
        ..ServerConfig::default()
    }
}

/// Runs the steps on connection 1 (and the app's calls on whatever the
/// server has told it about), checking the output stays sane.
fn drive(server: &mut Server, prefix: &[u8], steps: &[Step]) {
    let mut now = 1_000u64;
    let mut sockets = Vec::new();
    server.receive(1, prefix, now);
    for step in steps {
        match step {
            Step::Bytes(bytes) => server.receive(1, bytes, now),
            Step::Tick(ms) => {
                now += u64::from(*ms % 2_000);
                server.tick(now);
            }
            Step::Close => server.closed(1, now),
            Step::Congest(level) => {
                let level = [
                    Congestion::Drained,
                    Congestion::Backlogged,
                    Congestion::Overflowing,
                ][*level as usize];
                server.congestion(1, level, now);
            }
            Step::AppCalls => {
                for &socket in &sockets {
                    let _ = server.accept(socket, &Identity::default(), now);
                    let _ = server.join(socket, 1);
                    let _ = server.emit(socket, "\"e\"", "[1]", &[], Some(3), now % 2 == 0, now);
                    let _ = server.ack(socket, 0, "[]", &[], now);
                }
                let flags = EmitFlags {
                    volatile: true,
                    compress: now % 3 != 0,
                };
                let _ = server.broadcast("/", &[1], &[], "\"b\"", "[]", &[], flags, Some(4), now);
                if let Some(&socket) = sockets.first() {
                    let _ = server.refuse(socket, r#"{"message":"no"}"#, now);
                    let _ = server.disconnect(socket, now);
                }
            }
        }
        targets::take_output_checked(server, &mut sockets, now);
        if let Some(at) = server.next_deadline() {
            assert!(at >= 1_000);
        }
    }
}

fn ws_head(path: &str) -> Vec<u8> {
    format!(
        "GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    .into_bytes()
}

/// Client frames (masked) carrying `texts`.
fn client_frames(texts: &[String]) -> Vec<u8> {
    let mut client = Connection::new(Config::client());
    for text in texts {
        let _ = client.send_text(text);
    }
    client.take_output()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_on_a_fresh_connection(steps in proptest::collection::vec(arb_step(), 0..12)) {
        drive(&mut Server::new(config()), b"", &steps);
    }

    #[test]
    fn arbitrary_input_after_a_polling_handshake(steps in proptest::collection::vec(arb_step(), 0..12)) {
        let mut server = Server::new(config());
        server.receive(9, b"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n", 1_000);
        let sid = server.take_output().into_iter().find_map(|o| match o {
            Output::SessionOpen { sid, .. } => Some(sid),
            _ => None,
        });
        let sid = sid.expect("a session");
        let bodies: Vec<Step> = steps.iter().map(|step| match step {
            Step::Bytes(body) => {
                let mut request = format!(
                    "POST /socket.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                ).into_bytes();
                request.extend_from_slice(body);
                Step::Bytes(request)
            }
            other => other.clone(),
        }).collect();
        drive(&mut server, b"", &bodies);
    }

    #[test]
    fn arbitrary_frames_after_a_websocket_upgrade(
        texts in proptest::collection::vec(engine_like_text(), 0..10),
        raw in proptest::collection::vec(any::<u8>(), 0..100),
        eio in prop_oneof![Just("3"), Just("4")],
        path in prop_oneof![Just("/socket.io/"), Just("/engine.io/")],
        steps in proptest::collection::vec(arb_step(), 0..6),
    ) {
        let mut server = Server::new(config());
        let mut prefix = ws_head(&format!("{path}?EIO={eio}&transport=websocket"));
        let mut texts = texts;
        if path == "/socket.io/" && eio == "4" {
            texts.insert(0, "40".into());
        }
        prefix.extend(client_frames(&texts));
        prefix.extend(raw);
        drive(&mut server, &prefix, &steps);
    }

    #[test]
    fn requests_from_an_http_server_never_panic(
        method in prop_oneof![Just("GET"), Just("POST"), Just("PUT"), Just("OPTIONS")],
        query in "[a-zA-Z0-9=&_%-]{0,60}",
        body in proptest::collection::vec(any::<u8>(), 0..200),
        upgrade in any::<bool>(),
        sid in proptest::option::of("\\PC{0,140}"),
    ) {
        let mut server = Server::new(config());
        let request = Request {
            method: method.into(),
            target: format!("/socket.io/?{query}"),
            http_minor: 1,
            headers: vec![("Host".into(), "x".into())],
            body,
        };
        // The application's `generateId` may give any text.
        if upgrade {
            server.upgrade_as(3, request, vec![("X-A".into(), "b".into())], sid, 1_000);
        } else {
            server.http_request_as(3, request, sid, 1_000);
        }
        server.take_output();
        server.tick(100_000);
        server.take_output();
    }

    #[test]
    fn engine_io_parsers_never_panic(text in "\\PC{0,80}", bytes in proptest::collection::vec(any::<u8>(), 0..120)) {
        let limits = PayloadLimits { max_bytes: 1_000, max_packets: 50 };
        for version in [Version::V3, Version::V4] {
            let _ = engineio::decode_text(&text, version);
            let _ = engineio::decode_binary(&bytes, version);
            let _ = engineio::decode_payload(&text, version, &limits);
        }
        let _ = engineio::decode_payload_binary(&bytes, &limits);
    }

    #[test]
    fn the_socket_io_decoder_never_panics(
        parts in proptest::collection::vec(prop_oneof![
            engine_like_text().prop_map(Ok),
            proptest::collection::vec(any::<u8>(), 0..20).prop_map(Err),
        ], 1..8),
    ) {
        let mut decoder: Decoder<Vec<u8>> = Decoder::new(DecodeOptions { max_attachments: 3 });
        for part in parts {
            let result = match part {
                Ok(text) => decoder.push_text(&text),
                Err(bytes) => decoder.push_binary(bytes),
            };
            if result.is_err() {
                decoder.reset();
            }
        }
    }

    #[test]
    fn the_http_request_reader_never_panics(
        data in proptest::collection::vec(any::<u8>(), 0..400),
        cut in 0usize..400,
    ) {
        let mut reader = RequestReader::new(RequestLimits { head: HeadLimits::default(), max_body_bytes: 100 });
        let cut = cut.min(data.len());
        for chunk in [&data[..cut], &data[cut..]] {
            match reader.feed(chunk) {
                Ok(Some((_, used))) => {
                    prop_assert!(used <= chunk.len());
                    break;
                }
                Ok(None) => {}
                Err(_) => break,
            }
        }
    }
}
