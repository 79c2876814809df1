//! Connection behaviour, rule by rule (RFC 6455 §5-§7): what is delivered,
//! what is answered, and for every violation the exact kind, close code,
//! offset and the close frame that goes out.

mod common;
use common::{client_frame, hex, server_frame};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
use wsframe::frame::{DecoderConfig, FrameDecoder, Opcode, Role};
use wsframe::protocol::{Config, Connection, MessageKind, OwnedEvent, State};
use wsframe::{Error, ErrorKind};

fn server() -> Connection {
    Connection::new(Config::server())
}

fn client() -> Connection {
    Connection::new(Config::client())
}

fn text(s: &str) -> OwnedEvent {
    OwnedEvent::Text(s.to_string())
}

/// Concatenates frames.
fn wire(frames: &[Vec<u8>]) -> Vec<u8> {
    frames.concat()
}

/// The close frame a server sends for `code` (unmasked, no reason).
fn server_close(code: u16) -> Vec<u8> {
    server_frame(Opcode::Close, true, &code.to_be_bytes())
}

/// Asserts the connection failed with `kind`/`code` at `offset` and that
/// exactly the close frame for `code` is in its output.
fn assert_failed(conn: &mut Connection, err: Error, kind: ErrorKind, code: u16, offset: u64) {
    assert_eq!(err.kind(), kind, "{err}");
    assert_eq!(err.close_code(), Some(code), "{err}");
    assert_eq!(err.offset(), Some(offset), "{err}");
    assert_eq!(conn.state(), State::Failed);
    assert_eq!(conn.error(), Some(&err));
    let out = conn.take_output();
    match conn.role() {
        Role::Server => assert_eq!(out, server_close(code)),
        Role::Client => {
            let frames = FrameDecoder::new(DecoderConfig::default()).push(&out).unwrap();
            assert_eq!(frames.len(), 1);
            assert_eq!(frames[0].header.opcode, Opcode::Close);
            assert!(frames[0].header.mask.is_some(), "client frames are masked");
            assert_eq!(frames[0].payload, code.to_be_bytes());
        }
    }
    // Nothing more is read or sent.
    assert_eq!(conn.receive(&client_frame(Opcode::Text, true, b"x")).unwrap(), []);
    assert!(conn.send_text("late").is_err());
    assert!(conn.take_output().is_empty());
}

fn fail_with(conn: &mut Connection, input: &[u8], kind: ErrorKind, code: u16, offset: u64) {
    let err = conn.receive(input).expect_err("should fail");
    assert_failed(conn, err, kind, code, offset);
}

#[test]
fn delivers_text_binary_and_empty_messages() {
    let mut s = server();
    let input = wire(&[
        client_frame(Opcode::Text, true, "héllo €𝄞".as_bytes()),
        client_frame(Opcode::Binary, true, &[0, 1, 255]),
        client_frame(Opcode::Text, true, b""),
        client_frame(Opcode::Binary, true, b""),
    ]);
    assert_eq!(
        s.receive(&input).unwrap(),
        [
            text("héllo €𝄞"),
            OwnedEvent::Binary(vec![0, 1, 255]),
            text(""),
            OwnedEvent::Binary(vec![])
        ]
    );
    assert!(s.output().is_empty());
}

#[test]
fn reassembles_fragments_with_control_frames_between() {
    let mut s = server();
    let input = wire(&[
        client_frame(Opcode::Text, false, b"Hel"),
        client_frame(Opcode::Ping, true, b"p1"),
        client_frame(Opcode::Continuation, false, b""),
        client_frame(Opcode::Pong, true, b"p2"),
        client_frame(Opcode::Continuation, true, b"lo"),
    ]);
    // Byte by byte and all at once give the same.
    let mut one_by_one = server();
    let mut events = Vec::new();
    for b in &input {
        events.extend(one_by_one.receive(std::slice::from_ref(b)).unwrap());
    }
    let all = s.receive(&input).unwrap();
    assert_eq!(all, events);
    assert_eq!(
        all,
        [
            OwnedEvent::Ping(b"p1".to_vec()),
            OwnedEvent::Pong(b"p2".to_vec()),
            text("Hello")
        ]
    );
    // The ping was answered with a pong carrying its payload.
    assert_eq!(s.take_output(), server_frame(Opcode::Pong, true, b"p1"));
    assert_eq!(one_by_one.take_output(), server_frame(Opcode::Pong, true, b"p1"));
}

#[test]
fn auto_pong_can_be_turned_off() {
    let mut s = Connection::new(Config {
        auto_pong: false,
        ..Config::server()
    });
    let events = s.receive(&client_frame(Opcode::Ping, true, b"x")).unwrap();
    assert_eq!(events, [OwnedEvent::Ping(b"x".to_vec())]);
    assert!(s.output().is_empty());
    s.send_pong(b"x").unwrap();
    assert_eq!(s.take_output(), server_frame(Opcode::Pong, true, b"x"));
}

#[test]
fn continuation_without_a_message_is_1002() {
    let mut s = server();
    let input = wire(&[
        client_frame(Opcode::Text, true, b"ok"),
        client_frame(Opcode::Continuation, true, b"x"),
    ]);
    let (events, err) = receive_unflushed(&mut s, &input);
    // Events before the failure were delivered; the failure waits for flush.
    assert_eq!(events, [text("ok")]);
    assert_eq!(s.state(), State::Failing);
    assert!(s.has_pending_close());
    assert!(s.output().is_empty());
    s.flush().unwrap();
    assert_failed(&mut s, err.unwrap(), ErrorKind::UnexpectedContinuation, 1002, 8);
}

