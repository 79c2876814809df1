//! permessage-deflate through the Connection: the RFC 7692 vectors and the
//! seeds' compressed captures as frames, the RSV1 rules, round trips over
//! every window size and context-takeover combination, the threshold
//! invariant, and decompression bombs.

mod common;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use common::{bomb, fixtures, hex};
use wsframe::deflate::{DeflateParams, DeflateSettings};
use wsframe::frame::{encode_frame, DecoderConfig, FrameDecoder, FrameHeader, Opcode};
use wsframe::protocol::{Config, Connection, Delivery, MessageKind, OwnedEvent, Role};
use wsframe::ErrorKind;

fn params(server_bits: u8, client_bits: u8, server_nct: bool, client_nct: bool) -> DeflateParams {
    DeflateParams {
        server_no_context_takeover: server_nct,
        client_no_context_takeover: client_nct,
        server_max_window_bits: server_bits,
        client_max_window_bits: client_bits,
    }
}

fn settings(p: DeflateParams, threshold: usize) -> DeflateSettings {
    DeflateSettings {
        params: p,
        threshold,
        level: 6,
        mem_level: 8,
    }
}

fn conn(role: Role, p: DeflateParams, threshold: usize) -> Connection {
    Connection::new(Config {
        deflate: Some(settings(p, threshold)),
        ..Config::new(role)
    })
}

fn default_params() -> DeflateParams {
    params(15, 15, false, false)
}

fn text(s: &str) -> OwnedEvent {
    OwnedEvent::Text(s.into())
}

#[test]
fn a_header_alone_is_only_for_messages_left_uncompressed() {
    let mut s = conn(Role::Server, default_params(), 1024);
    assert!(
        !s.send_binary_header(1024).unwrap(),
        "at the threshold the payload is compressed"
    );
    assert!(s.take_output().is_empty());
    assert!(s.send_binary_header(1023).unwrap());
    assert_eq!(
        s.take_output(),
        [0x82, 0x7e, 0x03, 0xff],
        "under it: a plain frame, RSV1 clear"
    );
}

#[test]
fn rfc_7692_vectors_as_frames() {
    let v = fixtures();
    for case in v["permessage_deflate"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let frames: Vec<Vec<u8>> = if let Some(h) = case["hex"].as_str() {
            vec![hex(h)]
        } else if let Some(list) = case["frames_hex"].as_array() {
            list.iter().map(|h| hex(h.as_str().unwrap())).collect()
        } else {
            // The payload-only capture: put it in a compressed text frame.
            let mut frame = Vec::new();
            let header = FrameHeader {
                rsv1: true,
                ..FrameHeader::new(Opcode::Text, 0)
            };
            encode_frame(&mut frame, header, &hex(case["payload_hex"].as_str().unwrap()));
            vec![frame]
        };
        let expected: Vec<OwnedEvent> = match (&case["text"], &case["texts"]) {
            (serde_json::Value::String(t), _) => vec![text(t)],
            (_, serde_json::Value::Array(list)) => list.iter().map(|t| text(t.as_str().unwrap())).collect(),
            _ => unreachable!(),
        };
        // Masked captures come from a client: a server reads them.
        let role = if frames[0][1] & 0x80 != 0 {
            Role::Server
        } else {
            Role::Client
        };
        let mut c = conn(role, default_params(), 0);
        let mut events = Vec::new();
        for f in &frames {
            events.extend(c.receive(f).unwrap_or_else(|e| panic!("{name}: {e}")));
        }
        assert_eq!(events, expected, "{name}");
        // And byte by byte.
        let mut c = conn(role, default_params(), 0);
        let mut events = Vec::new();
        for b in frames.concat() {
            events.extend(c.receive(&[b]).unwrap());
        }
        assert_eq!(events, expected, "{name}, byte by byte");
    }
}

#[test]
fn rsv1_rules() {
    // RSV1 on a continuation frame: 1002.
    let mut c = conn(Role::Client, default_params(), 0);
    let e = c.receive(&hex("4103f248cd c004c9c90700")).unwrap_err();
    assert_eq!(
        (e.kind(), e.close_code(), e.offset()),
        (ErrorKind::Rsv1Unexpected, Some(1002), Some(5))
    );
    // RSV1 on a control frame: 1002.
    let mut c = conn(Role::Client, default_params(), 0);
    let e = c.receive(&hex("c900")).unwrap_err();
    assert_eq!(
        (e.kind(), e.close_code()),
        (ErrorKind::Rsv1Unexpected, Some(1002))
    );
    // Without the extension: 1002 too (the decoder's rule).
    let mut c = Connection::new(Config::client());
    let e = c.receive(&hex("c107f248cdc9c90700")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Rsv1Unexpected);
    // An uncompressed message is still fine with the extension on.
    let mut c = conn(Role::Client, default_params(), 0);
    assert_eq!(c.receive(&hex("810548656c6c6f")).unwrap(), [text("Hello")]);
}

