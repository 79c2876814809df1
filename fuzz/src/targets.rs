//! One function per fuzz target. Each reads a few control bytes from the
//! front of the input (role, options, how to split the rest), runs a parser
//! on the rest and checks what must hold whatever the bytes: no panic, no
//! output past a limit, the same answer however the input is split, and for
//! the differential targets the same answer as an independent implementation.
//!
//! Limits here are small so that a bomb shows as an error, not as memory:
//! the `-malloc_limit_mb` of `npm run fuzz` is set from them.

use wsframe::capture::{self, CaptureOptions, DeflateOverride, Dir};
use wsframe::deflate::{
    inflate_message, Compressor, Decompressor, DeflateOptions, DeflateParams, DeflateSettings, InflateFailure,
};
use wsframe::engineio::{self, PayloadLimits, StreamDecoder, Version};
use wsframe::frame::{DecoderConfig, FrameDecoder, Role};
use wsframe::handshake::{self, ClientHandshake, ClientOptions, HeadLimits, ProtocolChoice, ServerHandshake};
use wsframe::http::{RequestLimits, RequestReader};
use wsframe::inspect::{self, InspectDeflate, InspectOptions};
use wsframe::protocol::{Config, Connection, Delivery, MessageKind, OwnedEvent};
use wsframe::server::{Congestion, EmitFlags, Identity, Output, Server, ServerConfig, SocketHandle};
use wsframe::socketio::{self, DecodeOptions, Decoder};
use wsframe::utf8::Utf8Validator;
use wsframe::Error;

/// Largest message a fuzzed connection accepts: small, so that inflating
/// past it is found quickly.
const MAX_MESSAGE: u64 = 1 << 16;

/// Control bytes read from the front of an input; zero once it runs out.
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Input { data }
    }

    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    pub fn rest(self) -> &'a [u8] {
        self.data
    }
}

/// `data` in pieces whose sizes come from `seed`: 0 keeps it whole, other
/// seeds give runs of 1-byte, small, medium or large pieces, so one input is
/// tried across splits inside headers, lengths and UTF-8 sequences.
pub fn chunks(data: &[u8], seed: u8) -> Vec<&[u8]> {
    if seed == 0 || data.is_empty() {
        return vec![data];
    }
    let most = [1usize, 3, 7, 16, 61, 255, 1024, 4096][usize::from(seed & 7)];
    let mut state = u32::from(seed).wrapping_mul(0x9e37_79b9) | 1;
    let mut pieces = Vec::new();
    let mut at = 0;
    while at < data.len() {
        // xorshift32: cheap and deterministic, so a crash replays.
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let size = 1 + state as usize % most;
        let end = (at + size).min(data.len());
        pieces.push(&data[at..end]);
        at = end;
    }
    pieces
}

/// Text from fuzz bytes: the bytes themselves when they are UTF-8.
fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every error about input has an offset inside what was fed.
fn check_offset(error: &Error, fed: usize) {
    if let Some(offset) = error.offset() {
        assert!(
            offset <= fed as u64 + 16,
            "offset {offset} past the {fed} bytes fed: {error}"
        );
    }
}

// ---------------------------------------------------------------------------
// WebSocket frames and connections

/// The frame decoder, strict (a role) or lenient (none): the frames and the
/// error are the same whether the input comes whole or in pieces.
pub fn frame_decoder(data: &[u8]) {
    let mut input = Input::new(data);
    let flags = input.byte();
    let seed = input.byte();
    let wire = input.rest();
    let config = DecoderConfig {
        role: [None, Some(Role::Server), Some(Role::Client), None][usize::from(flags & 3)],
        max_frame_size: if flags & 4 != 0 { 125 } else { MAX_MESSAGE },
        allowed_rsv: (flags >> 3) & 7,
        strict_length: flags & 0x40 != 0,
    };
    let run = |pieces: Vec<&[u8]>| {
        let mut decoder = FrameDecoder::new(config);
        let mut frames = Vec::new();
        for piece in pieces {
            match decoder.push(piece) {
                Ok(got) => frames.extend(got),
                Err(e) => return (frames, Some(e)),
            }
        }
        (frames, decoder.finish().err())
    };
    let (whole, whole_error) = run(vec![wire]);
    let (split, split_error) = run(chunks(wire, seed));
    assert_eq!(
        whole_error.as_ref().map(|e| (e.kind(), e.offset())),
        split_error.as_ref().map(|e| (e.kind(), e.offset())),
        "errors differ with the split"
    );
    // `push` drops the frames of the call that fails, so with an error
    // each run gives a prefix of the frames before it.
    if whole_error.is_none() {
        assert_eq!(whole, split, "frames differ with the split");
    } else {
        let common = whole.len().min(split.len());
        assert_eq!(whole[..common], split[..common], "frames differ with the split");
    }
    for frame in &whole {
        assert!(frame.header.payload_len <= config.max_frame_size);
        assert_eq!(frame.payload.len() as u64, frame.header.payload_len);
    }
    if let Some(e) = &whole_error {
        check_offset(e, wire.len());
    }
}