#[test]
fn new_message_inside_a_fragmented_one_is_1002() {
    let mut s = server();
    let input = wire(&[
        client_frame(Opcode::Text, false, b"a"),
        client_frame(Opcode::Binary, true, b"b"),
    ]);
    fail_with(&mut s, &input, ErrorKind::ExpectedContinuation, 1002, 7);
}

#[test]
fn invalid_utf8_fails_fast_within_a_fragment() {
    let mut s = server();
    let first = client_frame(Opcode::Text, false, "κόσμε".as_bytes());
    assert_eq!(s.receive(&first).unwrap(), []);
    // The second fragment makes the text invalid; the third never needs to come.
    let second = client_frame(Opcode::Continuation, false, &[0xce, 0xba, 0xf4, 0x90, 0x80, 0x80]);
    let err = s.receive(&second).unwrap_err();
    // 0xf4 0x90 is above U+10FFFF: the culprit is 0x90, payload byte 3.
    let offset = first.len() as u64 + 6 + 3;
    assert_failed(&mut s, err, ErrorKind::InvalidUtf8, 1007, offset);
}

#[test]
fn invalid_utf8_fails_fast_within_a_frame_split_across_chunks() {
    let mut s = server();
    let frame = client_frame(Opcode::Text, true, b"abc\xffdef");
    // Header and the first payload bytes, up to and including 0xff.
    assert_eq!(s.receive(&frame[..6 + 3]).unwrap(), []);
    let err = s.receive(&frame[9..10]).unwrap_err();
    assert_failed(&mut s, err, ErrorKind::InvalidUtf8, 1007, 9);
}

#[test]
fn truncated_utf8_at_message_end_is_1007() {
    let mut s = server();
    let input = client_frame(Opcode::Text, true, b"ab\xe2\x82");
    fail_with(&mut s, &input, ErrorKind::InvalidUtf8, 1007, 8);
    // Split over fragments too.
    let mut s = server();
    let input = wire(&[
        client_frame(Opcode::Text, false, b"ab\xe2"),
        client_frame(Opcode::Continuation, true, b"\x82"),
    ]);
    fail_with(&mut s, &input, ErrorKind::InvalidUtf8, 1007, 8);
}

#[test]
fn utf8_sequence_split_across_fragments_is_fine() {
    let euro = "€".as_bytes();
    let mut s = server();
    let input = wire(&[
        client_frame(Opcode::Text, false, &euro[..1]),
        client_frame(Opcode::Continuation, false, &euro[1..2]),
        client_frame(Opcode::Continuation, true, &euro[2..]),
    ]);
    assert_eq!(s.receive(&input).unwrap(), [text("€")]);
}

#[test]
fn rsv_bits_without_extension_are_1002() {
    for (b0, kind) in [
        (0xc1u8, ErrorKind::Rsv1Unexpected),
        (0xa1, ErrorKind::Rsv2Unexpected),
        (0x91, ErrorKind::Rsv3Unexpected),
    ] {
        let mut s = server();
        fail_with(&mut s, &[b0, 0x80, 1, 2, 3, 4], kind, 1002, 0);
    }
}

#[test]
fn reserved_opcodes_are_1002() {
    for op in [3u8, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf] {
        let mut s = server();
        let input = wire(&[
            client_frame(Opcode::Text, true, b"ok"),
            vec![0x80 | op, 0x80, 0, 0, 0, 0],
        ]);
        fail_with(&mut s, &input, ErrorKind::ReservedOpcode, 1002, 8);
    }
}

#[test]
fn masking_rules_by_role() {
    let mut s = server();
    fail_with(
        &mut s,
        &server_frame(Opcode::Text, true, b"x"),
        ErrorKind::MaskMissing,
        1002,
        1,
    );
    let mut c = client();
    fail_with(
        &mut c,
        &client_frame(Opcode::Text, true, b"x"),
        ErrorKind::MaskUnexpected,
        1002,
        1,
    );
}

#[test]
fn control_frame_rules() {
    let mut s = server();
    fail_with(
        &mut s,
        &client_frame(Opcode::Ping, false, b""),
        ErrorKind::ControlFrameFragmented,
        1002,
        0,
    );
    let mut s = server();
    let long = client_frame(Opcode::Ping, true, &[0u8; 126]);
    fail_with(&mut s, &long, ErrorKind::ControlFrameTooLong, 1002, 1);
    let mut s = server();
    let events = s.receive(&client_frame(Opcode::Ping, true, &[7u8; 125])).unwrap();
    assert_eq!(events, [OwnedEvent::Ping(vec![7; 125])]);
}

#[test]
fn length_with_msb_set_is_1002() {
    let mut s = server();
    fail_with(
        &mut s,
        &hex("82ff8000000000000000"),
        ErrorKind::LengthMsbSet,
        1002,
        2,
    );
}

