//! The server driven by simulated clients, with a fake clock.

use super::*;
use crate::handshake::{ClientHandshake, ClientOptions};
use crate::protocol::Config;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const VOLATILE: EmitFlags = EmitFlags {
    volatile: true,
    compress: true,
};

struct Sim {
    server: Server,
    now: u64,
    next_conn: ConnId,
    /// Every app-level output seen, in order.
    app: Vec<Output>,
    /// Bytes written per connection, and whether it was ended.
    wire: HashMap<ConnId, (Vec<u8>, bool)>,
    /// Namespaces whose CONNECT the simulated application accepts (others
    /// get socket.io's "Invalid namespace").
    namespaces: Vec<&'static str>,
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn parse_response(bytes: &[u8]) -> Option<(Response, usize)> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut r = httparse::Response::new(&mut headers);
    let httparse::Status::Complete(head) = r.parse(bytes).ok()? else {
        return None;
    };
    let headers: Vec<(String, String)> = r
        .headers
        .iter()
        .map(|h| (h.name.to_string(), String::from_utf8_lossy(h.value).to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, v)| v.parse().unwrap_or(0));
    if bytes.len() < head + len {
        return None;
    }
    Some((
        Response {
            status: r.code.unwrap_or(0),
            headers,
            body: String::from_utf8_lossy(&bytes[head..head + len]).to_string(),
        },
        head + len,
    ))
}

fn sio_config() -> ServerConfig {
    ServerConfig {
        ping_interval: 300,
        ping_timeout: 200,
        connect_timeout: 1000,
        engine_path: Some("/engine.io/".into()),
        ..ServerConfig::default()
    }
}

impl Sim {
    fn new(config: ServerConfig) -> Self {
        Sim {
            server: Server::new(config),
            now: 1_000,
            next_conn: 1,
            app: Vec::new(),
            wire: HashMap::new(),
            namespaces: vec!["/", "/custom"],
        }
    }

    fn collect(&mut self) {
        loop {
            let output = self.server.take_output();
            if output.is_empty() {
                return;
            }
            for output in output {
                self.apply(output);
            }
        }
    }

    /// Carries out one output: bytes onto the wire, the example's answers.
    fn apply(&mut self, output: Output) {
        match output {
            Output::Write { conn, bytes } => self.wire.entry(conn).or_default().0.extend(bytes),
            Output::WriteShared { conns, bytes } => {
                for conn in conns {
                    self.wire.entry(conn).or_default().0.extend(&bytes);
                }
            }
            Output::End { conn } => self.wire.entry(conn).or_default().1 = true,
            // The raw Engine.IO endpoint as the example uses it: an echo.
            Output::Message { sid, data } => self.server.send_message(&sid, data, self.now).unwrap(),
            Output::Connect { socket, ref nsp, .. } => {
                if self.namespaces.contains(&nsp.as_str()) {
                    self.server
                        .accept(socket, &Identity::default(), self.now)
                        .unwrap();
                } else {
                    let refusal = r#"{"message":"Invalid namespace"}"#;
                    self.server.refuse(socket, refusal, self.now).unwrap();
                }
                self.app.push(output);
            }
            other => self.app.push(other),
        }
    }

    fn conn(&mut self) -> ConnId {
        self.next_conn += 1;
        self.next_conn
    }

    fn send(&mut self, conn: ConnId, bytes: &[u8]) {
        self.server.receive(conn, bytes, self.now);
        self.collect();
    }

    /// Takes the next complete HTTP response written to `conn`.
    fn take_response(&mut self, conn: ConnId) -> Option<Response> {
        let (bytes, _) = self.wire.get_mut(&conn)?;
        let (response, used) = parse_response(bytes)?;
        bytes.drain(..used);
        Some(response)
    }

