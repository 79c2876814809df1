//! One rule set: the strict codec and the lenient inspector judge the same
//! input by the same functions, so for any input the codec's first error is
//! the inspector's first diagnostic, at the same byte. A rule changed (or
//! copied and drifted) in one of them makes these fail.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use wsframe::capture::{inspect_capture, CaptureOptions, Dir, Segment};
use wsframe::frame::{DecoderConfig, FrameDecoder, Role};
use wsframe::handshake::{accept_key, ClientHandshake, ClientOptions};
use wsframe::inspect::{inspect, Direction, InspectOptions};
use wsframe::protocol::{Config, Connection};

/// The codec's verdict on a frame's header: its first error (kind code, offset).
fn codec_header_verdict(bytes: &[u8], role: Role, allowed_rsv: u8) -> Option<(&'static str, u64)> {
    let mut decoder = FrameDecoder::new(DecoderConfig {
        role: Some(role),
        max_frame_size: u64::MAX,
        allowed_rsv,
        strict_length: true,
    });
    decoder
        .push(bytes)
        .err()
        .map(|e| (e.kind().code(), e.offset().unwrap_or(u64::MAX)))
}

/// The inspector's first diagnostic of the first frame.
fn inspector_header_verdict(
    bytes: &[u8],
    direction: Direction,
    allowed_rsv: u8,
) -> Option<(&'static str, u64)> {
    let options = InspectOptions {
        direction,
        allowed_rsv,
        ..InspectOptions::default()
    };
    let ins = inspect(bytes, &options);
    let frame = ins.frames.first()?;
    frame.diagnostics.first().map(|d| (d.code.code(), d.offset))
}