#[test]
fn non_minimal_length_only_in_strict_mode() {
    let frame = hex("81fe0002 00000000 6869");
    assert_eq!(server().receive(&frame).unwrap(), [text("hi")]);
    let mut strict = Connection::new(Config {
        strict_length: true,
        ..Config::server()
    });
    fail_with(&mut strict, &frame, ErrorKind::NonMinimalLength, 1002, 1);
}

#[test]
fn message_size_is_checked_from_the_header() {
    let mut s = Connection::new(Config {
        max_message_size: 100,
        ..Config::server()
    });
    // Only the header of a 101-byte frame: no payload needed to fail.
    let frame = client_frame(Opcode::Binary, true, &[0; 101]);
    fail_with(&mut s, &frame[..8], ErrorKind::MessageTooBig, 1009, 0);
    // Across fragments: 60 + 41.
    let mut s = Connection::new(Config {
        max_message_size: 100,
        ..Config::server()
    });
    let first = client_frame(Opcode::Binary, false, &[0; 60]);
    let input = wire(&[first.clone(), client_frame(Opcode::Continuation, true, &[0; 41])]);
    fail_with(&mut s, &input, ErrorKind::MessageTooBig, 1009, first.len() as u64);
    // Exactly at the limit is fine.
    let mut s = Connection::new(Config {
        max_message_size: 100,
        ..Config::server()
    });
    let input = wire(&[
        client_frame(Opcode::Binary, false, &[1; 60]),
        client_frame(Opcode::Continuation, true, &[2; 40]),
    ]);
    assert_eq!(s.receive(&input).unwrap().len(), 1);
}

#[test]
fn frame_size_limit_is_1009() {
    let mut s = Connection::new(Config {
        max_frame_size: 10,
        ..Config::server()
    });
    fail_with(
        &mut s,
        &client_frame(Opcode::Binary, true, &[0; 11]),
        ErrorKind::FrameTooBig,
        1009,
        1,
    );
}

#[test]
fn fragment_count_limit_is_1008() {
    let mut s = Connection::new(Config {
        max_fragments: 3,
        ..Config::server()
    });
    let mut frames = vec![client_frame(Opcode::Text, false, b"")];
    frames.push(client_frame(Opcode::Continuation, false, b""));
    frames.push(client_frame(Opcode::Continuation, false, b""));
    let offset = wire(&frames).len() as u64;
    frames.push(client_frame(Opcode::Continuation, true, b""));
    fail_with(&mut s, &wire(&frames), ErrorKind::TooManyFragments, 1008, offset);
    // Autobahn 9.3.1's shape (65,537 fragments of a 4 MiB message) passes the defaults.
    assert!(Config::server().max_fragments >= 65_537);
}

#[test]
fn default_limits_admit_many_tiny_fragments_without_growing_per_fragment() {
    let mut s = server();
    let mut input = client_frame(Opcode::Binary, false, &[1]);
    for _ in 0..70_000 {
        input.extend(client_frame(Opcode::Continuation, false, &[1]));
    }
    input.extend(client_frame(Opcode::Continuation, true, &[1]));
    let events = s.receive(&input).unwrap();
    assert_eq!(events, [OwnedEvent::Binary(vec![1; 70_002])]);
}

#[test]
fn buffer_limit_applies_to_what_is_held_across_calls() {
    let config = Config {
        max_buffered_bytes: 100,
        ..Config::server()
    };
    let frame = client_frame(Opcode::Binary, true, &[9; 200]);
    // Whole in one call: handed out from the input, never held.
    assert_eq!(
        Connection::new(config).receive(&frame).unwrap(),
        [OwnedEvent::Binary(vec![9; 200])]
    );
    // Trickled in: holding more than 100 bytes fails.
    let mut s = Connection::new(config);
    assert_eq!(s.receive(&frame[..8 + 100]).unwrap(), []);
    let err = s.receive(&frame[108..109]).unwrap_err();
    assert_failed(&mut s, err, ErrorKind::BufferLimit, 1009, 108);
}

#[test]
fn peer_close_is_echoed_and_ends_reading() {
    let mut s = server();
    let mut close = vec![0x03, 0xe8];
    close.extend_from_slice(b"bye");
    let input = wire(&[
        client_frame(Opcode::Close, true, &close),
        client_frame(Opcode::Text, true, b"after close"),
    ]);
    let events = s.receive(&input).unwrap();
    assert_eq!(
        events,
        [OwnedEvent::Close {
            code: Some(1000),
            reason: "bye".into()
        }]
    );
    assert_eq!(s.take_output(), server_close(1000));
    assert_eq!(s.state(), State::Closed);
    assert!(s.send_text("x").is_err());
    assert!(s.close(Some(1000), "").is_err());
    assert_eq!(s.receive(&client_frame(Opcode::Ping, true, b"")).unwrap(), []);
    assert!(s.take_output().is_empty());
}

#[test]
fn empty_close_is_echoed_empty() {
    let mut s = server();
    let events = s.receive(&client_frame(Opcode::Close, true, b"")).unwrap();
    assert_eq!(
        events,
        [OwnedEvent::Close {
            code: None,
            reason: String::new()
        }]
    );
    assert_eq!(s.take_output(), server_frame(Opcode::Close, true, b""));
}

#[test]
fn every_valid_close_code_is_echoed() {
    for code in (1000..=1003).chain(1007..=1014).chain([3000, 3999, 4000, 4999]) {
        let mut s = server();
        let events = s
            .receive(&client_frame(Opcode::Close, true, &u16::to_be_bytes(code)))
            .unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(s.take_output(), server_close(code), "{code}");
    }
}