/// Deflate settings for both sides from one control byte.
fn deflate_settings(flags: u8, bits: u8) -> DeflateSettings {
    let window = 8 + (bits & 7);
    DeflateSettings {
        threshold: 0,
        ..DeflateSettings::new(DeflateParams {
            server_no_context_takeover: flags & 1 != 0,
            client_no_context_takeover: flags & 2 != 0,
            server_max_window_bits: window,
            client_max_window_bits: 8 + ((bits >> 3) & 7),
        })
    }
}

/// A `Connection` in either role, with or without permessage-deflate,
/// assembled or in pieces, answering every message (so the compressor runs
/// on what the inflater produced): never more than the limits, and (when
/// assembled) the same events and error for any split of the input.
pub fn connection(data: &[u8]) {
    let mut input = Input::new(data);
    let flags = input.byte();
    let deflate_flags = input.byte();
    let bits = input.byte();
    let seed = input.byte();
    let wire = input.rest();
    let config = Config {
        max_frame_size: MAX_MESSAGE,
        max_message_size: MAX_MESSAGE,
        max_fragments: 64,
        // At least the message limit, so that holding a message across
        // pieces is not what tells the two runs apart.
        max_buffered_bytes: MAX_MESSAGE,
        auto_pong: flags & 4 == 0,
        strict_length: flags & 8 != 0,
        validate_utf8: flags & 16 == 0,
        deflate: (flags & 2 != 0).then(|| deflate_settings(deflate_flags, bits)),
        delivery: if flags & 32 != 0 {
            Delivery::Pieces
        } else {
            Delivery::Assembled
        },
        ..Config::new(if flags & 1 != 0 {
            Role::Client
        } else {
            Role::Server
        })
    };
    let run = |pieces: Vec<&[u8]>| {
        let mut conn = Connection::new(config);
        let mut events = Vec::new();
        let mut error = None;
        let mut message = 0u64;
        for piece in pieces {
            // `receive_with`, not `receive`: the events before an error count.
            let mut got = Vec::new();
            let mut scratch = piece.to_vec();
            let result = conn.receive_with(&mut scratch, |event| got.push(OwnedEvent::from(event)));
            for event in got {
                let answer = match &event {
                    OwnedEvent::Text(t) => conn.send_message(MessageKind::Text, t.as_bytes(), Some(997)),
                    OwnedEvent::UncheckedText(b) | OwnedEvent::Binary(b) => {
                        conn.send_message(MessageKind::Binary, b, None)
                    }
                    OwnedEvent::MessagePiece(b) => {
                        message += b.len() as u64;
                        assert!(message <= MAX_MESSAGE, "pieces past the message limit");
                        Ok(())
                    }
                    OwnedEvent::MessageEnd(_) => {
                        message = 0;
                        Ok(())
                    }
                    _ => Ok(()),
                };
                let size = match &event {
                    OwnedEvent::Text(t) => t.len(),
                    OwnedEvent::UncheckedText(b) | OwnedEvent::Binary(b) => b.len(),
                    OwnedEvent::Ping(b) | OwnedEvent::Pong(b) => {
                        assert!(b.len() <= 125, "a control payload past 125 bytes");
                        b.len()
                    }
                    _ => 0,
                };
                assert!(size as u64 <= MAX_MESSAGE, "a message past the limit");
                // Sending may fail once the peer has closed: that is not a fault.
                let _ = answer;
                events.push(event);
            }
            let _ = conn.flush();
            let _ = conn.take_output();
            if let Err(e) = result {
                error = Some(e);
                break;
            }
        }
        (events, error)
    };
    let (whole, whole_error) = run(vec![wire]);
    if let Some(e) = &whole_error {
        check_offset(e, wire.len());
        assert!(
            e.kind().close_code().is_some(),
            "an input error without a close code: {e}"
        );
    }
    if config.delivery == Delivery::Assembled {
        let (split, split_error) = run(chunks(wire, seed));
        assert_eq!(whole, split, "events differ with the split");
        assert_eq!(
            whole_error.as_ref().map(|e| (e.kind(), e.offset())),
            split_error.as_ref().map(|e| (e.kind(), e.offset())),
            "errors differ with the split"
        );
    } else {
        let _ = run(chunks(wire, seed));
    }
}