/// A header's first bytes with any bits, lengths in every form.
fn arb_header() -> impl Strategy<Value = Vec<u8>> {
    // Extended lengths mostly of zero bytes, so that short values written
    // long (non-minimal) come up often.
    let ext_byte = prop_oneof![3 => Just(0u8), 1 => any::<u8>()];
    // The extended forms as often as the short one.
    let b1 = prop_oneof![2 => any::<u8>(), 1 => (any::<bool>(), 126u8..=127).prop_map(|(mask, len7)| u8::from(mask) << 7 | len7)];
    (
        any::<u8>(),
        b1,
        proptest::collection::vec(ext_byte, 8),
        any::<bool>(),
    )
        .prop_map(|(b0, b1, ext, msb)| {
            let mut bytes = vec![b0, b1];
            let extra = match b1 & 0x7f {
                126 => 2,
                127 => 8,
                _ => 0,
            };
            let mut ext = ext;
            ext.resize(extra, 0);
            if extra == 8 && !msb {
                ext[0] &= 0x7f;
            }
            bytes.extend(ext);
            if b1 & 0x80 != 0 {
                bytes.extend([1, 2, 3, 4]);
            }
            bytes
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn header_rules_give_the_codec_and_the_inspector_the_same_first_verdict(
        header in arb_header(),
        from_client in any::<bool>(),
        allowed_rsv in 0u8..8,
    ) {
        let (role, direction) = if from_client { (Role::Server, Direction::Client) } else { (Role::Client, Direction::Server) };
        let codec = codec_header_verdict(&header, role, allowed_rsv);
        let inspector = inspector_header_verdict(&header, direction, allowed_rsv);
        // Sequence rules (a continuation with nothing open) come after the
        // header's; the bare decoder does not judge them.
        // After the header's rules the inspector also judges the sequence
        // (the bare decoder does not), and a frame cut short is the stream's
        // end: neither is a header rule.
        let opcode = wsframe::frame::Opcode::from_bits(header[0]);
        let sequence = wsframe::protocol::check_sequence(opcode, header[0] & 0x40 != 0, false, allowed_rsv & 0b100 != 0);
        let inspector = inspector.filter(|(code, _)| {
            *code != "truncated_frame" && !(codec.is_none() && sequence.as_ref().is_some_and(|v| v.kind.code() == *code))
        });
        prop_assert_eq!(codec, inspector, "header {:02x?}", header);
    }

    #[test]
    fn fragmentation_rules_agree_between_the_connection_and_the_inspector(
        frames in proptest::collection::vec((prop_oneof![Just(0u8), Just(1), Just(2), Just(9)], any::<bool>(), any::<bool>()), 1..6),
    ) {
        // Client frames (masked), small payloads: only the sequence decides.
        let mut wire = Vec::new();
        for (opcode, fin, rsv1) in &frames {
            let fin = *fin || *opcode >= 8;
            // RSV1 only where it is a rule's business (continuation and
            // control frames): a compressed "x" would be judged by inflating.
            let rsv1 = &(*rsv1 && (*opcode == 0 || *opcode == 9));
            wire.push(u8::from(fin) << 7 | u8::from(*rsv1) << 6 | opcode);
            wire.extend([0x81, 0, 0, 0, 0, b'x']);
        }
        for deflate in [false, true] {
            let mut config = Config::server();
            if deflate {
                config.deflate = Some(wsframe::deflate::DeflateSettings::new(wsframe::deflate::DeflateParams::default()));
            }
            let mut connection = Connection::new(config);
            let codec = connection.receive(&wire).err().map(|e| (e.kind().code(), e.offset().unwrap_or(u64::MAX)));
            let options = InspectOptions {
                direction: Direction::Client,
                allowed_rsv: if deflate { 0b100 } else { 0 },
                ..InspectOptions::default()
            };
            let ins = inspect(&wire, &options);
            let inspector = ins
                .frames
                .iter()
                .flat_map(|f| f.diagnostics.iter())
                .find(|d| d.severity == wsframe::inspect::Severity::Error)
                .map(|d| (d.code.code(), d.offset));
            prop_assert_eq!(inspector, codec, "deflate {} frames {:?}", deflate, frames);
        }
    }
}

/// What wsframe's client and the inspector say of one server answer.
fn answer_verdicts(
    response: &str,
    offered_protocols: &[&str],
) -> (Option<&'static str>, Option<&'static str>) {
    let options = ClientOptions {
        host: "h",
        path: "/",
        protocols: offered_protocols,
        ..ClientOptions::default()
    };
    let (mut client, request) = ClientHandshake::with_key(&options, [7; 16]).unwrap();
    let codec = client.feed(response.as_bytes()).err().map(|e| e.kind().code());
    let capture = inspect_capture(
        &[
            Segment::new(Dir::Client, request),
            Segment::new(Dir::Server, response.as_bytes().to_vec()),
        ],
        &CaptureOptions::default(),
    );
    let inspector = capture
        .handshake
        .and_then(|h| h.diagnostics.first().map(|d| d.code.code()));
    (codec, inspector)
}

#[test]
fn a_server_answer_is_judged_alike_by_the_client_and_the_inspector() {
    let key = accept_key(&base64_nonce());
    let good = format!("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {key}\r\n");
    let cases: Vec<(String, Option<&str>)> = vec![
        (format!("{good}\r\n"), None),
        // The drift the inspector had: a 101 without Upgrade: websocket.
        (
            good.replace("Upgrade: websocket\r\n", "") + "\r\n",
            Some("invalid_upgrade"),
        ),
        (
            good.replace("Connection: Upgrade\r\n", "Connection: keep-alive\r\n") + "\r\n",
            Some("invalid_connection"),
        ),
        (
            good.replace(&key, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=") + "\r\n",
            Some("invalid_accept"),
        ),
        (
            format!("{good}Sec-WebSocket-Protocol: chat\r\n\r\n"),
            Some("invalid_subprotocol"),
        ),
        (
            format!("{good}Sec-WebSocket-Extensions: x-unknown\r\n\r\n"),
            Some("invalid_extensions"),
        ),
        (
            format!("{good}Sec-WebSocket-Extensions: a=\r\n\r\n"),
            Some("invalid_extensions"),
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_string(),
            Some("unexpected_status"),
        ),
    ];
    for (response, want) in cases {
        let (codec, inspector) = answer_verdicts(&response, &["soap"]);
        assert_eq!(codec, want, "client on {response:?}");
        assert_eq!(inspector, want, "inspector on {response:?}");
    }
}

/// The key `with_key` sends for the nonce [7; 16].
fn base64_nonce() -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode([7u8; 16])
}