#[test]
fn bad_close_payloads() {
    let mut s = server();
    fail_with(
        &mut s,
        &client_frame(Opcode::Close, true, &[3]),
        ErrorKind::InvalidClosePayload,
        1002,
        6,
    );
    for code in [0u16, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
        let mut s = server();
        let frame = client_frame(Opcode::Close, true, &code.to_be_bytes());
        fail_with(&mut s, &frame, ErrorKind::InvalidCloseCode, 1002, 6);
    }
    let mut s = server();
    let frame = client_frame(Opcode::Close, true, b"\x03\xe8ok\xc0");
    fail_with(&mut s, &frame, ErrorKind::InvalidCloseReason, 1007, 10);
}

#[test]
fn locally_initiated_close_waits_for_the_peer() {
    let mut s = server();
    s.close(Some(1001), "going").unwrap();
    assert_eq!(s.state(), State::Closing);
    let mut expected = vec![0x03, 0xe9];
    expected.extend_from_slice(b"going");
    assert_eq!(s.take_output(), server_frame(Opcode::Close, true, &expected));
    assert!(s.send_text("no").is_err());
    assert!(s.send_ping(b"").is_err());
    // Data still in flight from the peer is delivered; pings are not answered.
    let input = wire(&[
        client_frame(Opcode::Text, true, b"in flight"),
        client_frame(Opcode::Ping, true, b""),
        client_frame(Opcode::Close, true, &1001u16.to_be_bytes()),
    ]);
    let events = s.receive(&input).unwrap();
    assert_eq!(events.len(), 3);
    assert_eq!(events[0], text("in flight"));
    assert_eq!(s.state(), State::Closed);
    assert!(s.take_output().is_empty(), "no second close frame");
}

#[test]
fn close_arguments_are_checked() {
    let mut s = server();
    assert_eq!(
        s.close(Some(1005), "").unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        s.close(Some(1000), &"x".repeat(124)).unwrap_err().kind(),
        ErrorKind::ControlPayloadTooLong
    );
    assert_eq!(
        s.send_ping(&[0; 126]).unwrap_err().kind(),
        ErrorKind::ControlPayloadTooLong
    );
    assert_eq!(s.state(), State::Open);
    s.close(None, "").unwrap();
    assert_eq!(s.take_output(), server_frame(Opcode::Close, true, b""));
}

#[test]
fn client_masks_every_frame_and_server_reads_them() {
    let mut c = client();
    c.send_text("hello").unwrap();
    c.send_binary(&[1, 2, 3]).unwrap();
    c.send_ping(b"p").unwrap();
    c.send_message(MessageKind::Text, "fragmented text".as_bytes(), Some(4))
        .unwrap();
    c.close(Some(1000), "done").unwrap();
    let out = c.take_output();
    let frames = FrameDecoder::new(DecoderConfig {
        role: Some(Role::Server),
        ..DecoderConfig::default()
    })
    .push(&out)
    .unwrap();
    assert!(frames.iter().all(|f| f.header.mask.is_some()));
    let keys: std::collections::HashSet<_> = frames.iter().map(|f| f.header.mask).collect();
    assert!(keys.len() > 1, "keys vary between frames");
    let mut s = server();
    let events = s.receive(&out).unwrap();
    assert_eq!(
        events,
        [
            text("hello"),
            OwnedEvent::Binary(vec![1, 2, 3]),
            OwnedEvent::Ping(b"p".to_vec()),
            text("fragmented text"),
            OwnedEvent::Close {
                code: Some(1000),
                reason: "done".into()
            },
        ]
    );
    // 4 fragments of at most 4 bytes: "frag" "ment" "ed t" "ext".
    assert_eq!(
        frames
            .iter()
            .filter(|f| f.header.opcode == Opcode::Continuation)
            .count(),
        3
    );
}

#[test]
fn fragment_api_allows_control_frames_in_between() {
    let mut s = server();
    s.send_fragment(MessageKind::Binary, b"ab", false).unwrap();
    s.send_ping(b"!").unwrap();
    assert_eq!(s.send_text("no").unwrap_err().kind(), ErrorKind::InvalidState);
    assert_eq!(
        s.send_fragment(MessageKind::Text, b"x", true).unwrap_err().kind(),
        ErrorKind::InvalidState
    );
    s.send_fragment(MessageKind::Binary, b"cd", true).unwrap();
    let mut c = client();
    let events = c.receive(&s.take_output()).unwrap();
    assert_eq!(
        events,
        [
            OwnedEvent::Ping(b"!".to_vec()),
            OwnedEvent::Binary(b"abcd".to_vec())
        ]
    );
}

#[test]
fn sending_checks_text_and_sizes() {
    let mut s = server();
    assert_eq!(
        s.send_message(MessageKind::Text, b"\xff", None)
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidArgument
    );
    assert!(s.send_message(MessageKind::Binary, b"x", Some(0)).is_err());
    s.send_message(MessageKind::Binary, b"", Some(4)).unwrap();
    assert_eq!(s.take_output(), server_frame(Opcode::Binary, true, b""));
}