// ---------------------------------------------------------------------------
// Handshakes and HTTP

/// The server's and the client's opening handshake, fed in pieces; what is
/// accepted is answered (negotiating permessage-deflate) without a panic.
pub fn handshake(data: &[u8]) {
    let mut input = Input::new(data);
    let flags = input.byte();
    let seed = input.byte();
    let head = input.rest();
    let limits = HeadLimits::default();
    if flags & 1 == 0 {
        let mut server = ServerHandshake::new(limits);
        let mut fed = 0;
        for piece in chunks(head, seed) {
            fed += piece.len();
            match server.feed(piece) {
                Ok(None) => continue,
                Ok(Some((request, used))) => {
                    assert!(used <= piece.len());
                    let options = DeflateOptions::default();
                    let choice = if flags & 2 != 0 {
                        ProtocolChoice::FirstOffered
                    } else {
                        ProtocolChoice::Chosen(None)
                    };
                    if let Ok(answer) = request.offer().answer(choice, Some(&options), &[("X-A", "b")]) {
                        if let Some(params) = answer.deflate {
                            // What was agreed must build a working pair of engines.
                            let _ = wsframe::deflate::engines(&DeflateSettings::new(params), Role::Server);
                        }
                    }
                    let _ = request.accept_key();
                    break;
                }
                Err(e) => {
                    check_offset(&e, fed);
                    assert!(
                        e.kind().http_status().is_some(),
                        "a refusal without a status: {e}"
                    );
                    break;
                }
            }
        }
    } else {
        let extensions = [wsframe::deflate::offer(&DeflateOptions::default())];
        let options = ClientOptions {
            host: "example.com",
            path: "/chat",
            protocols: if flags & 2 != 0 {
                &["chat", "superchat"]
            } else {
                &[]
            },
            extensions: &extensions,
            require_protocol: flags & 4 != 0,
            ..ClientOptions::default()
        };
        let Ok((mut client, _request)) = ClientHandshake::with_key(&options, [7; 16]) else {
            return;
        };
        for piece in chunks(head, seed) {
            match client.feed(piece) {
                Ok(None) => continue,
                Ok(Some((response, used))) => {
                    assert!(used <= piece.len());
                    let _ =
                        wsframe::deflate::accept_response(&response.extensions, &DeflateOptions::default());
                    break;
                }
                Err(_) => break,
            }
        }
    }
    let value = text(head);
    if let Ok(extensions) = handshake::parse_extensions(&value) {
        let _ = wsframe::deflate::negotiate(&extensions, &DeflateOptions::default());
        let _ = handshake::format_extensions(&extensions);
    }
    let _ = wsframe::close::parse_close_payload(head);
}

