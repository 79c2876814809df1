//! Property tests: whatever the chunking, decoding gives back what was
//! encoded; whatever the bytes, nothing panics; the streaming UTF-8 validator
//! agrees with `std` on every input and every split.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use wsframe::deflate::{DeflateParams, DeflateSettings};
use wsframe::frame::{encode_frame, DecoderConfig, FrameDecoder, FrameHeader, Opcode, Role};
use wsframe::handshake::{parse_extensions, ClientHandshake, ClientOptions, ServerHandshake};
use wsframe::protocol::{Config, Connection, Delivery, MessageKind, OwnedEvent};
use wsframe::utf8::Utf8Validator;

/// Splits `data` at the given cut points (each taken modulo the length).
fn chunks<'a>(data: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (data.len() + 1)).collect();
    points.push(0);
    points.push(data.len());
    points.sort_unstable();
    points.windows(2).map(|w| &data[w[0]..w[1]]).collect()
}

fn arb_opcode() -> impl Strategy<Value = Opcode> {
    prop_oneof![
        Just(Opcode::Continuation),
        Just(Opcode::Text),
        Just(Opcode::Binary),
        Just(Opcode::Close),
        Just(Opcode::Ping),
        Just(Opcode::Pong),
    ]
}

prop_compose! {
    fn arb_frame()(
        opcode in arb_opcode(),
        fin in any::<bool>(),
        rsv in 0u8..8,
        mask in proptest::option::of(any::<[u8; 4]>()),
        payload in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..130),
            proptest::collection::vec(any::<u8>(), 60_000..70_000),
        ],
    ) -> (FrameHeader, Vec<u8>) {
        let control = opcode.is_control();
        let mut payload = payload;
        if control { payload.truncate(125); }
        let header = FrameHeader {
            fin: fin || control,
            rsv1: rsv & 4 != 0,
            rsv2: rsv & 2 != 0,
            rsv3: rsv & 1 != 0,
            opcode,
            mask,
            payload_len: payload.len() as u64,
        };
        (header, payload)
    }
}

/// Text that is mostly multi-byte, so splits land inside sequences.
fn arb_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![Just('a'), Just('é'), Just('€'), Just('𝄞'), any::<char>()],
        0..300,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

#[derive(Clone, Debug)]
enum Message {
    Text(String, usize),
    Binary(Vec<u8>, usize),
    Ping(Vec<u8>),
}

fn arb_message() -> impl Strategy<Value = Message> {
    prop_oneof![
        (arb_text(), 1usize..400).prop_map(|(t, n)| Message::Text(t, n)),
        (proptest::collection::vec(any::<u8>(), 0..3000), 1usize..4000)
            .prop_map(|(b, n)| Message::Binary(b, n)),
        proptest::collection::vec(any::<u8>(), 0..=125).prop_map(Message::Ping),
    ]
}

/// Bytes that are often almost UTF-8: valid text with a few bytes changed.
fn arb_nearly_utf8() -> impl Strategy<Value = Vec<u8>> {
    (
        arb_text(),
        proptest::collection::vec((any::<usize>(), any::<u8>()), 0..3),
    )
        .prop_map(|(t, edits)| {
            let mut bytes = t.into_bytes();
            for (at, b) in edits {
                if !bytes.is_empty() {
                    let i = at % bytes.len();
                    bytes[i] = b;
                }
            }
            bytes
        })
}