#[test]
fn output_taken_into_a_buffer_is_the_same_and_reuses_it() {
    let mut s = server();
    let mut sent = b"stale bytes of an earlier message".to_vec();
    let old_allocation = sent.as_ptr();
    s.send_text("first").unwrap();
    s.take_output_into(&mut sent);
    assert_eq!(sent, server_frame(Opcode::Text, true, b"first"));
    assert!(s.output().is_empty(), "nothing is left to write twice");
    // The next frame is written into the old buffer, cleared, without allocating.
    s.send_binary(b"second").unwrap();
    assert_eq!(s.output().as_ptr(), old_allocation);
    s.take_output_into(&mut sent);
    assert_eq!(sent, server_frame(Opcode::Binary, true, b"second"));
    assert!(s.output().is_empty());
}

#[test]
fn a_server_can_send_a_binary_header_and_leave_the_payload_to_the_caller() {
    let mut s = server();
    for len in [0usize, 125, 126, 65535, 65536, 1 << 20] {
        let payload = vec![len as u8; len];
        assert!(s.send_binary_header(len as u64).unwrap());
        let mut wire = s.take_output();
        wire.extend_from_slice(&payload);
        assert_eq!(wire, server_frame(Opcode::Binary, true, &payload), "{len}");
    }
    // A client masks, so the payload must pass through the connection.
    let mut c = client();
    assert!(!c.send_binary_header(10).unwrap());
    assert!(c.take_output().is_empty());
    // Not in the middle of a fragmented message, nor after a close.
    s.send_fragment(MessageKind::Binary, b"a", false).unwrap();
    assert_eq!(
        s.send_binary_header(3).unwrap_err().kind(),
        ErrorKind::InvalidState
    );
    s.send_fragment(MessageKind::Binary, b"b", true).unwrap();
    s.close(Some(1000), "").unwrap();
    s.take_output();
    assert_eq!(
        s.send_binary_header(3).unwrap_err().kind(),
        ErrorKind::InvalidState
    );
    assert!(s.take_output().is_empty());
}

#[test]
fn server_answers_in_minimal_length_forms() {
    let mut s = server();
    for len in [0usize, 125, 126, 65535, 65536] {
        s.send_binary(&vec![0; len]).unwrap();
        let out = s.take_output();
        let expected_header = match len {
            0..=125 => 2,
            126..=65535 => 4,
            _ => 10,
        };
        assert_eq!(out.len(), expected_header + len, "{len}");
    }
}

#[test]
fn truncated_input_is_just_waiting() {
    let mut s = server();
    let frame = client_frame(Opcode::Text, true, b"Hello");
    for cut in 0..frame.len() {
        let mut s2 = server();
        assert_eq!(s2.receive(&frame[..cut]).unwrap(), [], "cut {cut}");
        assert_eq!(s2.receive(&frame[cut..]).unwrap(), [text("Hello")]);
    }
    assert_eq!(s.receive(&frame).unwrap(), [text("Hello")]);
    assert_eq!(s.bytes_received(), frame.len() as u64);
}

/// Collects the events of one input without flushing.
fn receive_unflushed(conn: &mut Connection, input: &[u8]) -> (Vec<OwnedEvent>, Option<Error>) {
    let mut events = Vec::new();
    let mut data = input.to_vec();
    let result = conn.receive_with(&mut data, |e| events.push(OwnedEvent::from(e)));
    (events, result.err())
}

#[test]
fn replies_to_messages_before_a_violation_go_out_before_the_failure() {
    // Autobahn 3.2's shape: a message, then a frame with RSV2, in one chunk.
    let mut s = server();
    let input = wire(&[
        client_frame(Opcode::Text, true, b"Hello"),
        vec![0xa1, 0x80, 0, 0, 0, 0],
    ]);
    let (events, err) = receive_unflushed(&mut s, &input);
    assert_eq!(events, [text("Hello")]);
    assert_eq!(err.unwrap().kind(), ErrorKind::Rsv2Unexpected);
    // The application answers the message it saw...
    s.send_text("Hello").unwrap();
    // ...then the failure is sent.
    s.flush().unwrap();
    let mut expected = server_frame(Opcode::Text, true, b"Hello");
    expected.extend(server_close(1002));
    assert_eq!(s.take_output(), expected);
    assert_eq!(s.state(), State::Failed);
    assert!(s.send_text("late").is_err());
}

#[test]
fn replies_to_messages_before_a_close_go_out_before_the_close_reply() {
    let mut s = server();
    let input = wire(&[
        client_frame(Opcode::Text, true, b"last words"),
        client_frame(Opcode::Close, true, &1000u16.to_be_bytes()),
    ]);
    let (events, err) = receive_unflushed(&mut s, &input);
    assert!(err.is_none());
    assert_eq!(events.len(), 2);
    assert_eq!(s.state(), State::CloseReceived);
    s.send_text("last words").unwrap();
    s.flush().unwrap();
    let mut expected = server_frame(Opcode::Text, true, b"last words");
    expected.extend(server_close(1000));
    assert_eq!(s.take_output(), expected);
    assert_eq!(s.state(), State::Closed);
    s.flush().unwrap();
    assert!(s.output().is_empty(), "flush is idempotent");
}