    fn request(&mut self, conn: ConnId, method: &str, target: &str, body: &str) {
        let head = format!(
            "{method} {target} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        self.send(conn, &[head.as_bytes(), body.as_bytes()].concat());
    }

    /// A request on a fresh connection, answered at once.
    fn http(&mut self, method: &str, target: &str, body: &str) -> Response {
        let conn = self.conn();
        self.request(conn, method, target, body);
        self.take_response(conn).expect("an immediate answer")
    }

    fn handshake(&mut self, path: &str) -> String {
        let r = self.http("GET", &format!("{path}?EIO=4&transport=polling"), "");
        assert_eq!(r.status, 200);
        let open = engineio::OpenPacket::parse(&r.body[1..]).expect("open packet");
        open.sid
    }

    fn advance(&mut self, ms: u64) {
        let end = self.now + ms;
        while let Some(at) = self.server.next_deadline().filter(|&at| at <= end) {
            self.now = self.now.max(at);
            self.server.tick(self.now);
            self.collect();
        }
        self.now = end;
    }

    fn ws_open(&mut self, target: &str) -> (ConnId, Connection) {
        let (conn, _) = self.ws_handshake(target, &[]);
        (conn, Connection::new(Config::client()))
    }

    /// A WebSocket handshake offering `extensions`: the connection and the
    /// server's 101, read off the wire.
    fn ws_handshake(
        &mut self,
        target: &str,
        extensions: &[crate::handshake::Extension],
    ) -> (ConnId, crate::handshake::HandshakeResponse) {
        let conn = self.conn();
        let (mut client, request) = ClientHandshake::new(&ClientOptions {
            host: "localhost",
            path: target,
            extensions,
            ..ClientOptions::default()
        })
        .unwrap();
        self.send(conn, &request);
        let (bytes, _) = self.wire.get_mut(&conn).expect("an answer");
        let (response, used) = client.feed(bytes).unwrap().expect("101");
        bytes.drain(..used);
        (conn, response)
    }

    fn ws_send(&mut self, conn: ConnId, ws: &mut Connection, text: &str) {
        ws.send_text(text).unwrap();
        let bytes = ws.take_output();
        self.send(conn, &bytes);
    }

    fn ws_read(&mut self, conn: ConnId, ws: &mut Connection) -> Vec<OwnedEvent> {
        let bytes = std::mem::take(&mut self.wire.entry(conn).or_default().0);
        ws.receive(&bytes).unwrap()
    }
}

fn texts(events: &[OwnedEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            OwnedEvent::Text(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn polling_handshake_and_errors() {
    let mut sim = Sim::new(sio_config());
    let r = sim.http("GET", "/engine.io/?EIO=4&transport=polling&t=abc", "");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/plain; charset=UTF-8"));
    let json: serde_json::Value = serde_json::from_str(&r.body[1..]).unwrap();
    let keys: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        ["sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"]
    );
    assert_eq!(json["upgrades"], serde_json::json!(["websocket"]));
    assert_eq!(json["sid"].as_str().unwrap().len(), 20);

    let cases = [
        ("GET", "/engine.io/?EIO=4", 0, "Transport unknown"),
        ("GET", "/engine.io/?EIO=4&transport=foo", 0, "Transport unknown"),
        (
            "POST",
            "/engine.io/?EIO=4&transport=polling",
            2,
            "Bad handshake method",
        ),
        (
            "PUT",
            "/engine.io/?EIO=4&transport=polling",
            2,
            "Bad handshake method",
        ),
        (
            "GET",
            "/engine.io/?EIO=4&transport=polling&sid=nope",
            1,
            "Session ID unknown",
        ),
        (
            "GET",
            "/engine.io/?transport=polling",
            5,
            "Unsupported protocol version",
        ),
        (
            "GET",
            "/engine.io/?EIO=5&transport=polling",
            5,
            "Unsupported protocol version",
        ),
        ("GET", "/engine.io/?EIO=4&transport=websocket", 3, "Bad request"),
    ];
    for (method, target, code, message) in cases {
        let r = sim.http(method, target, "");
        assert_eq!(r.status, 400, "{method} {target}");
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.body, format!(r#"{{"code":{code},"message":"{message}"}}"#));
    }
    assert_eq!(sim.http("GET", "/elsewhere", "").status, 404);
}

#[test]
fn echo_over_polling_with_buffering_and_binary() {
    let mut sim = Sim::new(sio_config());
    let sid = sim.handshake("/engine.io/");
    let target = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    let r = sim.http("POST", &target, "4hello\x1ebAQID\x1e4€");
    assert_eq!((r.status, r.body.as_str()), (200, "ok"));
    assert_eq!(r.header("content-type"), Some("text/html"));
    let r = sim.http("GET", &target, "");
    assert_eq!(r.body, "4hello\x1ebAQID\x1e4€");
    // A GET with nothing to send waits; a POST releases it.
    let waiting = sim.conn();
    sim.request(waiting, "GET", &target, "");
    assert!(sim.take_response(waiting).is_none());
    sim.http("POST", &target, "4again");
    assert_eq!(sim.take_response(waiting).unwrap().body, "4again");
}

#[test]
fn overlapping_get_closes_the_session() {
    let mut sim = Sim::new(sio_config());
    let sid = sim.handshake("/engine.io/");
    let target = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    let first = sim.conn();
    sim.request(first, "GET", &target, "");
    let second = sim.http("GET", &target, "");
    assert_eq!((second.status, second.body.as_str()), (400, ""));
    assert_eq!(sim.take_response(first).unwrap().body, "1");
    assert_eq!(sim.http("GET", &target, "").status, 400);
}

#[test]
fn undecodable_post_is_refused_and_closes() {
    let mut sim = Sim::new(sio_config());
    let sid = sim.handshake("/engine.io/");
    let target = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    let pending = sim.conn();
    sim.request(pending, "GET", &target, "");
    assert_eq!(sim.http("POST", &target, "abc").status, 400);
    assert_eq!(sim.take_response(pending).unwrap().body, "1");
    let after = sim.http("GET", &target, "");
    assert_eq!(
        (after.status, after.body.as_str()),
        (400, r#"{"code":1,"message":"Session ID unknown"}"#)
    );
}

#[test]
fn client_close_answers_a_pending_get_with_noop() {
    let mut sim = Sim::new(sio_config());
    let sid = sim.handshake("/engine.io/");
    let target = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    let pending = sim.conn();
    sim.request(pending, "GET", &target, "");
    assert_eq!(sim.http("POST", &target, "1").body, "ok");
    assert_eq!(sim.take_response(pending).unwrap().body, "6");
    assert_eq!(sim.http("GET", &target, "").status, 400);
}

#[test]
fn heartbeat_pings_and_times_out() {
    let mut sim = Sim::new(sio_config());
    let sid = sim.handshake("/engine.io/");
    let target = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    sim.advance(299);
    let pending = sim.conn();
    sim.request(pending, "GET", &target, "");
    assert!(sim.take_response(pending).is_none());
    sim.advance(1);
    assert_eq!(sim.take_response(pending).unwrap().body, "2");
    sim.http("POST", &target, "3");
    // The next ping comes pingInterval after the pong.
    let pending = sim.conn();
    sim.request(pending, "GET", &target, "");
    sim.advance(299);
    assert!(sim.take_response(pending).is_none());
    sim.advance(1);
    assert_eq!(sim.take_response(pending).unwrap().body, "2");
    // No pong: closed pingTimeout after the ping was queued.
    sim.advance(199);
    assert_eq!(sim.server.session_count(), 1);
    sim.advance(1);
    assert_eq!(sim.server.session_count(), 0);
    assert_eq!(sim.http("GET", &target, "").status, 400);
    assert!(sim.app.contains(&Output::SessionClose {
        sid,
        reason: "ping timeout"
    }));
}

#[test]
fn sleeping_client_is_timed_out() {
    let mut sim = Sim::new(sio_config());
    let sid = sim.handshake("/engine.io/");
    sim.advance(500);
    let r = sim.http(
        "GET",
        &format!("/engine.io/?EIO=4&transport=polling&sid={sid}"),
        "",
    );
    assert_eq!(r.status, 400);
}

#[test]
fn websocket_upgrade_probe_and_completion() {
    let mut sim = Sim::new(sio_config());
    let sid = sim.handshake("/engine.io/");
    let polling = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
    let pending = sim.conn();
    sim.request(pending, "GET", &polling, "");
    let (conn, mut ws) = sim.ws_open(&format!("/engine.io/?EIO=4&transport=websocket&sid={sid}"));
    sim.ws_send(conn, &mut ws, "2probe");
    assert_eq!(texts(&sim.ws_read(conn, &mut ws)), ["3probe"]);
    assert_eq!(sim.take_response(pending).unwrap().body, "6");
    // While the upgrade is pending a GET is answered at once.
    assert_eq!(sim.http("GET", &polling, "").body, "6");
    sim.ws_send(conn, &mut ws, "5");
    assert!(sim.app.contains(&Output::Upgrade { sid: sid.clone() }));
    assert_eq!(sim.http("GET", &polling, "").status, 400);
    sim.ws_send(conn, &mut ws, "4hello");
    assert_eq!(texts(&sim.ws_read(conn, &mut ws)), ["4hello"]);
    ws.send_binary(&[1, 2, 3]).unwrap();
    let bytes = ws.take_output();
    sim.send(conn, &bytes);
    assert_eq!(sim.ws_read(conn, &mut ws), [OwnedEvent::Binary(vec![1, 2, 3])]);
    // A second WebSocket for the upgraded session: accepted, then closed.
    let (late, mut late_ws) = sim.ws_open(&format!("/engine.io/?EIO=4&transport=websocket&sid={sid}"));
    assert!(matches!(
        sim.ws_read(late, &mut late_ws)[..],
        [OwnedEvent::Close { code: None, .. }]
    ));
    // One for a session nobody has is refused before the 101, as engine.io does.
    let unknown = sim.conn();
    let request = upgrade_request("/engine.io/?EIO=4&transport=websocket&sid=nope");
    let head: String = request
        .headers
        .iter()
        .map(|(n, v)| format!("{n}: {v}\r\n"))
        .collect();
    sim.send(
        unknown,
        format!("GET {} HTTP/1.1\r\n{head}\r\n", request.target).as_bytes(),
    );
    let (answer, _) = sim.wire.get(&unknown).expect("an answer");
    assert!(answer.starts_with(b"HTTP/1.1 400 Bad Request\r\n"));
    // An undecodable packet closes the WebSocket.
    sim.ws_send(conn, &mut ws, "x");
    assert!(matches!(
        sim.ws_read(conn, &mut ws)[..],
        [OwnedEvent::Close { .. }]
    ));
    assert_eq!(sim.server.session_count(), 0);
}

#[test]
fn websocket_only_session_and_v3_binary_frames() {
    let mut sim = Sim::new(sio_config());
    let (conn, mut ws) = sim.ws_open("/engine.io/?EIO=4&transport=websocket");
    let first = texts(&sim.ws_read(conn, &mut ws));
    let open = engineio::OpenPacket::parse(&first[0][1..]).unwrap();
    assert!(open.upgrades.is_empty());
    let (conn, mut ws) = sim.ws_open("/engine.io/?EIO=3&transport=websocket");
    sim.ws_read(conn, &mut ws);
    ws.send_binary(&[4, 9, 8]).unwrap();
    let bytes = ws.take_output();
    sim.send(conn, &bytes);
    assert_eq!(sim.ws_read(conn, &mut ws), [OwnedEvent::Binary(vec![4, 9, 8])]);
    // v3: the client pings, the server answers.
    sim.ws_send(conn, &mut ws, "2");
    assert_eq!(texts(&sim.ws_read(conn, &mut ws)), ["3"]);
}

#[test]
fn v3_polling_payloads() {
    let mut sim = Sim::new(sio_config());
    let r = sim.http("GET", "/engine.io/?EIO=3&transport=polling", "");
    let body = r.body;
    let colon = body.find(':').unwrap();
    assert_eq!(body[..colon].parse::<usize>().unwrap(), body.len() - colon - 1);
    let open = engineio::OpenPacket::parse(&body[colon + 2..]).unwrap();
    let target = format!("/engine.io/?EIO=3&transport=polling&sid={}&b64=1", open.sid);
    // b64 is only read at the handshake; this session reads binary payloads.
    assert_eq!(sim.http("POST", &target, "6:4hello6:b4AQID").status, 200);
    let conn = sim.conn();
    sim.request(conn, "GET", &target, "");
    let (bytes, _) = sim.wire.get(&conn).unwrap().clone();
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("application/octet-stream"), "{text}");
    assert!(bytes.ends_with(&[0, 6, 0xff, b'4', b'h', b'e', b'l', b'l', b'o', 1, 4, 0xff, 4, 1, 2, 3]));
}

#[test]
fn socketio_connect_events_acks_and_errors() {
    let mut sim = Sim::new(sio_config());
    let (conn, mut ws) = sim.ws_open("/socket.io/?EIO=4&transport=websocket");
    sim.ws_read(conn, &mut ws);
    sim.ws_send(conn, &mut ws, "40/custom,{\"token\":\"abc\"}");
    let replies = texts(&sim.ws_read(conn, &mut ws));
    assert!(replies[0].starts_with("40/custom,{\"sid\":\""), "{replies:?}");
    let Some(Output::Connect {
        socket,
        nsp,
        auth_json,
        ..
    }) = sim.app.last().cloned()
    else {
        panic!("no connect: {:?}", sim.app);
    };
    assert_eq!(
        (nsp.as_str(), auth_json.as_str()),
        ("/custom", r#"{"token":"abc"}"#)
    );
    sim.server
        .emit(
            socket,
            "\"auth\"",
            &format!("[{auth_json}]"),
            &[],
            None,
            true,
            sim.now,
        )
        .unwrap();
    sim.collect();
    assert_eq!(
        texts(&sim.ws_read(conn, &mut ws)),
        [r#"42/custom,["auth",{"token":"abc"}]"#]
    );
    sim.ws_send(conn, &mut ws, "40/random");
    assert_eq!(
        texts(&sim.ws_read(conn, &mut ws)),
        [r#"44/random,{"message":"Invalid namespace"}"#]
    );
    sim.ws_send(conn, &mut ws, "40");
    sim.ws_read(conn, &mut ws);
    let Some(Output::Connect { socket: main, .. }) = sim.app.last().cloned() else {
        panic!("no connect");
    };
    sim.ws_send(
        conn,
        &mut ws,
        r#"451-7["message-with-ack",{"_placeholder":true,"num":0},1.50]"#,
    );
    assert!(sim.app.iter().all(|o| !matches!(o, Output::Event { .. })));
    ws.send_binary(&[0xca, 0xfe]).unwrap();
    let bytes = ws.take_output();
    sim.send(conn, &bytes);
    let Some(Output::Event {
        socket,
        name_json,
        args_json,
        attachments,
        ack,
    }) = sim.app.last().cloned()
    else {
        panic!("no event");
    };
    assert_eq!(socket, main);
    assert_eq!(name_json, "\"message-with-ack\"");
    assert_eq!(args_json, r#"[{"_placeholder":true,"num":0},1.50]"#);
    assert_eq!((attachments, ack), (vec![vec![0xca, 0xfe]], Some(7)));
    sim.server
        .ack(main, 7, &args_json, &[vec![0xca, 0xfe]], sim.now)
        .unwrap();
    sim.collect();
    let events = sim.ws_read(conn, &mut ws);
    assert_eq!(
        events,
        [
            OwnedEvent::Text(r#"461-7[{"_placeholder":true,"num":0},1.50]"#.into()),
            OwnedEvent::Binary(vec![0xca, 0xfe])
        ]
    );
    // DISCONNECT: no answer, session kept.
    sim.ws_send(conn, &mut ws, "41");
    assert!(sim.ws_read(conn, &mut ws).is_empty());
    assert_eq!(sim.server.session_count(), 1);
    // Malformed packets close the connection.
    sim.ws_send(conn, &mut ws, "42abc[\"x\"]");
    assert!(matches!(
        sim.ws_read(conn, &mut ws)[..],
        [OwnedEvent::Close { .. }]
    ));
    assert_eq!(sim.server.session_count(), 0);
}

#[test]
fn socketio_connect_timeout() {
    let mut sim = Sim::new(ServerConfig {
        ping_interval: 5000,
        ..sio_config()
    });
    let (conn, mut ws) = sim.ws_open("/socket.io/?EIO=4&transport=websocket");
    sim.ws_read(conn, &mut ws);
    sim.advance(999);
    assert_eq!(sim.server.session_count(), 1);
    sim.advance(1);
    assert_eq!(sim.server.session_count(), 0);
}

#[test]
fn socketio_v3_is_joined_to_main_namespace() {
    let mut sim = Sim::new(sio_config());
    let r = sim.http("GET", "/socket.io/?EIO=3&transport=polling&b64=1", "");
    let colon = r.body.find(':').unwrap();
    let open = engineio::OpenPacket::parse(&r.body[colon + 2..]).unwrap();
    let target = format!("/socket.io/?EIO=3&transport=polling&sid={}&b64=1", open.sid);
    assert_eq!(sim.http("GET", &target, "").body, "2:40");
    assert!(matches!(sim.app.last(), Some(Output::Connect { .. })));
}

#[test]
fn chunked_input_in_every_size_gives_the_same_answers() {
    for step in [1, 3, 17] {
        let mut sim = Sim::new(sio_config());
        let conn = sim.conn();
        let request = b"GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n";
        for piece in request.chunks(step) {
            sim.send(conn, piece);
        }
        let r = sim.take_response(conn).unwrap();
        assert_eq!(r.status, 200);
    }
}

#[test]
fn a_busy_session_keeps_one_timer_entry() {
    let mut sim = Sim::new(sio_config());
    let (conn, mut ws) = sim.ws_open("/engine.io/?EIO=4&transport=websocket");
    sim.ws_read(conn, &mut ws);
    // Unsolicited pongs and messages, each of which moves the heartbeat.
    for i in 0..100_000u32 {
        let text = if i % 2 == 0 { "3" } else { "4x" };
        ws.send_text(text).unwrap();
        if i % 1000 == 999 {
            let bytes = ws.take_output();
            sim.send(conn, &bytes);
            sim.now += 1;
            sim.ws_read(conn, &mut ws);
        }
    }
    assert_eq!(sim.server.session_count(), 1);
    assert!(
        sim.server.timer_entries() <= 2,
        "{} entries",
        sim.server.timer_entries()
    );
    // The heartbeat still works: a ping comes, and without a pong the
    // session times out.
    sim.advance(300);
    assert_eq!(texts(&sim.ws_read(conn, &mut ws)), ["2"]);
    sim.advance(200);
    assert_eq!(sim.server.session_count(), 0);
    assert_eq!(sim.server.timer_entries(), 1, "the closing WebSocket's wait");
}

#[test]
fn many_sessions_hold_one_live_entry_each() {
    let mut sim = Sim::new(sio_config());
    let sids: Vec<String> = (0..200).map(|_| sim.handshake("/engine.io/")).collect();
    for _ in 0..20 {
        for sid in &sids {
            let target = format!("/engine.io/?EIO=4&transport=polling&sid={sid}");
            sim.http("POST", &target, "4a\x1e4b");
        }
        sim.now += 1;
    }
    assert!(
        sim.server.timer_entries() <= 200,
        "{} entries",
        sim.server.timer_entries()
    );
}

#[test]
fn the_raw_engine_io_echo_is_off_by_default() {
    let mut sim = Sim::new(ServerConfig::default());
    let r = sim.http("GET", "/engine.io/?EIO=4&transport=polling", "");
    assert_eq!(r.status, 404);
    let r = sim.http("GET", "/socket.io/?EIO=4&transport=polling", "");
    assert_eq!(r.status, 200);
}

#[test]
fn cors_star_is_a_literal_star_without_credentials() {
    let mut sim = Sim::new(ServerConfig {
        cors_origin: Some("*".into()),
        ..sio_config()
    });
    let conn = sim.conn();
    let head =
        "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: a\r\nOrigin: https://evil.example\r\n\r\n";
    sim.send(conn, head.as_bytes());
    let r = sim.take_response(conn).unwrap();
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert_eq!(r.header("access-control-allow-credentials"), None);
    // A named origin is sent as it is, with credentials.
    let mut sim = Sim::new(ServerConfig {
        cors_origin: Some("https://app.example".into()),
        ..sio_config()
    });
    let conn = sim.conn();
    sim.send(conn, head.as_bytes());
    let r = sim.take_response(conn).unwrap();
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
}

#[test]
fn ids_come_from_the_os_random_source_or_not_at_all() {
    let failing = |_: &mut [u8]| Err(getrandom::Error::UNSUPPORTED);
    assert_eq!(id_from(failing), None);
    let id = id_from(|b: &mut [u8]| getrandom::getrandom(b)).unwrap();
    assert_eq!(id.len(), 20);
    assert_ne!(random_id(), random_id());
}

impl Sim {
    /// A Socket.IO client on a WebSocket, joined to `/`: its connection,
    /// WebSocket and socket handle.
    fn sio_ws(&mut self, eio: u8) -> (ConnId, Connection, SocketHandle) {
        let (conn, mut ws) = self.ws_open(&format!("/socket.io/?EIO={eio}&transport=websocket"));
        self.ws_read(conn, &mut ws);
        if eio == 4 {
            self.ws_send(conn, &mut ws, "40");
        }
        self.ws_read(conn, &mut ws);
        let Some(Output::Connect { socket, .. }) = self.app.last().cloned() else {
            panic!("no connect: {:?}", self.app);
        };
        (conn, ws, socket)
    }
}

#[test]
fn a_connect_waits_for_the_application() {
    let mut server = Server::new(sio_config());
    let (conn, mut ws) = manual_ws(&mut server);
    server.receive(conn, &client_text(&mut ws, "40/admin,{\"token\":1}"), 0);
    let outputs = server.take_output();
    let Some(Output::Connect {
        socket,
        nsp,
        auth_json,
        ..
    }) = outputs.last().cloned()
    else {
        panic!("{outputs:?}");
    };
    assert_eq!((nsp.as_str(), auth_json.as_str()), ("/admin", r#"{"token":1}"#));
    // Nothing is answered until the application decides.
    assert!(!outputs.iter().any(|o| matches!(o, Output::Write { .. })));
    server
        .refuse(socket, r#"{"message":"not authorized","data":{"code":7}}"#, 0)
        .unwrap();
    let written = written_to(server.take_output(), conn);
    assert_eq!(
        texts(&ws.receive(&written).unwrap()),
        [r#"44/admin,{"message":"not authorized","data":{"code":7}}"#]
    );
    assert!(
        server.accept(socket, &Identity::default(), 0).is_err(),
        "refused once and for all"
    );
    // An event while the CONNECT is pending closes the connection, as
    // socket.io does ("invalid state").
    server.receive(conn, &client_text(&mut ws, "40"), 0);
    server.take_output();
    server.receive(conn, &client_text(&mut ws, "42[\"early\"]"), 0);
    let written = written_to(server.take_output(), conn);
    assert!(matches!(
        ws.receive(&written).unwrap()[..],
        [OwnedEvent::Close { .. }]
    ));
}

/// A WebSocket-only Engine.IO v4 client on connection 900, past the open packet.
fn manual_ws(server: &mut Server) -> (ConnId, Connection) {
    let (mut client, request) = ClientHandshake::new(&ClientOptions {
        host: "localhost",
        path: "/socket.io/?EIO=4&transport=websocket",
        ..ClientOptions::default()
    })
    .unwrap();
    server.receive(900, &request, 0);
    let mut bytes = written_to(server.take_output(), 900);
    let (_, used) = client.feed(&bytes).unwrap().expect("101");
    bytes.drain(..used);
    let mut ws = Connection::new(Config::client());
    ws.receive(&bytes).unwrap();
    (900, ws)
}

fn client_text(ws: &mut Connection, text: &str) -> Vec<u8> {
    ws.send_text(text).unwrap();
    ws.take_output()
}

fn written_to(outputs: Vec<Output>, conn: ConnId) -> Vec<u8> {
    let mut bytes = Vec::new();
    for output in outputs {
        match output {
            Output::Write { conn: c, bytes: b } if c == conn => bytes.extend(b),
            Output::WriteShared { conns, bytes: b } if conns.contains(&conn) => bytes.extend(b),
            _ => {}
        }
    }
    bytes
}

#[test]
fn broadcasts_are_framed_once_and_respect_rooms() {
    let mut sim = Sim::new(sio_config());
    let (c1, mut w1, s1) = sim.sio_ws(4);
    let (c2, mut w2, s2) = sim.sio_ws(4);
    let (c3, _, s3) = sim.sio_ws(3);
    // A polling client: its packets wait in the buffer for a GET.
    let sid = sim.handshake("/socket.io/");
    let polling = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
    sim.http("POST", &polling, "40");
    sim.http("GET", &polling, "");
    let Some(Output::Connect { socket: s4, .. }) = sim.app.last().cloned() else {
        panic!("no connect");
    };
    const ALL: RoomId = 1;
    const RED: RoomId = 2;
    for s in [s1, s2, s3, s4] {
        sim.server.join(s, ALL).unwrap();
    }
    sim.server.join(s1, RED).unwrap();
    sim.server.join(s4, RED).unwrap();
    sim.app.clear();
    let count = sim
        .server
        .broadcast(
            "/",
            &[ALL],
            &[RED],
            "\"news\"",
            "[1]",
            &[],
            EmitFlags::default(),
            None,
            sim.now,
        )
        .unwrap();
    assert_eq!(count, 2);
    let outputs = sim.server.take_output();
    assert_eq!(outputs.len(), 2, "one write per protocol version: {outputs:?}");
    assert!(outputs.contains(&Output::Write {
        conn: c3,
        bytes: [&[0x81, 12][..], b"42[\"news\",1]"].concat()
    }));
    let news = [&[0x81, 12][..], b"42[\"news\",1]"].concat();
    assert!(outputs.contains(&Output::Write {
        conn: c2,
        bytes: news
    }));
    // Rooms at once without duplicates, acks with one id, binary attachments.
    let count = sim
        .server
        .broadcast(
            "/",
            &[ALL, RED],
            &[],
            "\"file\"",
            r#"[{"_placeholder":true,"num":0}]"#,
            &[vec![7, 8]],
            EmitFlags::default(),
            Some(0),
            sim.now,
        )
        .unwrap();
    assert_eq!(count, 4);
    let outputs = sim.server.take_output();
    let shared = outputs
        .iter()
        .find_map(|o| match o {
            Output::WriteShared { conns, bytes } => Some((conns.clone(), bytes.clone())),
            _ => None,
        })
        .expect("protocol 4 WebSocket clients share one write");
    assert_eq!(shared.0, [c1, c2]);
    let events = w2.receive(&shared.1).unwrap();
    assert_eq!(
        events,
        [
            OwnedEvent::Text(r#"451-0["file",{"_placeholder":true,"num":0}]"#.into()),
            OwnedEvent::Binary(vec![7, 8])
        ]
    );
    // The polling client (in RED, so not sent "news") gets its packets
    // with its next GET.
    assert_eq!(
        sim.http("GET", &polling, "").body,
        "451-0[\"file\",{\"_placeholder\":true,\"num\":0}]\u{1e}bBwg="
    );
    // Acks come back per socket with the shared id; unknown ids are dropped.
    sim.ws_send(c1, &mut w1, "430[\"ok\"]");
    sim.ws_send(c1, &mut w1, "439[\"nobody asked\"]");
    let acks: Vec<_> = sim
        .app
        .iter()
        .filter(|o| matches!(o, Output::Ack { .. }))
        .collect();
    assert_eq!(acks.len(), 1);
    // Volatile: the polling client without a waiting GET is skipped.
    let count = sim
        .server
        .broadcast("/", &[ALL], &[], "\"tick\"", "[]", &[], VOLATILE, None, sim.now)
        .unwrap();
    assert_eq!(count, 3);
    // A socket that left is out of its rooms.
    sim.ws_send(c2, &mut w2, "41");
    let count = sim
        .server
        .broadcast(
            "/",
            &[ALL],
            &[],
            "\"tick\"",
            "[]",
            &[],
            EmitFlags::default(),
            None,
            sim.now,
        )
        .unwrap();
    assert_eq!(count, 3);
    assert!(sim.server.join(s2, RED).is_err());
}

/// A request as an HTTP server hands it over (`Server::http_request`).
fn http_request(method: &str, target: &str, body: &str) -> Request {
    Request {
        method: method.into(),
        target: target.into(),
        http_minor: 1,
        headers: vec![("Host".into(), "localhost".into())],
        body: body.as_bytes().to_vec(),
    }
}

/// A polling session opened through `Server::http_request` (connections 1
/// and 2) whose client sent `connect` (a CONNECT packet): its polling
/// target and the socket waiting for an answer.
fn polling_socket(server: &mut Server, connect: &str) -> (String, SocketHandle) {
    server.http_request(
        1,
        http_request("GET", "/socket.io/?EIO=4&transport=polling", ""),
        0,
    );
    let Some(Output::SessionOpen { sid, .. }) = server.take_output().first().cloned() else {
        panic!("no session");
    };
    let target = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
    server.http_request(2, http_request("POST", &target, connect), 0);
    let socket = server
        .take_output()
        .iter()
        .find_map(|o| match o {
            Output::Connect { socket, .. } => Some(*socket),
            _ => None,
        })
        .expect("a pending socket");
    (target, socket)
}

#[test]
fn requests_from_an_http_server_are_answered_as_responses() {
    let mut server = Server::new(sio_config());
    server.http_request(
        1,
        http_request("GET", "/socket.io/?EIO=4&transport=polling", ""),
        0,
    );
    let outputs = server.take_output();
    let Some(Output::SessionOpen { conn: 1, sid, .. }) = outputs.first().cloned() else {
        panic!("{outputs:?}");
    };
    let Some(Output::Respond {
        conn: 1,
        status: 200,
        body,
        ..
    }) = outputs.last().cloned()
    else {
        panic!("{outputs:?}");
    };
    assert!(body.starts_with(b"0{\"sid\":"));
    // A GET with nothing to send waits; a POST releases it.
    let target = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
    server.http_request(2, http_request("GET", &target, ""), 0);
    assert!(server.take_output().is_empty());
    server.http_request(3, http_request("POST", &target, "40"), 0);
    let outputs = server.take_output();
    assert!(outputs.iter().any(|o| matches!(
        o,
        Output::Respond {
            conn: 3,
            status: 200,
            ..
        }
    )));
    let socket = outputs
        .iter()
        .find_map(|o| match o {
            Output::Connect { socket, .. } => Some(*socket),
            _ => None,
        })
        .unwrap();
    server.accept(socket, &Identity::default(), 0).unwrap();
    let outputs = server.take_output();
    let Some(Output::Respond { conn: 2, body, .. }) = outputs.first().cloned() else {
        panic!("{outputs:?}");
    };
    assert!(body.starts_with(b"40{\"sid\":"));
    assert!(!outputs
        .iter()
        .any(|o| matches!(o, Output::Write { .. } | Output::End { .. })));
    // shutdown: the socket leaves with socket.io's reason.
    server.http_request(4, http_request("GET", &target, ""), 0);
    server.shutdown(0);
    let outputs = server.take_output();
    assert!(outputs.contains(&Output::Disconnect {
        socket,
        reason: "server shutting down"
    }));
    assert!(outputs
        .iter()
        .any(|o| matches!(o, Output::Respond { conn: 4, body, .. } if body == b"1")));
    assert_eq!(server.session_count(), 0);
}

#[test]
fn a_request_trickled_a_byte_at_a_time_is_timed_out() {
    let mut sim = Sim::new(ServerConfig {
        request_timeout: 1_000,
        ..sio_config()
    });
    let conn = sim.conn();
    let head = b"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n";
    for byte in head.iter().take(30) {
        sim.send(conn, &[*byte]);
        sim.advance(30);
    }
    assert!(sim.wire.get(&conn).is_none_or(|(bytes, _)| bytes.is_empty()));
    sim.advance(200);
    let response = sim.take_response(conn).expect("408");
    assert_eq!(response.status, 408);
    assert!(sim.wire[&conn].1, "the connection is ended");
    // A keep-alive connection's next request gets its own deadline.
    let mut sim = Sim::new(ServerConfig {
        request_timeout: 1_000,
        ..sio_config()
    });
    let conn = sim.conn();
    sim.request(conn, "GET", "/socket.io/?EIO=4&transport=polling", "");
    assert_eq!(sim.take_response(conn).unwrap().status, 200);
    sim.advance(5_000);
    assert!(
        !sim.wire[&conn].1,
        "an idle connection between requests is not a slow request"
    );
    sim.send(conn, b"GET /socket.io/?EIO=4");
    sim.advance(999);
    assert!(sim.take_response(conn).is_none());
    sim.advance(1);
    assert_eq!(sim.take_response(conn).unwrap().status, 408);
}

#[test]
fn a_client_that_does_not_read_is_dropped() {
    let mut sim = Sim::new(sio_config());
    let (c1, _w1, s1) = sim.sio_ws(4);
    let (c2, mut w2, s2) = sim.sio_ws(4);
    for s in [s1, s2] {
        sim.server.join(s, 1).unwrap();
    }
    sim.server.congestion(c1, Congestion::Backlogged, sim.now);
    sim.collect();
    // Volatile packets skip it; others still go.
    let count = sim
        .server
        .broadcast("/", &[1], &[], "\"tick\"", "[]", &[], VOLATILE, None, sim.now)
        .unwrap();
    assert_eq!(count, 1);
    let count = sim
        .server
        .broadcast(
            "/",
            &[1],
            &[],
            "\"news\"",
            "[]",
            &[],
            EmitFlags::default(),
            None,
            sim.now,
        )
        .unwrap();
    assert_eq!(count, 2);
    sim.collect();
    // Draining in time keeps it; staying backlogged for pingTimeout ends it.
    sim.advance(150);
    sim.server.congestion(c1, Congestion::Drained, sim.now);
    sim.server.congestion(c1, Congestion::Backlogged, sim.now);
    sim.advance(199);
    assert_eq!(sim.server.session_count(), 2);
    sim.advance(1);
    assert_eq!(sim.server.session_count(), 1);
    assert!(sim.app.contains(&Output::Disconnect {
        socket: s1,
        reason: "transport error"
    }));
    assert!(sim.wire[&c1].1, "ended at once");
    // Overflowing: at once.
    sim.server.congestion(c2, Congestion::Overflowing, sim.now);
    sim.collect();
    assert_eq!(sim.server.session_count(), 0);
    assert!(sim.wire[&c2].1);
    let _ = sim.ws_read(c2, &mut w2);
}

#[test]
fn a_polling_client_that_does_not_poll_is_dropped_past_the_buffer_bound() {
    let mut sim = Sim::new(ServerConfig {
        max_buffered_bytes: 10_000,
        ..sio_config()
    });
    let sid = sim.handshake("/socket.io/");
    let polling = format!("/socket.io/?EIO=4&transport=polling&sid={sid}");
    sim.http("POST", &polling, "40");
    sim.http("GET", &polling, "");
    let Some(Output::Connect { socket, .. }) = sim.app.last().cloned() else {
        panic!("no connect");
    };
    let chunk = format!("[\"{}\"]", "x".repeat(1_000));
    for _ in 0..9 {
        sim.server
            .emit(socket, "\"big\"", &chunk, &[], None, true, sim.now)
            .unwrap();
    }
    assert_eq!(sim.server.session_count(), 1);
    sim.server
        .emit(socket, "\"big\"", &chunk, &[], None, true, sim.now)
        .unwrap();
    sim.collect();
    assert_eq!(sim.server.session_count(), 0);
    assert!(sim.app.contains(&Output::Disconnect {
        socket,
        reason: "transport error"
    }));
}

#[test]
fn permessage_deflate_is_agreed_when_allowed_and_compresses_above_the_threshold() {
    use crate::deflate::DeflateOptions;
    let mut sim = Sim::new(ServerConfig {
        per_message_deflate: Some(DeflateOptions {
            threshold: 16,
            ..DeflateOptions::default()
        }),
        ..sio_config()
    });
    let (conn, mut ws, socket) = sim.sio_client_in_room(true, 1);
    let long = format!("[\"{}\"]", "z".repeat(200));
    sim.server
        .broadcast(
            "/",
            &[1],
            &[],
            "\"big\"",
            &long,
            &[],
            EmitFlags::default(),
            None,
            sim.now,
        )
        .unwrap();
    sim.server
        .emit(socket, "\"small\"", "[]", &[], None, true, sim.now)
        .unwrap();
    sim.collect();
    let (wire, _) = sim.wire.get(&conn).unwrap().clone();
    // The first frame is compressed (RSV1), and small; the second is not.
    assert_eq!(wire[0] & 0x40, 0x40, "RSV1 on the long message");
    assert!(wire.len() < 100, "{} bytes on the wire", wire.len());
    assert_eq!(
        texts(&sim.ws_read(conn, &mut ws)),
        [
            format!("42[\"big\",\"{}\"]", "z".repeat(200)),
            "42[\"small\"]".to_string()
        ]
    );
    // Without the option nothing is agreed, whatever the client offers.
    let (_, response) = Sim::new(sio_config()).ws_open_offering_deflate();
    assert!(response.extensions.is_empty());
}

impl Sim {
    /// A Socket.IO client over WebSocket (with permessage-deflate agreed
    /// when `deflate`), connected to `/` and in `room`: its connection,
    /// the client's side, and its socket.
    fn sio_client_in_room(&mut self, deflate: bool, room: RoomId) -> (ConnId, Connection, SocketHandle) {
        use crate::deflate::{DeflateOptions, DeflateSettings};
        let mut config = Config::client();
        let conn = if deflate {
            let (conn, response) = self.ws_open_offering_deflate();
            let params = crate::deflate::accept_response(&response.extensions, &DeflateOptions::default())
                .unwrap()
                .expect("permessage-deflate agreed");
            config.deflate = Some(DeflateSettings::new(params));
            conn
        } else {
            self.ws_open("/socket.io/?EIO=4&transport=websocket").0
        };
        let mut ws = Connection::new(config);
        self.ws_read(conn, &mut ws);
        self.ws_send(conn, &mut ws, "40");
        self.ws_read(conn, &mut ws);
        let Some(Output::Connect { socket, .. }) = self.app.last().cloned() else {
            panic!("no connect");
        };
        self.server.join(socket, room).unwrap();
        (conn, ws, socket)
    }

    /// A Socket.IO WebSocket whose client offers permessage-deflate.
    fn ws_open_offering_deflate(&mut self) -> (ConnId, crate::handshake::HandshakeResponse) {
        let offer = crate::deflate::offer(&crate::deflate::DeflateOptions::default());
        self.ws_handshake("/socket.io/?EIO=4&transport=websocket", &[offer])
    }
}

#[test]
fn a_polling_handshake_answer_carries_the_session_cookie() {
    let mut sim = Sim::new(ServerConfig {
        cookie: Some("io={sid}; Path=/; HttpOnly; SameSite=Lax".into()),
        ..sio_config()
    });
    let r = sim.http("GET", "/socket.io/?EIO=4&transport=polling", "");
    let sid = engineio::OpenPacket::parse(&r.body[1..]).unwrap().sid;
    assert_eq!(
        r.header("set-cookie"),
        Some(format!("io={sid}; Path=/; HttpOnly; SameSite=Lax").as_str())
    );
    let later = sim.http(
        "POST",
        &format!("/socket.io/?EIO=4&transport=polling&sid={sid}"),
        "40",
    );
    assert_eq!(later.header("set-cookie"), None);
    let (conn, response) = sim.ws_handshake("/socket.io/?EIO=4&transport=websocket", &[]);
    let mut ws = Connection::new(Config::client());
    let open = texts(&sim.ws_read(conn, &mut ws));
    let ws_sid = engineio::OpenPacket::parse(&open[0][1..]).unwrap().sid;
    let cookie = response
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, v)| v.clone());
    assert!(!ws_sid.is_empty());
    assert_eq!(cookie, None, "engine.io sends none on this 101");
    // No cookie configured: none sent.
    let r = Sim::new(sio_config()).http("GET", "/socket.io/?EIO=4&transport=polling", "");
    assert_eq!(r.header("set-cookie"), None);
}

#[test]
fn emitted_names_follow_the_rule_received_names_follow() {
    let mut sim = Sim::new(sio_config());
    let (_, _, socket) = sim.sio_ws(4);
    for bad in [
        "true",
        "null",
        "[1]",
        "{}",
        "\"connect\"",
        "\"disconnecting\"",
        "nope",
    ] {
        let err = sim
            .server
            .emit(socket, bad, "[]", &[], None, true, sim.now)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{bad}");
        let err = sim.server.broadcast(
            "/",
            &[1],
            &[],
            bad,
            "[]",
            &[],
            EmitFlags::default(),
            None,
            sim.now,
        );
        assert!(err.is_err(), "{bad}");
    }
    for good in ["\"chat\"", "7", " \"spaced\" "] {
        sim.server
            .emit(socket, good, "[]", &[], None, true, sim.now)
            .unwrap();
    }
}

#[test]
fn a_recovered_socket_gets_its_missed_events_before_a_connect_answer_with_its_old_id() {
    let mut server = Server::new(sio_config());
    let (target, socket) = polling_socket(&mut server, r#"40{"pid":"p1","offset":"o7"}"#);
    // Pending: an event may go out already (socket.io writes a recovered
    // session's missed packets from the socket's constructor).
    server
        .emit(socket, "\"missed\"", r#"[1,"o8"]"#, &[], None, true, 0)
        .unwrap();
    let identity = Identity {
        id: Some("old-id".into()),
        pid: Some("p1".into()),
    };
    server.accept(socket, &identity, 0).unwrap();
    server.take_output();
    server.http_request(3, http_request("GET", &target, ""), 0);
    let outputs = server.take_output();
    let Some(Output::Respond { conn: 3, body, .. }) = outputs.first().cloned() else {
        panic!("{outputs:?}");
    };
    assert_eq!(
        body,
        b"42[\"missed\",1,\"o8\"]\x1e40{\"sid\":\"old-id\",\"pid\":\"p1\"}"
    );
    // Accepted once: a second answer is refused.
    assert!(server.accept(socket, &identity, 0).is_err());
}

/// A WebSocket upgrade request as an HTTP server hands it over (`Server::upgrade`).
fn upgrade_request(target: &str) -> Request {
    Request {
        method: "GET".into(),
        target: target.into(),
        http_minor: 1,
        headers: vec![
            ("Host".into(), "localhost".into()),
            ("Upgrade".into(), "websocket".into()),
            ("Connection".into(), "Upgrade".into()),
            ("Sec-WebSocket-Key".into(), "dGhlIHNhbXBsZSBub25jZQ==".into()),
            ("Sec-WebSocket-Version".into(), "13".into()),
        ],
        body: Vec::new(),
    }
}

fn refusal(outputs: &[Output]) -> Option<(u8, &'static str)> {
    outputs.iter().find_map(|o| match o {
        Output::Refused { code, name, .. } => Some((*code, *name)),
        _ => None,
    })
}

#[test]
fn session_ids_the_application_chooses_open_sessions_unless_unusable_or_taken() {
    let mut server = Server::new(sio_config());
    let handshake = || http_request("GET", "/socket.io/?EIO=4&transport=polling", "");
    server.http_request_as(1, handshake(), Some("user-42".into()), 0);
    let outputs = server.take_output();
    assert!(matches!(outputs.first(), Some(Output::SessionOpen { sid, .. }) if sid == "user-42"));
    let Some(Output::Respond {
        status: 200, body, ..
    }) = outputs.last()
    else {
        panic!("{outputs:?}");
    };
    assert!(body.starts_with(br#"0{"sid":"user-42","#));
    // Taken, or not a cookie value: 400 "Bad request", and no session.
    for (conn, id) in [
        (2, "user-42"),
        (3, "a b"),
        (4, "x\"y"),
        (5, ""),
        (6, &"z".repeat(129)),
    ] {
        server.http_request_as(conn, handshake(), Some(id.to_string()), 0);
        let outputs = server.take_output();
        assert_eq!(refusal(&outputs), Some((3, "ID_GENERATION_ERROR")), "{id:?}");
        assert!(
            matches!(outputs.last(), Some(Output::Respond { status: 400, body, .. })
                if body == br#"{"code":3,"message":"Bad request"}"#),
            "{outputs:?}"
        );
        assert!(!outputs.iter().any(|o| matches!(o, Output::SessionOpen { .. })));
    }
    // A WebSocket handshake too.
    server.upgrade_as(
        7,
        upgrade_request("/socket.io/?EIO=4&transport=websocket"),
        vec![],
        Some("ws-7".into()),
        0,
    );
    let outputs = server.take_output();
    assert!(
        outputs
            .iter()
            .any(|o| matches!(o, Output::SessionOpen { sid, .. } if sid == "ws-7")),
        "{outputs:?}"
    );
    assert_eq!(server.session_count(), 2);
}

#[test]
fn refusals_tell_engine_io_s_error_code_and_cause() {
    let mut server = Server::new(sio_config());
    let refused = |server: &mut Server, conn, request: Request| {
        server.http_request(conn, request, 0);
        refusal(&server.take_output())
    };
    let unknown = http_request("GET", "/socket.io/?EIO=4&transport=polling&sid=nope", "");
    assert_eq!(refused(&mut server, 1, unknown), Some((1, "")));
    let post = http_request("POST", "/socket.io/?EIO=4&transport=polling", "");
    assert_eq!(refused(&mut server, 2, post), Some((2, "")));
    let not_upgraded = http_request("GET", "/socket.io/?EIO=4&transport=websocket", "");
    assert_eq!(
        refused(&mut server, 3, not_upgraded),
        Some((3, "TRANSPORT_HANDSHAKE_ERROR"))
    );
    let v9 = http_request("GET", "/socket.io/?EIO=9&transport=polling", "");
    assert_eq!(refused(&mut server, 4, v9), Some((5, "")));
    // A WebSocket session asked for over polling.
    server.upgrade(
        5,
        upgrade_request("/socket.io/?EIO=4&transport=websocket"),
        vec![],
        0,
    );
    let Some(sid) = server.take_output().iter().find_map(|o| match o {
        Output::SessionOpen { sid, .. } => Some(sid.clone()),
        _ => None,
    }) else {
        panic!("no session");
    };
    let mismatch = http_request(
        "GET",
        &format!("/socket.io/?EIO=4&transport=polling&sid={sid}"),
        "",
    );
    assert_eq!(refused(&mut server, 6, mismatch), Some((3, "TRANSPORT_MISMATCH")));
    // An upgrade for a session nobody has: 400, as engine.io's verify answers.
    server.upgrade(
        7,
        upgrade_request("/socket.io/?EIO=4&transport=websocket&sid=nope"),
        vec![],
        0,
    );
    let outputs = server.take_output();
    assert_eq!(refusal(&outputs), Some((1, "")));
    let written: Vec<u8> = outputs
        .iter()
        .filter_map(|o| match o {
            Output::Write { conn: 7, bytes } => Some(bytes.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    assert!(written.starts_with(b"HTTP/1.1 400 Bad Request\r\n"));
    assert!(written.ends_with(b"Session ID unknown"));
    assert!(outputs.contains(&Output::End { conn: 7 }));
    // Accepted requests tell nothing of the kind.
    let handshake = http_request("GET", "/socket.io/?EIO=4&transport=polling", "");
    assert_eq!(refused(&mut server, 8, handshake), None);
}

#[test]
fn usable_session_ids_are_cookie_values_of_1_to_128_bytes() {
    for id in [
        "a",
        "user-42",
        "G4J3Ci0cNDWd_Fz-AAAC",
        "550e8400-e29b-41d4-a716-446655440000",
        "ns:1/x",
    ] {
        assert!(valid_session_id(id), "{id}");
    }
    for id in ["", "a b", "a;b", "a,b", "a\"b", "a\\b", "é", "a\u{7f}"] {
        assert!(!valid_session_id(id), "{id:?}");
    }
    assert!(valid_session_id(&"z".repeat(128)));
    assert!(!valid_session_id(&"z".repeat(129)));
}

#[test]
fn packets_sent_with_compress_false_go_out_without_permessage_deflate() {
    use crate::deflate::DeflateOptions;
    let mut sim = Sim::new(ServerConfig {
        per_message_deflate: Some(DeflateOptions::default()),
        ..sio_config()
    });
    let (conn, mut ws, socket) = sim.sio_client_in_room(true, 1);
    // A client without permessage-deflate in the same room.
    let (plain, mut plain_ws, _) = sim.sio_client_in_room(false, 1);
    let long = format!("[\"{}\"]", "z".repeat(2000));
    let mut first_frames = |sim: &mut Sim, send: &dyn Fn(&mut Server)| {
        sim.server.take_output();
        send(&mut sim.server);
        let outputs = sim.server.take_output();
        let shared = outputs
            .iter()
            .any(|o| matches!(o, Output::WriteShared { conns, .. } if conns.contains(&conn)));
        for output in outputs {
            sim.apply(output);
        }
        let wire = sim.wire.get(&conn).unwrap().0.clone();
        let events = sim.ws_read(conn, &mut ws);
        sim.ws_read(plain, &mut plain_ws);
        (wire[0] & 0x40 != 0, wire.len(), shared, texts(&events))
    };
    let expected = vec![format!("42[\"big\",\"{}\"]", "z".repeat(2000))];
    let uncompressed = EmitFlags {
        compress: false,
        ..EmitFlags::default()
    };
    // emit: compressed by default, not with compress false.
    let (rsv1, len, _, got) = first_frames(&mut sim, &|s| {
        s.emit(socket, "\"big\"", &long, &[], None, true, 0).unwrap()
    });
    assert!(rsv1 && len < 100 && got == expected, "{rsv1} {len}");
    let (rsv1, len, _, got) = first_frames(&mut sim, &|s| {
        s.emit(socket, "\"big\"", &long, &[], None, false, 0).unwrap()
    });
    assert!(!rsv1 && len > 2000 && got == expected, "{rsv1} {len}");
    // broadcast: uncompressed, the deflate client shares the plain client's frames.
    let (rsv1, _, shared, got) = first_frames(&mut sim, &|s| {
        s.broadcast(
            "/",
            &[1],
            &[],
            "\"big\"",
            &long,
            &[],
            EmitFlags::default(),
            None,
            0,
        )
        .unwrap();
    });
    assert!(rsv1 && !shared && got == expected);
    let (rsv1, _, shared, got) = first_frames(&mut sim, &|s| {
        s.broadcast("/", &[1], &[], "\"big\"", &long, &[], uncompressed, None, 0)
            .unwrap();
    });
    assert!(!rsv1 && shared && got == expected);
    // The context survives the uncompressed messages in between.
    let (rsv1, _, _, got) = first_frames(&mut sim, &|s| {
        s.emit(socket, "\"big\"", &long, &[], None, true, 0).unwrap()
    });
    assert!(rsv1 && got == expected);
}

#[test]
fn a_poll_answer_may_be_compressed_unless_all_its_packets_said_not_to() {
    let mut server = Server::new(sio_config());
    let (target, socket) = polling_socket(&mut server, "40");
    server.accept(socket, &Identity::default(), 0).unwrap();
    let poll_compress = |server: &mut Server, conn| {
        server.http_request(conn, http_request("GET", &target, ""), 0);
        server.take_output().iter().find_map(|o| match o {
            Output::Respond {
                conn: c, compress, ..
            } if *c == conn => Some(*compress),
            _ => None,
        })
    };
    // The CONNECT answer: compressible, as every packet is by default.
    assert_eq!(poll_compress(&mut server, 3), Some(true));
    server.emit(socket, "\"a\"", "[]", &[], None, false, 0).unwrap();
    assert_eq!(poll_compress(&mut server, 4), Some(false));
    server.emit(socket, "\"a\"", "[]", &[], None, false, 0).unwrap();
    server.emit(socket, "\"b\"", "[]", &[], None, true, 0).unwrap();
    assert_eq!(poll_compress(&mut server, 5), Some(true));
    let uncompressed = EmitFlags {
        compress: false,
        ..EmitFlags::default()
    };
    server.join(socket, 1).unwrap();
    server
        .broadcast("/", &[1], &[], "\"c\"", "[]", &[], uncompressed, None, 0)
        .unwrap();
    assert_eq!(poll_compress(&mut server, 6), Some(false));
}

#[test]
fn the_initial_packet_follows_the_open_packet_in_the_handshake_answer() {
    let mut sim = Sim::new(sio_config());
    sim.server
        .set_initial_packet(Some(PacketData::Text("welcome".into())));
    let r = sim.http("GET", "/engine.io/?EIO=4&transport=polling", "");
    let (open, rest) = r.body.split_once('\u{1e}').expect("two packets");
    assert!(open.starts_with("0{\"sid\":"));
    assert_eq!(rest, "4welcome");
    // Over WebSocket, as the message after the open packet; binary too.
    sim.server
        .set_initial_packet(Some(PacketData::Binary(vec![1, 2, 3])));
    let (conn, mut ws) = sim.ws_open("/engine.io/?EIO=4&transport=websocket");
    let events = sim.ws_read(conn, &mut ws);
    assert!(
        matches!(&events[..], [OwnedEvent::Text(open), OwnedEvent::Binary(bytes)]
        if open.starts_with("0{") && bytes == &[1, 2, 3]),
        "{events:?}"
    );
    sim.server.set_initial_packet(None);
    let r = sim.http("GET", "/engine.io/?EIO=4&transport=polling", "");
    assert!(!r.body.contains('\u{1e}'));
}

#[test]
fn an_observed_session_reports_its_packets_both_ways_and_others_report_nothing() {
    let mut sim = Sim::new(sio_config());
    let (conn, mut ws, socket) = sim.sio_client_in_room(false, 1);
    let sid = sim.server.sockets.get(&socket).cloned().expect("a session");
    let packets = |sim: &mut Sim| -> Vec<(bool, bool, PacketType, String)> {
        std::mem::take(&mut sim.app)
            .into_iter()
            .filter_map(|o| match o {
                Output::Packet {
                    received,
                    heartbeat,
                    packet,
                    ..
                } => Some((received, heartbeat, packet.kind, format!("{:?}", packet.data))),
                Output::Drain { .. } => Some((false, false, PacketType::Noop, "drain".into())),
                _ => None,
            })
            .collect()
    };
    sim.ws_send(conn, &mut ws, "42[\"a\"]");
    sim.collect();
    assert!(packets(&mut sim).is_empty());
    sim.server.observe(&sid, true);
    sim.ws_send(conn, &mut ws, "42[\"b\"]");
    sim.server
        .emit(socket, "\"c\"", "[]", &[], None, false, sim.now)
        .unwrap();
    sim.collect();
    sim.ws_send(conn, &mut ws, "3");
    sim.collect();
    let text = |t: &str| format!("{:?}", PacketData::Text(t.into()));
    assert_eq!(
        packets(&mut sim),
        [
            (true, false, PacketType::Message, text("2[\"b\"]")),
            (false, false, PacketType::Message, text("2[\"c\"]")),
            (false, false, PacketType::Noop, "drain".into()),
            (true, true, PacketType::Pong, format!("{:?}", PacketData::Empty)),
        ]
    );
    sim.server.observe(&sid, false);
    sim.ws_send(conn, &mut ws, "42[\"d\"]");
    sim.collect();
    assert!(packets(&mut sim).is_empty());
}

/// The parser of socket.io's "Custom parser" page: a packet is the JSON
/// text of `{ type, nsp, id, data }`. Keeps what it decoded by token, as
/// an application does, and which sessions' decoders were let go.
#[derive(Default)]
struct JsonTextCodec {
    decoded: std::rc::Rc<std::cell::RefCell<Vec<serde_json::Value>>>,
    closed: std::rc::Rc<std::cell::RefCell<Vec<String>>>,
}

impl PacketCodec for JsonTextCodec {
    fn encode(&mut self, packet: &crate::socketio::Packet) -> Result<Vec<PacketData>> {
        let mut object = serde_json::Map::new();
        object.insert("type".into(), (packet.kind as u8).into());
        object.insert("nsp".into(), packet.nsp.clone().into());
        if let Some(id) = packet.id {
            object.insert("id".into(), id.into());
        }
        if let Some(data) = &packet.data {
            object.insert("data".into(), data.clone());
        }
        Ok(vec![PacketData::Text(
            serde_json::Value::Object(object).to_string(),
        )])
    }

    fn decode(&mut self, _sid: &str, data: PacketData) -> Decoded {
        let mut decoded = self.decoded.borrow_mut();
        let token = decoded.len() as u32;
        let PacketData::Text(text) = data else {
            decoded.push(serde_json::Value::Null);
            return Decoded::Invalid { token };
        };
        let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
            decoded.push(serde_json::Value::Null);
            return Decoded::Invalid { token };
        };
        let kind = value["type"]
            .as_u64()
            .and_then(|n| crate::socketio::PacketType::from_number(n as u8));
        let nsp = value["nsp"].as_str().map(str::to_string);
        let id = value["id"].as_u64();
        decoded.push(value);
        match (kind, nsp) {
            (Some(kind), Some(nsp)) => Decoded::Packets(vec![DecodedPacket { kind, nsp, id, token }]),
            _ => Decoded::Invalid { token },
        }
    }

    fn session_closed(&mut self, sid: &str) {
        self.closed.borrow_mut().push(sid.to_string());
    }
}

fn decoded_of(outputs: &[Output]) -> Vec<(u32, Option<SocketHandle>)> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Decoded { token, socket } => Some((*token, *socket)),
            _ => None,
        })
        .collect()
}

#[test]
fn an_application_codec_decodes_while_the_core_keeps_socket_io_rules() {
    let codec = JsonTextCodec::default();
    let closed = codec.closed.clone();
    let mut server = Server::new(sio_config());
    server.set_packet_codec(Some(Box::new(codec)));
    let (conn, mut ws) = manual_ws(&mut server);
    let sid = server.sessions.keys().next().cloned().unwrap();
    server.take_output();
    // A CONNECT makes a pending socket: the decoded packet's record (its
    // auth is for that socket) comes before the connect record.
    server.receive(
        conn,
        &client_text(&mut ws, r#"4{"type":0,"nsp":"/","data":{"t":1}}"#),
        0,
    );
    let outputs = server.take_output();
    let Some(Output::Connect { socket, .. }) = outputs.get(1).cloned() else {
        panic!("{outputs:?}");
    };
    assert_eq!(decoded_of(&outputs), [(0, Some(socket))]);
    // The answer is in the application's format.
    server.accept(socket, &Identity::default(), 0).unwrap();
    let answer = texts(&ws.receive(&written_to(server.take_output(), conn)).unwrap());
    let id = server
        .client_of(socket)
        .unwrap()
        .1
        .socket(socket)
        .unwrap()
        .id
        .clone();
    assert_eq!(
        answer,
        [format!(r#"4{{"type":0,"nsp":"/","data":{{"sid":"{id}"}}}}"#)]
    );
    // Events are the socket's; an ack only when awaited, and once.
    server
        .emit_encoded(socket, vec![PacketData::Text("emitted".into())], Some(5), true, 0)
        .unwrap();
    for text in [
        r#"4{"type":2,"nsp":"/","data":["ev"],"id":3}"#,
        r#"4{"type":3,"nsp":"/","data":[],"id":6}"#,
        r#"4{"type":3,"nsp":"/","data":[],"id":5}"#,
        r#"4{"type":3,"nsp":"/","data":[],"id":5}"#,
    ] {
        server.receive(conn, &client_text(&mut ws, text), 0);
    }
    let outputs = server.take_output();
    assert_eq!(
        decoded_of(&outputs),
        [(1, Some(socket)), (2, None), (3, Some(socket)), (4, None)]
    );
    assert_eq!(
        texts(&ws.receive(&written_to(outputs, conn)).unwrap()),
        ["4emitted"]
    );
    server
        .ack_encoded(socket, vec![PacketData::Binary(vec![1, 2])], 0)
        .unwrap();
    // A broadcast of encoded messages reaches the room's sockets.
    server.join(socket, 1).unwrap();
    let all = vec![PacketData::Text("all".into())];
    assert_eq!(
        server.broadcast_encoded("/", &[1], &[], all, EmitFlags::default(), None, 0),
        1
    );
    let events = ws.receive(&written_to(server.take_output(), conn)).unwrap();
    assert_eq!(texts(&events), ["4all"]);
    assert!(events
        .iter()
        .any(|e| matches!(e, OwnedEvent::Binary(b) if b[..] == [1, 2])));
    // A second namespace refused: CONNECT_ERROR in the application's format.
    server.receive(conn, &client_text(&mut ws, r#"4{"type":0,"nsp":"/admin"}"#), 0);
    let Some(Output::Connect { socket: admin, .. }) = server.take_output().get(1).cloned() else {
        panic!("no connect");
    };
    server.refuse(admin, r#"{"message":"no"}"#, 0).unwrap();
    let refused = texts(&ws.receive(&written_to(server.take_output(), conn)).unwrap());
    assert_eq!(refused, [r#"4{"type":4,"nsp":"/admin","data":{"message":"no"}}"#]);
    // The server's DISCONNECT too.
    server.disconnect(socket, 0).unwrap();
    let outputs = server.take_output();
    assert!(outputs.iter().any(|o| matches!(
        o,
        Output::Disconnect {
            reason: "server namespace disconnect",
            ..
        }
    )));
    assert_eq!(
        texts(&ws.receive(&written_to(outputs, conn)).unwrap()),
        [r#"4{"type":1,"nsp":"/"}"#]
    );
    // A packet for a namespace never joined closes the connection; the
    // session's decoder is let go.
    server.receive(
        conn,
        &client_text(&mut ws, r#"4{"type":2,"nsp":"/x","data":["e"]}"#),
        0,
    );
    let outputs = server.take_output();
    assert_eq!(decoded_of(&outputs), [(6, None)]);
    let events = ws.receive(&written_to(outputs, conn)).unwrap();
    assert!(
        events.iter().any(|e| matches!(e, OwnedEvent::Close { .. })),
        "{events:?}"
    );
    assert_eq!(*closed.borrow(), [sid]);
}

#[test]
fn a_client_namespace_disconnect_before_its_close_is_taken_first() {
    let mut server = Server::new(sio_config());
    server.set_packet_codec(Some(Box::new(JsonTextCodec::default())));
    let (conn, mut ws) = manual_ws(&mut server);
    server.receive(conn, &client_text(&mut ws, r#"4{"type":0,"nsp":"/"}"#), 0);
    let Some(Output::Connect { socket, .. }) = server.take_output().get(1).cloned() else {
        panic!("no connect");
    };
    server.accept(socket, &Identity::default(), 0).unwrap();
    server.take_output();
    // DISCONNECT and the WebSocket close in one read, as socket.io-client sends them.
    let mut bytes = client_text(&mut ws, r#"4{"type":1,"nsp":"/"}"#);
    ws.close(Some(crate::close::NORMAL), "").unwrap();
    bytes.extend(ws.take_output());
    server.receive(conn, &bytes, 0);
    let reasons: Vec<_> = server
        .take_output()
        .into_iter()
        .filter_map(|o| match o {
            Output::Disconnect { reason, .. } => Some(reason),
            _ => None,
        })
        .collect();
    assert_eq!(reasons, ["client namespace disconnect"]);
}

#[test]
fn an_undecodable_message_closes_the_session() {
    let mut server = Server::new(sio_config());
    server.set_packet_codec(Some(Box::new(JsonTextCodec::default())));
    let (conn, mut ws) = manual_ws(&mut server);
    server.take_output();
    server.receive(conn, &client_text(&mut ws, "4not json"), 0);
    let outputs = server.take_output();
    assert_eq!(decoded_of(&outputs), [(0, None)]);
    let events = ws.receive(&written_to(outputs, conn)).unwrap();
    assert!(matches!(events[..], [OwnedEvent::Close { .. }]), "{events:?}");
}