fn std_verdict(data: &[u8]) -> Option<u64> {
    // None if valid; else the first byte that cannot be valid (for a
    // truncated end, where the unfinished sequence starts).
    if std::str::from_utf8(data).is_ok() {
        return None;
    }
    for end in 1..=data.len() {
        if let Err(e) = std::str::from_utf8(&data[..end]) {
            if e.error_len().is_some() {
                return Some(end as u64 - 1);
            }
        }
    }
    Some(std::str::from_utf8(data).unwrap_err().valid_up_to() as u64)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn frames_survive_any_chunking(frames in proptest::collection::vec(arb_frame(), 1..6),
                                   cuts in proptest::collection::vec(any::<usize>(), 0..12)) {
        let mut wire = Vec::new();
        for (header, payload) in &frames {
            encode_frame(&mut wire, *header, payload);
        }
        let mut dec = FrameDecoder::new(DecoderConfig { allowed_rsv: 0b111, ..DecoderConfig::default() });
        let mut got = Vec::new();
        for chunk in chunks(&wire, &cuts) {
            got.extend(dec.push(chunk).unwrap());
        }
        dec.finish().unwrap();
        prop_assert_eq!(got.len(), frames.len());
        for (g, (header, payload)) in got.iter().zip(&frames) {
            prop_assert_eq!(&g.header, header);
            prop_assert_eq!(&g.payload, payload);
        }
    }

    #[test]
    fn messages_survive_any_chunking(messages in proptest::collection::vec(arb_message(), 1..8),
                                     cuts in proptest::collection::vec(any::<usize>(), 0..16)) {
        let mut client = Connection::new(Config::client());
        let mut expected = Vec::new();
        for m in &messages {
            match m {
                Message::Text(t, n) => {
                    client.send_message(MessageKind::Text, t.as_bytes(), Some(*n)).unwrap();
                    expected.push(OwnedEvent::Text(t.clone()));
                }
                Message::Binary(b, n) => {
                    client.send_message(MessageKind::Binary, b, Some(*n)).unwrap();
                    expected.push(OwnedEvent::Binary(b.clone()));
                }
                Message::Ping(p) => {
                    client.send_ping(p).unwrap();
                    expected.push(OwnedEvent::Ping(p.clone()));
                }
            }
        }
        let wire = client.take_output();
        let mut server = Connection::new(Config::server());
        let mut got = Vec::new();
        for chunk in chunks(&wire, &cuts) {
            got.extend(server.receive(chunk).unwrap());
        }
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn pieces_give_what_assembly_gives(messages in proptest::collection::vec(arb_message(), 1..8),
                                       cuts in proptest::collection::vec(any::<usize>(), 0..16),
                                       compress in any::<bool>(),
                                       takeover in any::<bool>()) {
        let deflate = compress.then(|| DeflateSettings {
            threshold: 0,
            ..DeflateSettings::new(DeflateParams {
                server_no_context_takeover: !takeover,
                client_no_context_takeover: !takeover,
                ..DeflateParams::default()
            })
        });
        let mut client = Connection::new(Config { deflate, ..Config::client() });
        for m in &messages {
            match m {
                Message::Text(t, n) => client.send_message(MessageKind::Text, t.as_bytes(), Some(*n)).unwrap(),
                Message::Binary(b, n) => client.send_message(MessageKind::Binary, b, Some(*n)).unwrap(),
                Message::Ping(p) => client.send_ping(p).unwrap(),
            }
        }
        let wire = client.take_output();
        let run = |delivery| {
            let mut server = Connection::new(Config { deflate, delivery, ..Config::server() });
            let mut got = Vec::new();
            let mut pieces: Vec<u8> = Vec::new();
            for chunk in chunks(&wire, &cuts) {
                let mut input = chunk.to_vec();
                server
                    .receive_with(&mut input, |e| match e {
                        wsframe::protocol::Event::MessagePiece(b) => pieces.extend_from_slice(b),
                        wsframe::protocol::Event::MessageEnd(MessageKind::Text) => {
                            got.push(OwnedEvent::Text(String::from_utf8(std::mem::take(&mut pieces)).unwrap()))
                        }
                        wsframe::protocol::Event::MessageEnd(MessageKind::Binary) => {
                            got.push(OwnedEvent::Binary(std::mem::take(&mut pieces)))
                        }
                        other => got.push(other.into()),
                    })
                    .unwrap();
            }
            got
        };
        prop_assert_eq!(run(Delivery::Pieces), run(Delivery::Assembled));
    }

    #[test]
    fn utf8_validator_agrees_with_std(data in arb_nearly_utf8(),
                                      cuts in proptest::collection::vec(any::<usize>(), 0..6)) {
        let mut v = Utf8Validator::new();
        let mut verdict = None;
        for chunk in chunks(&data, &cuts) {
            if let Err(e) = v.feed(chunk) {
                verdict = e.offset();
                break;
            }
        }
        if verdict.is_none() {
            verdict = v.finish().err().and_then(|e| e.offset());
        }
        prop_assert_eq!(verdict, std_verdict(&data));
    }

    #[test]
    fn random_bytes_never_panic_a_connection(data in proptest::collection::vec(any::<u8>(), 0..2000),
                                             cuts in proptest::collection::vec(any::<usize>(), 0..8),
                                             server in any::<bool>()) {
        let role = if server { Role::Server } else { Role::Client };
        let mut conn = Connection::new(Config { max_message_size: 1 << 16, ..Config::new(role) });
        for chunk in chunks(&data, &cuts) {
            if conn.receive(chunk).is_err() {
                break;
            }
        }
    }

    #[test]
    fn frame_like_bytes_never_panic(frames in proptest::collection::vec(arb_frame(), 1..4),
                                    noise in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..6),
                                    cuts in proptest::collection::vec(any::<usize>(), 0..8)) {
        // Valid frames with a few bytes flipped hit the deep paths that pure
        // noise rarely reaches.
        let mut wire = Vec::new();
        for (header, payload) in &frames {
            encode_frame(&mut wire, *header, payload);
        }
        for (at, b) in noise {
            let i = at % wire.len();
            wire[i] = b;
        }
        for role in [Role::Server, Role::Client] {
            let mut conn = Connection::new(Config::new(role));
            for chunk in chunks(&wire, &cuts) {
                if conn.receive(chunk).is_err() {
                    break;
                }
            }
            let mut dec = FrameDecoder::new(DecoderConfig::default());
            for chunk in chunks(&wire, &cuts) {
                if dec.push(chunk).is_err() {
                    break;
                }
            }
        }
    }

    #[test]
    fn random_bytes_never_panic_handshakes(data in proptest::collection::vec(any::<u8>(), 0..600),
                                           cuts in proptest::collection::vec(any::<usize>(), 0..6)) {
        let mut server = ServerHandshake::default();
        for chunk in chunks(&data, &cuts) {
            if !matches!(server.feed(chunk), Ok(None)) {
                break;
            }
        }
        let options = ClientOptions { host: "h", path: "/", ..ClientOptions::default() };
        let (mut client, _) = ClientHandshake::new(&options).unwrap();
        for chunk in chunks(&data, &cuts) {
            if !matches!(client.feed(chunk), Ok(None)) {
                break;
            }
        }
        let _ = parse_extensions(&String::from_utf8_lossy(&data));
        let _ = wsframe::close::parse_close_payload(&data);
    }

    #[test]
    fn header_like_text_never_panics(lines in proptest::collection::vec("[ -~]{0,40}", 0..12)) {
        let head = format!("GET / HTTP/1.1\r\n{}\r\n\r\n", lines.join("\r\n"));
        let _ = ServerHandshake::default().feed(head.as_bytes());
        let value = lines.join(",");
        let _ = parse_extensions(&value);
    }

    /// A capture file's packets, built from random bytes behind each
    /// header, read back without a panic (the reader runs in the page and
    /// in Node with every other connection).
    #[test]
    fn random_packets_never_panic_the_capture_reader(
        packets in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..120), 0..12),
        link in prop_oneof![Just(1u32), Just(0), Just(101), Just(113), Just(276), Just(12)],
        cut in any::<usize>(),
    ) {
        // A little-endian pcap: header, then one record per packet.
        let mut file = Vec::new();
        file.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        file.extend_from_slice(&[2, 0, 4, 0]);
        file.extend_from_slice(&[0; 8]);
        file.extend_from_slice(&65535u32.to_le_bytes());
        file.extend_from_slice(&link.to_le_bytes());
        for (i, packet) in packets.iter().enumerate() {
            file.extend_from_slice(&(i as u32).to_le_bytes());
            file.extend_from_slice(&0u32.to_le_bytes());
            file.extend_from_slice(&(packet.len() as u32).to_le_bytes());
            file.extend_from_slice(&(packet.len() as u32).to_le_bytes());
            file.extend_from_slice(packet);
        }
        let file = &file[..file.len() - cut % (file.len() + 1) / 2];
        if let Ok(capture) = wsframe::pcap::read_capture(file) {
            for connection in &capture.connections {
                let _ = connection.inspect(&wsframe::capture::CaptureOptions::default());
            }
        }
        let _ = wsframe::pcap::read_capture(&packets.concat());
    }

    /// TCP segments with any sequence numbers, flags and payloads (raw IPv4
    /// packets between two endpoints): the reassembly never panics and
    /// never gives a side more bytes than its segments carried.
    #[test]
    fn any_tcp_segments_reassemble_without_panic(
        segments in proptest::collection::vec(
            (any::<bool>(), any::<u32>(), any::<u8>(), proptest::collection::vec(any::<u8>(), 0..60)),
            0..24,
        ),
        base in any::<u32>(),
    ) {
        let mut file = Vec::new();
        file.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        file.extend_from_slice(&[2, 0, 4, 0]);
        file.extend_from_slice(&[0; 8]);
        file.extend_from_slice(&65535u32.to_le_bytes());
        file.extend_from_slice(&101u32.to_le_bytes());
        let mut carried = 0usize;
        for (from_client, seq, flags, payload) in &segments {
            carried += payload.len();
            // Half of them near one base, so that they overlap and interleave.
            let seq = if seq % 2 == 0 { base.wrapping_add(seq % 200) } else { *seq };
            let (src, dst, sport, dport) = if *from_client { ([10, 0, 0, 1], [10, 0, 0, 2], 40000u16, 80u16) } else { ([10, 0, 0, 2], [10, 0, 0, 1], 80, 40000) };
            let mut ip = vec![0x45, 0];
            ip.extend_from_slice(&((40 + payload.len()) as u16).to_be_bytes());
            ip.extend_from_slice(&[0, 0, 0x40, 0, 64, 6, 0, 0]);
            ip.extend_from_slice(&src);
            ip.extend_from_slice(&dst);
            ip.extend_from_slice(&sport.to_be_bytes());
            ip.extend_from_slice(&dport.to_be_bytes());
            ip.extend_from_slice(&seq.to_be_bytes());
            ip.extend_from_slice(&[0, 0, 0, 0, 0x50, *flags, 0xff, 0xff, 0, 0, 0, 0]);
            ip.extend_from_slice(payload);
            file.extend_from_slice(&[0; 8]);
            file.extend_from_slice(&(ip.len() as u32).to_le_bytes());
            file.extend_from_slice(&(ip.len() as u32).to_le_bytes());
            file.extend_from_slice(&ip);
        }
        let capture = wsframe::pcap::read_capture(&file).unwrap();
        // Progress only goes forward, ends at exactly 1, and is told a bounded number of times.
        let mut told = Vec::new();
        let mut report = |fraction: f64| told.push(fraction);
        let again = wsframe::pcap::read_capture_with_progress(&file, &mut wsframe::pcap::Progress::new(&mut report)).unwrap();
        prop_assert_eq!(&again, &capture);
        prop_assert!(told.windows(2).all(|w| w[0] < w[1]), "{:?}", told);
        prop_assert_eq!(told.last().copied(), Some(1.0));
        prop_assert!(told.len() <= 101 && told[0] > 0.0);
        let mut streamed = 0usize;
        for connection in &capture.connections {
            streamed += connection.segments.iter().map(|s| s.bytes.len()).sum::<usize>();
            let _ = connection.inspect(&wsframe::capture::CaptureOptions::default());
        }
        prop_assert!(streamed <= carried);
    }
}