#[test]
fn close_while_answers_are_pending() {
    // Answering a peer's close with our own code and reason.
    let mut s = server();
    receive_unflushed(&mut s, &client_frame(Opcode::Close, true, &1001u16.to_be_bytes()));
    s.close(Some(4000), "bye").unwrap();
    let mut payload = 4000u16.to_be_bytes().to_vec();
    payload.extend_from_slice(b"bye");
    assert_eq!(s.take_output(), server_frame(Opcode::Close, true, &payload));
    assert_eq!(s.state(), State::Closed);
    // While a failure is pending, close() sends the failure's code: it is owed.
    let mut s = server();
    receive_unflushed(&mut s, &client_frame(Opcode::Text, true, b"\xff"));
    assert_eq!(s.state(), State::Failing);
    s.close(Some(1000), "").unwrap();
    assert_eq!(s.take_output(), server_close(1007));
    assert_eq!(s.state(), State::Failed);
}

#[test]
fn a_violation_after_our_close_owes_no_second_close() {
    let mut s = server();
    s.close(Some(1000), "").unwrap();
    s.take_output();
    let (_, err) = receive_unflushed(&mut s, &[0x83, 0x80, 0, 0, 0, 0]);
    assert_eq!(err.unwrap().kind(), ErrorKind::ReservedOpcode);
    assert_eq!(s.state(), State::Failed);
    s.flush().unwrap();
    assert!(s.take_output().is_empty());
}

// --- sending as a caller asks (ws's per-message options) ---

/// Every frame in `bytes` (RSV1 allowed: some are compressed).
fn frames_of(bytes: &[u8]) -> Vec<wsframe::frame::Frame> {
    let config = DecoderConfig {
        allowed_rsv: 0b100,
        ..DecoderConfig::default()
    };
    FrameDecoder::new(config).push(bytes).unwrap()
}

#[test]
fn masking_follows_the_role_unless_the_caller_chooses() {
    use wsframe::protocol::{Masking, SendOptions};
    let with = |masking| SendOptions {
        masking,
        ..SendOptions::default()
    };
    let mut s = server();
    s.send_message_with(MessageKind::Text, b"plain", &SendOptions::default())
        .unwrap();
    s.send_message_with(MessageKind::Text, b"random", &with(Masking::Random))
        .unwrap();
    s.send_message_with(MessageKind::Text, b"keyed", &with(Masking::Key([1, 2, 3, 4])))
        .unwrap();
    let frames = frames_of(&s.take_output());
    assert_eq!(frames[0].header.mask, None, "a server does not mask by default");
    assert!(frames[1].header.mask.is_some());
    assert_eq!(frames[2].header.mask, Some([1, 2, 3, 4]));
    assert_eq!(
        frames[2].payload, b"keyed",
        "unmasked by the decoder with that key"
    );
    let mut c = client();
    c.send_message_with(MessageKind::Binary, b"x", &with(Masking::Unmasked))
        .unwrap();
    c.send_control(Opcode::Ping, b"p", Masking::Key([0; 4])).unwrap();
    c.close_with(Some(1000), b"bye", Masking::Unmasked).unwrap();
    let frames = frames_of(&c.take_output());
    assert_eq!(frames[0].header.mask, None);
    assert_eq!(
        frames[1].header.mask,
        Some([0; 4]),
        "an all-zero key is still a key"
    );
    assert_eq!(
        (frames[2].header.opcode, frames[2].header.mask),
        (Opcode::Close, None)
    );
    assert!(
        c.send_control(Opcode::Close, b"", Masking::ByRole).is_err(),
        "close has its own call"
    );
}

#[test]
fn compression_can_be_refused_per_message() {
    use wsframe::deflate::{DeflateParams, DeflateSettings};
    use wsframe::protocol::SendOptions;
    let settings = DeflateSettings {
        threshold: 0,
        ..DeflateSettings::new(DeflateParams::default())
    };
    let mut s = Connection::new(Config {
        deflate: Some(settings),
        ..Config::server()
    });
    let big = vec![b'z'; 4096];
    s.send_message_with(MessageKind::Binary, &big, &SendOptions::default())
        .unwrap();
    let uncompressed = SendOptions {
        compress: false,
        ..SendOptions::default()
    };
    s.send_message_with(MessageKind::Binary, &big, &uncompressed)
        .unwrap();
    s.send_fragment_with(MessageKind::Text, b"first", false, &uncompressed)
        .unwrap();
    s.send_fragment_with(MessageKind::Text, b" second", true, &SendOptions::default())
        .unwrap();
    let frames = frames_of(&s.take_output());
    assert!(frames[0].header.rsv1 && frames[0].payload.len() < 100);
    assert!(!frames[1].header.rsv1 && frames[1].payload == big);
    // The first fragment decides for the whole message.
    assert!(!frames[2].header.rsv1 && !frames[3].header.rsv1);
    assert_eq!(frames[3].payload, b" second");
}