/// The Engine.IO server's HTTP request reader, pipelined requests in pieces.
pub fn http_request(data: &[u8]) {
    let mut input = Input::new(data);
    let flags = input.byte();
    let seed = input.byte();
    let stream = input.rest();
    let limits = RequestLimits {
        head: HeadLimits::default(),
        max_body_bytes: if flags & 1 != 0 { 64 } else { 1 << 16 },
    };
    let mut reader = RequestReader::new(limits);
    let mut fed = 0usize;
    'pieces: for piece in chunks(stream, seed) {
        let mut rest = piece;
        loop {
            match reader.feed(rest) {
                Ok(None) => {
                    fed += rest.len();
                    continue 'pieces;
                }
                Ok(Some((request, used))) => {
                    assert!(used <= rest.len());
                    assert!(request.body.len() <= limits.max_body_bytes);
                    let _ = (request.path(), request.query(), request.header("host"));
                    let _ = (request.is_websocket_upgrade(), request.keep_alive());
                    fed += used;
                    rest = &rest[used..];
                    if request.is_websocket_upgrade() || used == 0 {
                        break 'pieces;
                    }
                }
                Err(e) => {
                    check_offset(&e, fed + rest.len());
                    break 'pieces;
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Engine.IO and Socket.IO

/// Engine.IO packets, payloads (protocols 3 and 4, text and binary) and the
/// stream framing: what decodes re-encodes to the same packets, and the
/// stream decoder gives the same packets for any split.
pub fn engineio(data: &[u8]) {
    let mut input = Input::new(data);
    let flags = input.byte();
    let seed = input.byte();
    let bytes = input.rest();
    let version = if flags & 1 != 0 { Version::V3 } else { Version::V4 };
    let limits = PayloadLimits {
        max_bytes: 1 << 14,
        max_packets: 64,
    };
    let text = text(bytes);
    if let Ok(packet) = engineio::decode_text(&text, version) {
        let again = engineio::encode_packet(&packet, version);
        assert_eq!(engineio::decode_text(&again, version).ok(), Some(packet));
    }
    let _ = engineio::decode_binary(bytes, version);
    let _ = engineio::peek_text(&text, version);
    let decoded = engineio::decode_payload(&text, version, &limits);
    let (spans, _) = engineio::index_payload(&text, version, &limits);
    for span in &spans {
        assert!(span.start <= span.end && span.end <= text.len());
    }
    if let Ok(packets) = decoded.into_result() {
        assert!(packets.len() <= limits.max_packets);
        if version == Version::V4 || packets.iter().all(|p| !p.is_binary()) {
            let again = engineio::encode_payload(&packets, version);
            let back = engineio::decode_payload(&again, version, &PayloadLimits::default());
            assert_eq!(
                back.into_result().ok(),
                Some(packets),
                "a payload does not survive re-encoding"
            );
        }
    }
    if let Ok(packets) = engineio::decode_payload_binary(bytes, &limits).into_result() {
        let again = engineio::encode_payload_binary(&packets);
        let back = engineio::decode_payload_binary(&again, &PayloadLimits::default());
        assert_eq!(
            back.into_result().ok(),
            Some(packets),
            "a binary payload does not survive re-encoding"
        );
    }
    let stream = |pieces: Vec<&[u8]>| {
        let mut decoder = StreamDecoder::new(1 << 14);
        let mut packets = Vec::new();
        for piece in pieces {
            let got = decoder.push(piece);
            let failed = got.error.is_some();
            packets.extend(got.packets);
            if failed {
                return (packets, true);
            }
        }
        (packets, false)
    };
    assert_eq!(
        stream(vec![bytes]),
        stream(chunks(bytes, seed)),
        "the stream decodes differently when split"
    );
}

/// The Socket.IO decoder with binary attachments: parts separated by 0xff,
/// each a text packet or (after a 0x01 byte) an attachment; what decodes
/// re-encodes to the same packet.
pub fn socketio(data: &[u8]) {
    let mut input = Input::new(data);
    let max_attachments = usize::from(input.byte() & 7);
    let options = DecodeOptions { max_attachments };
    let mut decoder: Decoder<Vec<u8>> = Decoder::new(options);
    for part in input.rest().split(|&b| b == 0xff) {
        let result = match part.split_first() {
            Some((1, attachment)) => decoder.push_binary(attachment.to_vec()),
            _ => {
                let text = text(part);
                let _ = socketio::scan(&text, &options);
                let _ = socketio::inspect(&text, &options);
                if let Some((name, _)) = socketio::event_parts(&text) {
                    let _ = socketio::event_name_problem(name);
                }
                if let Ok(packet) = socketio::decode(&text, &options) {
                    assert!(packet.attachments <= max_attachments);
                    if let Ok(again) = socketio::encode(&packet) {
                        let back = socketio::decode(&again, &options);
                        assert_eq!(
                            back.ok(),
                            Some(packet),
                            "{text:?} does not survive re-encoding as {again:?}"
                        );
                    }
                }
                decoder.push_text(&text)
            }
        };
        match result {
            Ok(Some(complete)) => {
                assert_eq!(complete.packet.attachments, complete.attachments.len());
            }
            Ok(None) => assert!(decoder.awaited() <= max_attachments),
            Err(_) => decoder.reset(),
        }
    }
}

/// The Engine.IO/Socket.IO server core: a connection that starts fresh, as
/// a polling session or as a WebSocket (protocol 3 or 4, Socket.IO or raw
/// Engine.IO), then gets arbitrary bytes, request bodies and frames,
/// between the application's calls, congestion and a moving clock.
pub fn server(data: &[u8]) {
    let mut input = Input::new(data);
    let start = input.byte();
    let deflate = input.byte();
    // permessage-deflate with the input's preferences: no context
    // takeover either way, and the server's window (8-15 bits, or any).
    let deflate = (deflate & 1 != 0).then(|| DeflateOptions {
        server_no_context_takeover: deflate & 2 != 0,
        client_no_context_takeover: deflate & 4 != 0,
        server_max_window_bits: (deflate & 8 != 0).then_some(8 + (deflate >> 5)),
        threshold: 0,
        ..DeflateOptions::default()
    });
    let mut server = Server::new(ServerConfig {
        ping_interval: 300,
        ping_timeout: 200,
        connect_timeout: 500,
        upgrade_timeout: 400,
        request_timeout: 1_000,
        max_payload: 4_096,
        max_buffered_bytes: 8_192,
        max_attachments: 3,
        engine_path: Some("/engine.io/".into()),
        per_message_deflate: deflate,
        ..ServerConfig::default()
    });
    let mut now = 1_000u64;
    let path = if start & 4 != 0 {
        "/engine.io/"
    } else {
        "/socket.io/"
    };
    let eio = if start & 8 != 0 { 3 } else { 4 };
    let mut sid = None;
    match start & 3 {
        1 => {
            let open = format!("GET {path}?EIO={eio}&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n");
            server.receive(9, open.as_bytes(), now);
            sid = server.take_output().into_iter().find_map(|o| match o {
                Output::SessionOpen { sid, .. } => Some(sid),
                _ => None,
            });
        }
        2 => {
            let extension = if deflate.is_some() {
                "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
            } else {
                ""
            };
            let head = format!(
                "GET {path}?EIO={eio}&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\
                 Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
                 Sec-WebSocket-Version: 13\r\n{extension}\r\n"
            );
            server.receive(1, head.as_bytes(), now);
        }
        _ => {}
    }
    let mut client = Connection::new(Config::client());
    let mut sockets = Vec::new();
    let mut rest = input.rest();
    while let Some((&op, tail)) = rest.split_first() {
        let len = usize::from(tail.first().copied().unwrap_or(0));
        let body = &tail[1.min(tail.len())..(1 + len).min(tail.len())];
        rest = &tail[(1 + len).min(tail.len())..];
        match op % 8 {
            0 => server.receive(1, body, now),
            1 => {
                // A text message as a client's (masked) frame.
                let _ = client.send_text(&text(body));
                server.receive(1, &client.take_output(), now);
            }
            2 => {
                let request = match &sid {
                    Some(sid) => format!(
                        "POST {path}?EIO={eio}&transport=polling&sid={sid} HTTP/1.1\r\nHost: x\r\n\
                         Content-Length: {}\r\n\r\n",
                        body.len()
                    ),
                    None => format!(
                        "POST {path}?EIO={eio}&transport=polling HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
                        body.len()
                    ),
                };
                let conn = 10 + u32::from(len as u8 & 3);
                server.receive(conn, &[request.as_bytes(), body].concat(), now);
            }
            3 => {
                now += (len as u64) * 8;
                server.tick(now);
            }
            4 => server.closed(1 + u32::from(len as u8 & 1) * 9, now),
            5 => {
                let level = [
                    Congestion::Drained,
                    Congestion::Backlogged,
                    Congestion::Overflowing,
                ][len % 3];
                server.congestion(1, level, now);
            }
            6 => {
                // Some sockets come in as recovered sessions (an id of
                // their own and a private id), after an event sent while
                // they were pending.
                let recovered = Identity {
                    id: Some("restored".into()),
                    pid: Some("private".into()),
                };
                for &socket in &sockets {
                    if len & 2 != 0 {
                        let _ = server.emit(socket, "\"missed\"", "[\"o1\"]", &[], None, true, now);
                    }
                    let identity = if len & 4 != 0 {
                        &recovered
                    } else {
                        &Identity::default()
                    };
                    let _ = server.accept(socket, identity, now);
                    let _ = server.join(socket, 1);
                    let _ = server.emit(socket, "\"e\"", "[1]", &[], Some(3), len & 8 == 0, now);
                    let _ = server.emit(
                        socket,
                        "\"b\"",
                        "[{\"_placeholder\":true,\"num\":0}]",
                        &[vec![1, 2]],
                        None,
                        true,
                        now,
                    );
                    let _ = server.ack(socket, 0, "[]", &[], now);
                }
                let flags = EmitFlags {
                    volatile: len & 16 != 0,
                    compress: len & 32 == 0,
                };
                let _ = server.broadcast("/", &[1], &[], "\"b\"", "[]", &[], flags, Some(4), now);
            }
            _ => {
                if let Some(&socket) = sockets.first() {
                    if len & 1 != 0 {
                        let _ = server.refuse(socket, r#"{"message":"no"}"#, now);
                    } else {
                        let _ = server.disconnect(socket, now);
                    }
                }
            }
        }
        take_output_checked(&mut server, &mut sockets, now);
        if let Some(at) = server.next_deadline() {
            assert!(at >= 1_000);
        }
    }
    server.shutdown(now);
    let _ = server.take_output();
}

/// Takes the server's output as an application would (answering raw
/// Engine.IO messages, remembering the sockets that connect, watching
/// every session's packets) and checks it
/// stays sane: no write or response of a megabyte from inputs this small.
pub fn take_output_checked(server: &mut Server, sockets: &mut Vec<SocketHandle>, now: u64) {
    for output in server.take_output() {
        match output {
            Output::Connect { socket, .. } => sockets.push(socket),
            // Every session's packets are watched, so those paths run too.
            Output::SessionOpen { sid, .. } => server.observe(&sid, true),
            Output::Message { sid, data } => {
                let _ = server.send_message(&sid, data, now);
            }
            Output::Write { bytes, .. } | Output::WriteShared { bytes, .. } => {
                assert!(bytes.len() < 1 << 20, "one write of {} bytes", bytes.len());
            }
            Output::Respond { status, body, .. } => {
                assert!((100..600).contains(&status));
                assert!(body.len() < 1 << 20);
            }
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------
// The inspector

/// The inspector on pasted text and bytes: `parse_dump`, then the session
/// decoded leniently with whatever deflate and Engine.IO the flags say; the
/// lone-frame inspector on the raw bytes; HTTP exchanges found in them.
pub fn inspect_dump(data: &[u8]) {
    let mut input = Input::new(data);
    let flags = input.byte();
    let bits = input.byte();
    let bytes = input.rest();
    let deflate = (flags & 4 != 0).then_some(DeflateOverride {
        window_bits: 8 + (bits & 7),
        no_context_takeover: bits & 8 != 0,
    });
    let options = CaptureOptions {
        eio: [None, Some(0), Some(3), Some(4)][usize::from(flags & 3)],
        socketio: [None, Some(true), Some(false), None][usize::from((flags >> 3) & 3)],
        client_deflate: deflate,
        server_deflate: deflate,
        max_payload: Some(256),
    };
    let dir = if flags & 0x20 != 0 {
        Dir::Server
    } else {
        Dir::Client
    };
    let dump = capture::parse_dump(&text(bytes), dir);
    let _ = capture::inspect_capture(&dump.segments, &options);
    let inspect_options = InspectOptions {
        direction: [
            inspect::Direction::Unknown,
            inspect::Direction::Client,
            inspect::Direction::Server,
            inspect::Direction::Unknown,
        ][usize::from(flags >> 6)],
        allowed_rsv: bits >> 5,
        max_payload: 256,
        deflate: deflate.map(|d| InspectDeflate {
            window_bits: d.window_bits,
            no_context_takeover: d.no_context_takeover,
        }),
        max_inflated: MAX_MESSAGE as usize,
    };
    let inspection = inspect::inspect(bytes, &inspect_options);
    for message in &inspection.messages {
        assert!(
            message.data.len() <= 256,
            "{} payload bytes copied out",
            message.data.len()
        );
        assert!(
            message.inflated_size.unwrap_or(0) <= MAX_MESSAGE,
            "inflated past the limit"
        );
    }
    let half = bytes.len() / 2;
    let _ = wsframe::exchanges::exchanges(&bytes[..half], &bytes[half..]);
    let _ = wsframe::exchanges::polling(&bytes[..half], &bytes[half..]);
    let segments = [
        capture::Segment::new(Dir::Client, bytes[..half].to_vec()),
        capture::Segment::new(Dir::Server, bytes[half..].to_vec()),
    ];
    let _ = capture::inspect_capture(&segments, &options);
}

/// Capture files as the page and the CLI read them: pcap, pcapng and HAR.
pub fn capture_file(data: &[u8]) {
    let _ = capture::file_kind(data);
    if let Ok(file) = wsframe::pcap::read_capture(data) {
        for connection in file.connections.iter().take(8) {
            let _ = connection.inspect(&CaptureOptions::default());
        }
    }
    if wsframe::har::sniff(data) || data.first() == Some(&b'{') {
        let _ = wsframe::har::inspect_har(&text(data));
    }
}

// ---------------------------------------------------------------------------
// Differential targets

/// `std`'s verdict on `data`: `None` if it is UTF-8, else the offset where
/// the first sequence that cannot be completed starts being wrong.
fn std_verdict(data: &[u8]) -> Option<u64> {
    match std::str::from_utf8(data) {
        Ok(_) => None,
        Err(e) => {
            let valid = e.valid_up_to();
            match e.error_len() {
                // The first byte of the bad sequence that cannot belong to
                // it: a fail-fast validator stops there.
                Some(_) => {
                    let mut end = valid + 1;
                    while std::str::from_utf8(&data[valid..end])
                        .map_or_else(|e| e.error_len().is_none(), |_| true)
                    {
                        end += 1;
                    }
                    Some(end as u64 - 1)
                }
                None => Some(valid as u64),
            }
        }
    }
}

/// The streaming UTF-8 validator against `std`, for any split.
pub fn utf8_differential(data: &[u8]) {
    let mut input = Input::new(data);
    let seed = input.byte();
    let bytes = input.rest();
    let mut validator = Utf8Validator::new();
    let mut verdict = None;
    for piece in chunks(bytes, seed) {
        if let Err(e) = validator.feed(piece) {
            verdict = e.offset();
            break;
        }
    }
    if verdict.is_none() {
        verdict = validator.finish().err().and_then(|e| e.offset());
    }
    assert_eq!(verdict, std_verdict(bytes), "the validator and std disagree");
    assert_eq!(
        wsframe::utf8::validate(bytes).is_ok(),
        std::str::from_utf8(bytes).is_ok()
    );
}

/// Most bytes either inflater may produce for one input here.
const INFLATE_LIMIT: usize = 1 << 18;

/// flate2's raw inflate of a message (with the `00 00 ff ff` tail the
/// sender leaves out): what it produced, cut at `limit + 1` bytes, and
/// whether it stopped on corrupt data.
fn reference_inflate(payload: &[u8], limit: usize) -> (Vec<u8>, bool) {
    use flate2::{Decompress, FlushDecompress, Status};
    let mut stream = Decompress::new(false);
    let input = [payload, &[0, 0, 0xff, 0xff]].concat();
    let mut out = Vec::with_capacity(limit + 1);
    loop {
        let before = (stream.total_in(), stream.total_out());
        let at = stream.total_in() as usize;
        let Ok(status) = stream.decompress_vec(&input[at..], &mut out, FlushDecompress::Sync) else {
            return (out, true);
        };
        let stalled = (stream.total_in(), stream.total_out()) == before;
        if out.len() > limit || status == Status::StreamEnd || stalled || out.len() == out.capacity() {
            return (out, false);
        }
    }
}

/// The inflater against flate2 (miniz_oxide) on the same bytes: arbitrary
/// DEFLATE data, data flate2 compressed, and data our compressor wrote.
pub fn inflate_differential(data: &[u8]) {
    let mut input = Input::new(data);
    let mode = input.byte();
    let level = input.byte();
    let bytes = input.rest();
    match mode % 3 {
        0 => {
            // miniz_oxide starts from a window of zeros and so takes a
            // distance that reaches before the first byte, which zlib
            // refuses (no distance may point before the start of the
            // output): a stored block of a full window first leaves no such
            // distance, only what both must agree on.
            let window: Vec<u8> = (0..1u32 << 15).map(|i| (i * 7 + 3) as u8).collect();
            let mut input = vec![0x00, 0x00, 0x80, 0xff, 0x7f];
            input.extend_from_slice(&window);
            input.extend_from_slice(bytes);
            let limit = INFLATE_LIMIT + window.len();
            let ours = inflate_message(&mut Decompressor::new(15, true), &input, limit);
            let (theirs, corrupt) = reference_inflate(&input, limit);
            match &ours {
                Ok(ours) if !corrupt => assert_eq!(ours, &theirs, "the inflaters disagree"),
                Err(InflateFailure::TooBig) => {
                    assert!(theirs.len() > limit || corrupt, "past the limit for us only")
                }
                // zlib and miniz_oxide notice some invalid data at different
                // points (zlib waits for the bits that settle a truncated
                // header; miniz_oxide refuses a few code sets zlib takes):
                // what both produced before either stopped must agree.
                Ok(ours) => assert!(
                    theirs.len() <= ours.len() && ours[..theirs.len()] == theirs[..],
                    "the inflaters disagree before flate2's error"
                ),
                Err(InflateFailure::Corrupt(_)) => {
                    let mut partial = Vec::new();
                    let _ = Decompressor::new(15, true).inflate(&input, &mut partial, limit);
                    let common = partial.len().min(theirs.len());
                    assert_eq!(
                        partial[..common],
                        theirs[..common],
                        "the inflaters disagree before our error"
                    );
                }
            }
        }
        1 => {
            use flate2::{Compress, Compression, FlushCompress};
            let mut compress = Compress::new(Compression::new(u32::from(level % 10)), false);
            let mut out = Vec::with_capacity(bytes.len() * 2 + 64);
            let _ = compress.compress_vec(bytes, &mut out, FlushCompress::Sync);
            // A message ends with the flush's empty stored block; the sender strips its tail.
            if out.ends_with(&[0, 0, 0xff, 0xff]) {
                out.truncate(out.len() - 4);
            }
            let ours = inflate_message(&mut Decompressor::new(15, true), &out, INFLATE_LIMIT);
            assert_eq!(
                ours.as_deref().ok(),
                Some(bytes),
                "flate2's output inflates differently"
            );
        }
        _ => {
            let bits = 9 + level % 7;
            let mut compressor = Compressor::new(bits, false, 1 + level % 9, 8);
            let mut decompressor = Decompressor::new(bits, false);
            for message in bytes.chunks(1 + usize::from(level)) {
                let mut out = Vec::new();
                if compressor.compress(message, true, &mut out).is_err() {
                    return;
                }
                let ours = inflate_message(&mut decompressor, &out, INFLATE_LIMIT);
                assert_eq!(
                    ours.as_deref().ok(),
                    Some(message),
                    "our own output inflates differently"
                );
            }
            let mut out = Vec::new();
            let mut fresh = Compressor::new(15, true, 1 + level % 9, 8);
            if fresh.compress(bytes, true, &mut out).is_ok() {
                let theirs = reference_inflate(&out, INFLATE_LIMIT);
                assert_eq!(
                    theirs,
                    (bytes.to_vec(), false),
                    "flate2 reads our output differently"
                );
            }
        }
    }
}