#[test]
fn corrupt_deflate_data_is_1007() {
    let mut c = conn(Role::Client, default_params(), 0);
    let e = c.receive(&hex("c104ffffffff")).unwrap_err();
    assert_eq!(
        (e.kind(), e.close_code()),
        (ErrorKind::InvalidCompressedData, Some(1007))
    );
}

#[test]
fn invalid_utf8_is_found_as_it_inflates() {
    // A compressed text message whose inflated bytes are not UTF-8.
    let mut sender = conn(Role::Server, default_params(), 0);
    sender
        .send_message(MessageKind::Binary, b"ok \xff not text", None)
        .unwrap();
    let mut wire = sender.take_output();
    wire[0] = 0xc1; // now claims to be text
    let mut c = conn(Role::Client, default_params(), 0);
    let e = c.receive(&wire).unwrap_err();
    assert_eq!((e.kind(), e.close_code()), (ErrorKind::InvalidUtf8, Some(1007)));
}

/// The error `wire` ends in when fed in pieces of `size` bytes.
fn fed_in_pieces(wire: &[u8], size: usize, delivery: Delivery) -> (ErrorKind, Option<u64>) {
    let mut c = Connection::new(Config {
        deflate: Some(settings(default_params(), 0)),
        delivery,
        ..Config::new(Role::Client)
    });
    for piece in wire.chunks(size) {
        if let Err(e) = c.receive(piece) {
            return (e.kind(), e.offset());
        }
    }
    panic!("no error");
}

#[test]
fn a_fault_in_inflated_data_is_the_same_for_every_split() {
    // "ok " then a byte that is not UTF-8, compressed; then data that is not
    // DEFLATE at all in the same frame. The text fault comes first in the
    // stream, so it is the one reported, at the frame's payload start
    // (where in the output zlib noticed depends on the split), in both
    // delivery modes: found by the `connection` fuzz target.
    let mut sender = conn(Role::Server, default_params(), 0);
    sender
        .send_message(MessageKind::Binary, b"ok \xff not text", None)
        .unwrap();
    let mut payload = sender.take_output()[2..].to_vec();
    payload.extend_from_slice(&[0xff; 8]);
    let mut wire = Vec::new();
    let header = FrameHeader {
        rsv1: true,
        ..FrameHeader::new(Opcode::Text, payload.len() as u64)
    };
    encode_frame(&mut wire, header, &payload);
    for delivery in [Delivery::Assembled, Delivery::Pieces] {
        for size in [wire.len(), 1, 2, 3, 5, 7] {
            assert_eq!(
                fed_in_pieces(&wire, size, delivery),
                (ErrorKind::InvalidUtf8, Some(2)),
                "{delivery:?} in pieces of {size}"
            );
        }
    }
    // Corrupt data alone: 1007 at the payload start, for every split too.
    let mut wire = Vec::new();
    encode_frame(
        &mut wire,
        FrameHeader {
            rsv1: true,
            ..FrameHeader::new(Opcode::Binary, 6)
        },
        &[0xff; 6],
    );
    for delivery in [Delivery::Assembled, Delivery::Pieces] {
        for size in [wire.len(), 1, 3] {
            assert_eq!(
                fed_in_pieces(&wire, size, delivery),
                (ErrorKind::InvalidCompressedData, Some(2))
            );
        }
    }
}

/// Sends `messages` from one side to the other and checks they arrive, over
/// every window size and context-takeover combination, whole and fragmented.
#[test]
fn round_trips_over_every_parameter_combination() {
    let big: Vec<u8> = (0..20_000u32)
        .map(|i| b"the quick brown fox "[(i % 20) as usize] ^ (i / 5000) as u8)
        .collect();
    let text_big = "héllo wörld € 𝄞 ".repeat(3000);
    for bits in [8u8, 9, 12, 15] {
        for (snct, cnct) in [(false, false), (true, false), (false, true), (true, true)] {
            for max_frame in [None, Some(1000)] {
                let p = params(bits, bits, snct, cnct);
                for (from, to) in [(Role::Client, Role::Server), (Role::Server, Role::Client)] {
                    let mut a = conn(from, p, 64);
                    let mut b = conn(to, p, 64);
                    let mut expected = Vec::new();
                    for round in 0..2 {
                        for size in [0usize, 1, 63, 64, 1023, 1024, big.len()] {
                            a.send_message(MessageKind::Binary, &big[..size], max_frame)
                                .unwrap();
                            expected.push(OwnedEvent::Binary(big[..size].to_vec()));
                        }
                        a.send_message(MessageKind::Text, text_big.as_bytes(), max_frame)
                            .unwrap();
                        expected.push(text(&text_big));
                        let _ = round;
                    }
                    let wire = a.take_output();
                    let mut got = Vec::new();
                    for chunk in wire.chunks(4096) {
                        got.extend(b.receive(chunk).unwrap());
                    }
                    assert!(
                        got == expected,
                        "bits {bits} snct {snct} cnct {cnct} frame {max_frame:?} {from:?}->{to:?}"
                    );
                }
            }
        }
    }
}