#[test]
fn close_reasons_given_as_bytes_must_be_utf8() {
    let mut s = server();
    let err = s.close_with(Some(1000), &[0xff], Default::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert_eq!(s.state(), State::Open, "nothing was sent");
    s.close_with(Some(4000), "né".as_bytes(), Default::default())
        .unwrap();
    assert_eq!(
        s.take_output(),
        server_frame(Opcode::Close, true, b"\x0f\xa0n\xc3\xa9")
    );
}

#[test]
fn unchecked_text_is_delivered_as_bytes_when_validation_is_off() {
    let mut s = Connection::new(Config {
        validate_utf8: false,
        ..Config::server()
    });
    let bad = [0x61, 0xff, 0x62];
    let mut input = wire(&[
        client_frame(Opcode::Text, true, &bad),
        client_frame(Opcode::Text, false, &bad[..1]),
        client_frame(Opcode::Continuation, true, &bad[1..]),
    ]);
    let mut got = Vec::new();
    s.receive_with(&mut input, |e| got.push(OwnedEvent::from(e)))
        .unwrap();
    assert_eq!(
        got,
        [
            OwnedEvent::UncheckedText(bad.to_vec()),
            OwnedEvent::UncheckedText(bad.to_vec())
        ]
    );
    // With validation on (the default), the same bytes fail at the bad byte.
    let err = server()
        .receive(&client_frame(Opcode::Text, true, &bad))
        .unwrap_err();
    assert_eq!((err.kind(), err.offset()), (ErrorKind::InvalidUtf8, Some(7)));
}

#[test]
fn errors_name_the_value_at_fault() {
    let value_of = |input: &[u8]| server().receive(input).unwrap_err();
    let reserved = value_of(&client_frame(Opcode::Reserved(3), true, b""));
    assert_eq!(
        (reserved.value(), reserved.ws_code()),
        (Some(3), Some("WS_ERR_INVALID_OPCODE"))
    );
    let continuation = value_of(&client_frame(Opcode::Continuation, true, b"x"));
    assert_eq!(continuation.value(), Some(0));
    let nested = value_of(&wire(&[
        client_frame(Opcode::Binary, false, b"a"),
        client_frame(Opcode::Binary, true, b"b"),
    ]));
    assert_eq!(nested.value(), Some(2));
    let long_ping = value_of(&hex("89 fe 00 7e"));
    assert_eq!(long_ping.value(), Some(126));
    let code = value_of(&client_frame(Opcode::Close, true, &[0x03, 0xed]));
    assert_eq!(
        (code.value(), code.ws_code()),
        (Some(1005), Some("WS_ERR_INVALID_CLOSE_CODE"))
    );
    let huge = value_of(&hex("82 ff 00 20 00 00 00 00 00 00"));
    assert_eq!(
        (huge.kind(), huge.value()),
        (ErrorKind::FrameTooBig, Some(1 << 53))
    );
}

mod pieces {
    //! `Delivery::Pieces`: the connection hands out what it has and holds no message.
    use super::{client_frame, hex, Config, Connection, Error, ErrorKind, MessageKind, Opcode, OwnedEvent};
    use crate::common::{bomb, KEY};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;
    use wsframe::deflate::{DeflateParams, DeflateSettings};
    use wsframe::frame::{encode_frame, FrameHeader};
    use wsframe::protocol::{Delivery, Event};

    fn deflate() -> Option<DeflateSettings> {
        Some(DeflateSettings {
            threshold: 0,
            ..DeflateSettings::new(DeflateParams::default())
        })
    }

    fn pieces_server(max_message_size: u64) -> Connection {
        Connection::new(Config {
            deflate: deflate(),
            delivery: Delivery::Pieces,
            max_message_size,
            ..Config::server()
        })
    }

    /// A compressed frame as a client sends it: RSV1, masked.
    fn compressed_frame(opcode: Opcode, fin: bool, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let header = FrameHeader {
            fin,
            rsv1: true,
            mask: Some(KEY),
            ..FrameHeader::new(opcode, 0)
        };
        encode_frame(&mut out, header, payload);
        out
    }

    #[derive(Debug, Default)]
    struct Seen {
        pieces: Vec<usize>,
        bytes: Vec<u8>,
        ends: Vec<MessageKind>,
        whole: Vec<OwnedEvent>,
    }

    fn feed(conn: &mut Connection, chunks: &[&[u8]], seen: &mut Seen) -> Result<(), Error> {
        for chunk in chunks {
            let mut input = chunk.to_vec();
            conn.receive_with(&mut input, |e| match e {
                Event::MessagePiece(b) => {
                    seen.pieces.push(b.len());
                    seen.bytes.extend_from_slice(b);
                }
                Event::MessageEnd(kind) => seen.ends.push(kind),
                other => seen.whole.push(other.into()),
            })?;
        }
        Ok(())
    }

    #[test]
    fn a_compressed_message_inflates_in_bounded_pieces() {
        let text: String = (0..3_000_000u32)
            .map(|i| char::from(b'a' + (i % 7 + i / 5000 % 3) as u8))
            .collect();
        let mut client = Connection::new(Config {
            deflate: deflate(),
            ..Config::client()
        });
        client
            .send_message(MessageKind::Text, text.as_bytes(), None)
            .unwrap();
        let wire = client.take_output();
        assert!(wire.len() < text.len() / 10, "compressible");
        let mut server = pieces_server(4 << 20);
        let mut seen = Seen::default();
        feed(&mut server, &[&wire], &mut seen).unwrap();
        assert_eq!(seen.ends, [MessageKind::Text]);
        assert!(seen.whole.is_empty(), "{:?}", seen.whole);
        assert!(seen.pieces.len() >= 12, "{} pieces", seen.pieces.len());
        assert!(
            seen.pieces.iter().all(|&n| n > 0 && n <= 256 * 1024),
            "{:?}",
            seen.pieces
        );
        assert!(seen.bytes == text.as_bytes());
    }

    #[test]
    fn a_bomb_stops_at_the_limit_having_handed_out_no_more_than_it() {
        const LIMIT: u64 = 1 << 20;
        let frame = compressed_frame(Opcode::Binary, true, &bomb((64 << 20) / 258));
        let mut server = pieces_server(LIMIT);
        let mut seen = Seen::default();
        let chunks: Vec<&[u8]> = frame.chunks(16 * 1024).collect();
        let err = feed(&mut server, &chunks, &mut seen).unwrap_err();
        assert_eq!(
            (err.kind(), err.close_code()),
            (ErrorKind::MessageTooBig, Some(1009))
        );
        assert!(
            seen.bytes.len() as u64 <= LIMIT,
            "{} bytes handed out",
            seen.bytes.len()
        );
        assert!(seen.ends.is_empty());
    }

    #[test]
    fn a_message_exactly_at_the_limit_is_whole() {
        let data = vec![7u8; 300_000];
        let mut client = Connection::new(Config {
            deflate: deflate(),
            ..Config::client()
        });
        client.send_message(MessageKind::Binary, &data, None).unwrap();
        let wire = client.take_output();
        let mut seen = Seen::default();
        feed(&mut pieces_server(300_000), &[&wire], &mut seen).unwrap();
        assert_eq!(
            (seen.bytes.len(), &seen.ends[..]),
            (300_000, &[MessageKind::Binary][..])
        );
        let mut seen = Seen::default();
        let err = feed(&mut pieces_server(299_999), &[&wire], &mut seen).unwrap_err();
        assert_eq!(err.close_code(), Some(1009));
    }

    #[test]
    fn a_final_deflate_block_keeps_the_window_for_the_next_message() {
        // "Hello" ending in a final block, then a message that only refers
        // back to it (a peer without context takeover negotiated may not do
        // this, but one with it may end a message with BFINAL).
        let first = compressed_frame(Opcode::Text, true, &hex("f348cdc9c9070000"));
        let second = compressed_frame(Opcode::Text, true, &hex("f200110000"));
        let mut server = pieces_server(1 << 20);
        let mut seen = Seen::default();
        feed(&mut server, &[&first, &second], &mut seen).unwrap();
        assert_eq!(seen.ends, [MessageKind::Text, MessageKind::Text]);
        assert_eq!(seen.bytes, b"HelloHello");
    }

    #[test]
    fn an_uncompressed_message_across_calls_comes_in_pieces_and_one_in_a_call_whole() {
        let mut server = Connection::new(Config {
            delivery: Delivery::Pieces,
            ..Config::server()
        });
        let split = client_frame(Opcode::Text, true, "héllo wörld".as_bytes());
        let whole = client_frame(Opcode::Binary, true, b"one piece");
        let mut seen = Seen::default();
        // The first piece ends inside "é".
        feed(
            &mut server,
            &[&split[..8], &split[8..12], &split[12..], &whole],
            &mut seen,
        )
        .unwrap();
        assert_eq!(seen.bytes, "héllo wörld".as_bytes());
        assert_eq!(seen.pieces.len(), 3);
        assert_eq!(seen.ends, [MessageKind::Text]);
        assert_eq!(seen.whole, [OwnedEvent::Binary(b"one piece".to_vec())]);
    }

    #[test]
    fn invalid_utf8_in_a_piece_fails_where_it_is() {
        let mut server = Connection::new(Config {
            delivery: Delivery::Pieces,
            ..Config::server()
        });
        let frame = client_frame(Opcode::Text, true, b"abc\xffdef");
        let mut seen = Seen::default();
        // The header and "ab" in one call, the rest in the next.
        let err = feed(&mut server, &[&frame[..8], &frame[8..]], &mut seen).unwrap_err();
        assert_eq!(
            (err.kind(), err.close_code(), err.offset()),
            (ErrorKind::InvalidUtf8, Some(1007), Some(9))
        );
        assert_eq!(seen.bytes, b"ab");
        // A message ending inside a character fails at its end.
        let mut server = Connection::new(Config {
            delivery: Delivery::Pieces,
            ..Config::server()
        });
        let frame = client_frame(Opcode::Text, true, b"ab\xc3");
        let mut seen = Seen::default();
        let err = feed(&mut server, &[&frame[..7], &frame[7..]], &mut seen).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidUtf8);
        assert!(seen.ends.is_empty());
    }

    #[test]
    fn the_connection_holds_nothing_between_pieces() {
        let mut server = Connection::new(Config {
            delivery: Delivery::Pieces,
            max_buffered_bytes: 1024,
            ..Config::server()
        });
        // 64 KiB in 16 fragments over 64 calls: far above the buffer limit,
        // fine because the caller holds the message, not the connection.
        let data = vec![0x5au8; 64 * 1024];
        let mut wire = Vec::new();
        for (i, part) in data.chunks(4096).enumerate() {
            let opcode = if i == 0 {
                Opcode::Binary
            } else {
                Opcode::Continuation
            };
            wire.extend(client_frame(opcode, i == 15, part));
        }
        let chunks: Vec<&[u8]> = wire.chunks(1030).collect();
        let mut seen = Seen::default();
        feed(&mut server, &chunks, &mut seen).unwrap();
        assert!(seen.bytes == data && seen.ends == [MessageKind::Binary]);
    }
}