/// Which messages of a wire were compressed (RSV1 on their first frame).
fn rsv1_of_messages(wire: &[u8]) -> Vec<bool> {
    let frames = FrameDecoder::new(DecoderConfig {
        allowed_rsv: 0b100,
        ..DecoderConfig::default()
    })
    .push(wire)
    .unwrap();
    frames
        .iter()
        .filter(|f| f.header.opcode != Opcode::Continuation)
        .map(|f| f.header.rsv1)
        .collect()
}

#[test]
fn short_messages_never_touch_the_compressor() {
    // Compressed A, uncompressed B (under the threshold), compressed C: the
    // peer inflates C with the window A left. Had B gone through our
    // compressor, C would refer to bytes the peer never inflated.
    let a = "A".repeat(2000) + &"context".repeat(100);
    let b = "context"; // short, and present in the window: a tempting match
    let c = "context".repeat(200);
    let mut sender = conn(Role::Server, default_params(), 1024);
    for m in [&a[..], b, &c[..]] {
        sender.send_text(m).unwrap();
    }
    let wire = sender.take_output();
    assert_eq!(rsv1_of_messages(&wire), [true, false, true]);
    // Without a frame size given, each message is one frame, compressed or not.
    let frames = FrameDecoder::new(DecoderConfig {
        allowed_rsv: 0b100,
        ..DecoderConfig::default()
    })
    .push(&wire)
    .unwrap();
    assert_eq!(frames.len(), 3);
    let mut receiver = conn(Role::Client, default_params(), 1024);
    assert_eq!(receiver.receive(&wire).unwrap(), [text(&a), text(b), text(&c)]);
}

#[test]
fn compressed_fragments_sent_piece_by_piece() {
    let mut sender = conn(Role::Client, default_params(), 16);
    let parts = ["first part of a long message, ", "second part, ", "and the end."];
    for (i, part) in parts.iter().enumerate() {
        sender
            .send_fragment(MessageKind::Text, part.as_bytes(), i == parts.len() - 1)
            .unwrap();
        sender.send_ping(b"between").unwrap();
    }
    let wire = sender.take_output();
    let frames = FrameDecoder::new(DecoderConfig {
        allowed_rsv: 0b100,
        ..DecoderConfig::default()
    })
    .push(&wire)
    .unwrap();
    let rsv1: Vec<bool> = frames.iter().map(|f| f.header.rsv1).collect();
    assert_eq!(rsv1, [true, false, false, false, false, false]);
    let mut receiver = conn(Role::Server, default_params(), 16);
    let events = receiver.receive(&wire).unwrap();
    let texts: Vec<&OwnedEvent> = events
        .iter()
        .filter(|e| matches!(e, OwnedEvent::Text(_)))
        .collect();
    assert_eq!(texts, [&text(&parts.concat())]);
    assert_eq!(events.len(), 4, "three pings and the message");
}

#[test]
fn the_bomb_generator_is_right() {
    let mut d = wsframe::deflate::Decompressor::new(15, false);
    let out = wsframe::deflate::inflate_message(&mut d, &bomb(1000), 1 << 20).unwrap();
    assert_eq!(out.len(), 1000 * 258 + 1);
    assert!(out.iter().all(|&b| b == 0));
}

#[test]
fn a_kilobyte_that_would_inflate_to_a_megabyte_stops_at_the_cap() {
    let payload = bomb(620); // about 1 KiB, inflating to 160 KiB
    assert!(payload.len() <= 1100);
    let mut frame = Vec::new();
    encode_frame(
        &mut frame,
        FrameHeader {
            rsv1: true,
            ..FrameHeader::new(Opcode::Binary, 0)
        },
        &payload,
    );
    let mut c = Connection::new(Config {
        max_message_size: 64 * 1024,
        deflate: Some(settings(default_params(), 0)),
        ..Config::client()
    });
    let e = c.receive(&frame).unwrap_err();
    assert_eq!((e.kind(), e.close_code()), (ErrorKind::MessageTooBig, Some(1009)));
    let out = c.take_output();
    let close = FrameDecoder::new(DecoderConfig::default()).push(&out).unwrap();
    assert_eq!(
        (close[0].header.opcode, &close[0].payload[..]),
        (Opcode::Close, &[0x03, 0xf1][..]),
        "closed with 1009"
    );
}
