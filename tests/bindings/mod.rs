//! Tests of the `#[wasm_bindgen]` facade as JS sees it: vectors through the
//! bindings, any chunking, packed results, and errors as real JS `Error`s
//! with `code`, `closeCode`, `offset` and `httpStatus`. Included by
//! tests/node.rs (Node) and tests/web.rs (headless browsers).

use js_sys::Reflect;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;
use wsframe::wasm::{close, frame, handshake, inspect, mask, protocol, utf8};

fn hex(s: &str) -> Vec<u8> {
    let d: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..d.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&d[i..i + 2], 16).unwrap())
        .collect()
}

fn fixtures() -> serde_json::Value {
    serde_json::from_str(include_str!("../fixtures/vectors.json")).unwrap()
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).unwrap()
}

/// Asserts `value` is a JS Error named WsframeError with these properties.
fn assert_js_error(value: &JsValue, code: &str, close_code: Option<f64>, offset: Option<f64>) {
    let error = value.dyn_ref::<js_sys::Error>().expect("a JS Error object");
    assert_eq!(String::from(error.name()), "WsframeError");
    assert_eq!(get(value, "code").as_string().as_deref(), Some(code));
    assert_eq!(get(value, "closeCode").as_f64(), close_code);
    assert_eq!(get(value, "offset").as_f64(), offset);
    assert!(String::from(error.message()).starts_with(code));
}

fn options(pairs: &[(&str, JsValue)]) -> JsValue {
    let object = js_sys::Object::new();
    for (k, v) in pairs {
        Reflect::set(&object, &JsValue::from_str(k), v).unwrap();
    }
    object.into()
}

/// A packed event: its type byte and payload.
type PackedEvent = (u8, Vec<u8>);

/// Reads a packed Connection result: (events, output, pending). Message
/// payloads are read from wasm memory at the address the record gives; a
/// message that came in pieces (types 3 and 4) is assembled in `pieces`
/// across calls and reported whole.
fn unpack_events(p: &[u8], pieces: &mut Vec<u8>) -> (Vec<PackedEvent>, Vec<u8>, bool) {
    let u32_at = |at: usize| u32::from_le_bytes(p[at..at + 4].try_into().unwrap()) as usize;
    let (count, out_at, out_len) = (u32_at(0), u32_at(4), u32_at(8));
    let memory = js_sys::Uint8Array::new(
        &wasm_bindgen::memory()
            .unchecked_into::<js_sys::WebAssembly::Memory>()
            .buffer(),
    );
    let mut at = 16;
    let mut events = Vec::new();
    for _ in 0..count {
        let (kind, a, b) = (p[at], u32_at(at + 1), u32_at(at + 5));
        at += 9;
        match kind {
            1 | 2 => events.push((kind, memory.subarray(a as u32, (a + b) as u32).to_vec())),
            3 => pieces.extend(memory.subarray(a as u32, (a + b) as u32).to_vec()),
            4 => events.push((a as u8, std::mem::take(pieces))),
            8 => {
                let mut payload = (b as u16).to_le_bytes().to_vec();
                payload.extend_from_slice(&p[at..at + a]);
                events.push((kind, payload));
                at += a;
            }
            _ => {
                events.push((kind, p[at..at + a].to_vec()));
                at += a;
            }
        }
    }
    (events, p[out_at..out_at + out_len].to_vec(), u32_at(12) & 1 == 1)
}

/// An `onPiece` callback for connections that receive nothing compressed.
fn no_callback() -> js_sys::Function {
    js_sys::Function::new_no_args("")
}

/// Reads a packed FrameDecoder result: (first header byte, payload) per frame.
fn unpack_frames(p: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let u32_at = |at: usize| u32::from_le_bytes(p[at..at + 4].try_into().unwrap()) as usize;
    let mut at = 4;
    let mut frames = Vec::new();
    for _ in 0..u32_at(0) {
        let len = u32_at(at + 18);
        frames.push((p[at], p[at + 22..at + 22 + len].to_vec()));
        at += 22 + len;
    }
    frames
}

#[wasm_bindgen_test]
fn accept_key_vectors() {
    for case in fixtures()["handshake_accept"].as_array().unwrap() {
        assert_eq!(
            handshake::accept_key(case["key"].as_str().unwrap()),
            case["accept"].as_str().unwrap()
        );
    }
}

#[wasm_bindgen_test]
fn frame_vectors_decode_whole_and_byte_by_byte() {
    for case in fixtures()["frames"].as_array().unwrap() {
        let Some(h) = case["hex"].as_str() else { continue };
        let wire = hex(h);
        let mut whole = frame::WasmFrameDecoder::new(JsValue::UNDEFINED).unwrap();
        whole.push(&wire).unwrap();
        let expected = unpack_frames(whole.packed());
        assert_eq!(expected.len(), 1);
        assert_eq!(expected[0].0 & 0x0f, case["opcode"].as_u64().unwrap() as u8);
        if let Some(text) = case["payload_utf8"].as_str() {
            assert_eq!(expected[0].1, text.as_bytes());
        }
        let mut bytewise = frame::WasmFrameDecoder::new(JsValue::UNDEFINED).unwrap();
        let mut got = Vec::new();
        for b in &wire {
            bytewise.push(std::slice::from_ref(b)).unwrap();
            got.extend(unpack_frames(bytewise.packed()));
        }
        assert_eq!(got, expected);
    }
}

#[wasm_bindgen_test]
fn encode_then_decode_round_trips() {
    let bytes = frame::encode_frame_raw(
        1,
        b"Hello",
        true,
        0,
        Some(vec![0x37, 0xfa, 0x21, 0x3d].into()),
        false,
    )
    .unwrap();
    assert_eq!(bytes, hex("818537fa213d7f9f4d5158"));
    let random = frame::encode_frame_raw(2, &[9; 300], true, 0, None, true).unwrap();
    assert_eq!(random[1], 0x80 | 126);
    let len = frame::encode_header_scratch(2, 65536.0, true, 0, 0, 0).unwrap();
    let memory = js_sys::Uint8Array::new(
        &wasm_bindgen::memory()
            .unchecked_into::<js_sys::WebAssembly::Memory>()
            .buffer(),
    );
    let at = frame::header_scratch_ptr() as u32;
    assert_eq!(
        memory.subarray(at, at + len as u32).to_vec(),
        hex("827f0000000000010000")
    );
    assert!(frame::encode_header_scratch(2, -1.0, true, 0, 0, 0).is_err());
    // The packed form says the same as the scratch, inline or not.
    use wsframe::layout::header_packed as packed;
    for (opcode, fin, rsv, mode) in [
        (2, true, 0, 0),
        (1, false, 0b100, 0),
        (0, true, 0b011, 0),
        (9, true, 0, 1),
        (2, true, 0, 2),
    ] {
        for length in [0.0, 1.0, 125.0, 126.0, 65535.0, 65536.0, 1e10] {
            let expected_len =
                frame::encode_header_scratch(opcode, length, fin, rsv, mode, 0x0403_0201).unwrap();
            let expected = memory.subarray(at, at + expected_len as u32).to_vec();
            let p = frame::encode_header_packed(opcode, length, fin, rsv, mode, 0x0403_0201);
            let len = (p as u64 & u64::from(packed::LEN_MASK)) as usize;
            assert_eq!(len, expected_len, "{opcode} {length}");
            let inline = p as u64 & u64::from(packed::INLINE) != 0;
            assert_eq!(inline, mode == 0 && length < 65536.0, "{opcode} {length}");
            let got = if inline {
                let bytes = ((p as u64) / u64::from(packed::BYTES_SCALE)) as u32;
                bytes.to_be_bytes()[..len].to_vec()
            } else {
                memory.subarray(at, at + len as u32).to_vec()
            };
            if mode == 2 {
                assert_eq!(got[..2], expected[..2]);
            } else {
                assert_eq!(got, expected, "{opcode} {length} {mode}");
            }
        }
    }
    for (opcode, length, rsv) in [(16, 1.0, 0), (2, -1.0, 0), (2, 1.5, 0), (2, 1.0, 8)] {
        assert_eq!(frame::encode_header_packed(opcode, length, true, rsv, 0, 0), -1.0);
        assert_js_error(&wsframe::wasm::take_call_error(), "invalid_argument", None, None);
    }
    let e = frame::encode_frame_raw(16, b"", true, 0, None, false).unwrap_err();
    assert_js_error(&e, "invalid_argument", None, None);
}

#[wasm_bindgen_test]
fn connection_delivers_events_across_any_chunking() {
    let input = [
        hex("010348656c"),
        hex("890548656c6c6f"),
        hex("80026c6f"),
        hex("820401020304"),
        hex("880203e8"),
    ]
    .concat();
    for size in [1, 2, 3, 7, input.len()] {
        let mut conn = protocol::WasmConnection::new(options(&[("role", "client".into())])).unwrap();
        let mut events = Vec::new();
        let mut output = Vec::new();
        let mut pending = false;
        let mut pieces = Vec::new();
        for chunk in input.chunks(size) {
            conn.receive(chunk, &no_callback()).unwrap();
            let (e, o, p) = unpack_events(&conn.packed(), &mut pieces);
            events.extend(e);
            output.extend(o);
            pending |= p;
        }
        assert_eq!(
            events,
            [
                (9, b"Hello".to_vec()),
                (1, b"Hello".to_vec()),
                (2, vec![1, 2, 3, 4]),
                (8, [1000u16.to_le_bytes().to_vec(), vec![]].concat()),
            ],
            "chunk size {size}"
        );
        assert!(pending, "the close reply waits for flush");
        assert_eq!(conn.state(), "closeReceived");
        let reply = conn.flush().unwrap();
        assert_eq!(reply.len(), 2 + 4 + 2, "a masked close frame echoing 1000");
        assert_eq!(conn.state(), "closed");
        // The pong answering the ping went out as soon as the ping arrived.
        assert_eq!(output[0], 0x8a);
    }
}

#[wasm_bindgen_test]
fn inflated_pieces_go_to_the_callback_and_the_end_counts_them() {
    use std::cell::RefCell;
    use std::rc::Rc;
    use wsframe::deflate::{DeflateParams, DeflateSettings};
    use wsframe::protocol::{Config, Connection, MessageKind};
    let settings = DeflateSettings {
        threshold: 0,
        ..DeflateSettings::new(DeflateParams::default())
    };
    let mut client = Connection::new(Config {
        deflate: Some(settings),
        ..Config::client()
    });
    let text: Vec<u8> = (0..600_000u32).map(|i| b'a' + (i % 13) as u8).collect();
    client.send_message(MessageKind::Text, &text, None).unwrap();
    client.send_message(MessageKind::Binary, b"after", None).unwrap();
    let wire = client.take_output();

    let deflate = options(&[]);
    let mut server =
        protocol::WasmConnection::new(options(&[("role", "server".into()), ("deflate", deflate)])).unwrap();
    let inflated = Rc::new(RefCell::new(Vec::<Vec<u8>>::new()));
    let sink = inflated.clone();
    let on_piece = Closure::<dyn FnMut(u32, u32)>::new(move |at: u32, len: u32| {
        // Allocated before the view is made: growing memory detaches views.
        let mut piece = vec![0; len as usize];
        let memory = js_sys::Uint8Array::new(
            &wasm_bindgen::memory()
                .unchecked_into::<js_sys::WebAssembly::Memory>()
                .buffer(),
        );
        memory.subarray(at, at + len).copy_to(&mut piece);
        sink.borrow_mut().push(piece);
    });
    let callback: &js_sys::Function = on_piece.as_ref().unchecked_ref();
    let mut ends = Vec::new();
    for chunk in wire.chunks(1000) {
        server.receive(chunk, callback).unwrap();
        let p = server.packed();
        let u32_at = |at: usize| u32::from_le_bytes(p[at..at + 4].try_into().unwrap());
        let mut at = 16;
        for _ in 0..u32_at(0) {
            let (kind, a, b) = (p[at], u32_at(at + 1), u32_at(at + 5));
            at += 9;
            match kind {
                4 => ends.push((a, b)),
                other => panic!("unexpected event {other}"),
            }
        }
    }
    // Both messages, the small one too, came inflated through the callback.
    let pieces = inflated.borrow();
    let n = pieces.len() - 1;
    assert!(n >= 3 && pieces.iter().all(|p| p.len() <= 256 * 1024));
    assert_eq!(ends, [(1, n as u32), (2, 1)]);
    assert_eq!(pieces[..n].concat(), text);
    assert_eq!(pieces[n], b"after");
}

#[wasm_bindgen_test]
fn connections_share_the_call_buffers_and_refuse_reentry() {
    use std::cell::RefCell;
    use std::rc::Rc;
    let mut a = protocol::WasmConnection::new(options(&[("role", "server".into())])).unwrap();
    let mut b = protocol::WasmConnection::new(options(&[("role", "server".into())])).unwrap();
    // Interleaved calls: each result is read before the next call.
    let hello = hex("818537fa213d7f9f4d5158");
    let mut pieces = Vec::new();
    for _ in 0..3 {
        a.receive(&hello[..4], &no_callback()).unwrap();
        let (events, _, _) = unpack_events(&a.packed(), &mut pieces);
        assert!(events.is_empty());
        b.receive(&hello, &no_callback()).unwrap();
        assert_eq!(
            unpack_events(&b.packed(), &mut Vec::new()).0,
            [(1, b"Hello".to_vec())]
        );
        a.receive(&hello[4..], &no_callback()).unwrap();
        assert_eq!(
            unpack_events(&a.packed(), &mut pieces).0,
            [(1, b"Hello".to_vec())]
        );
    }
    assert_eq!(a.input_buffer(8).unwrap(), b.input_buffer(8).unwrap());

    // A callback that calls another connection gets an error, not a panic.
    let other = Rc::new(RefCell::new(b));
    let seen = Rc::new(RefCell::new(None));
    let (inner, sink) = (other.clone(), seen.clone());
    let on_piece = Closure::<dyn FnMut(u32, u32)>::new(move |_: u32, _: u32| {
        *sink.borrow_mut() = Some(inner.borrow_mut().input_buffer(8).is_err());
    });
    let deflate = options(&[]);
    let mut c =
        protocol::WasmConnection::new(options(&[("role", "server".into()), ("deflate", deflate)])).unwrap();
    // "Hello" compressed (RFC 7692 §7.2.3.1), masked.
    let frame = [
        hex("c18737fa213d"),
        mask_bytes(&hex("f248cdc9c90700"), [0x37, 0xfa, 0x21, 0x3d]),
    ]
    .concat();
    c.receive(&frame, on_piece.as_ref().unchecked_ref()).unwrap();
    assert_eq!(*seen.borrow(), Some(true), "the callback ran and was refused");
    assert_eq!(
        unpack_events(&c.packed(), &mut Vec::new()).0,
        [(1, vec![])],
        "the message ended"
    );
}

#[wasm_bindgen_test]
fn hot_calls_return_a_number_and_keep_their_error() {
    let mut conn = protocol::WasmConnection::new(options(&[("role", "server".into())])).unwrap();
    let at = conn.input_buffer(2).unwrap();
    assert!(at > 0);
    // Binary: whatever the shared input holds, two bytes frame as four.
    assert_eq!(conn.send_input_or_minus(true, 2, 0, 0, 0), 4.0);
    assert!(wsframe::wasm::take_call_error().is_undefined());
    conn.close(1000, "").unwrap();
    assert_eq!(conn.send_input_or_minus(true, 2, 0, 0, 0), -1.0);
    assert_js_error(&wsframe::wasm::take_call_error(), "invalid_state", None, None);
    assert!(wsframe::wasm::take_call_error().is_undefined(), "taken once");
}

fn mask_bytes(data: &[u8], key: [u8; 4]) -> Vec<u8> {
    data.iter().enumerate().map(|(i, b)| b ^ key[i % 4]).collect()
}

#[wasm_bindgen_test]
fn protocol_errors_reach_js_as_errors() {
    let mut conn = protocol::WasmConnection::new(options(&[("role", "server".into())])).unwrap();
    conn.receive(&hex("810548656c6c6f"), &no_callback()).unwrap();
    let (events, _, pending) = unpack_events(&conn.packed(), &mut Vec::new());
    assert_eq!(events, [(255, vec![])]);
    assert!(pending);
    assert_js_error(&conn.take_error(), "mask_missing", Some(1002.0), Some(1.0));
    assert_eq!(conn.flush().unwrap(), hex("880203ea"));
    assert_js_error(&conn.send_text("x").unwrap_err(), "invalid_state", None, None);

    let mut conn = protocol::WasmConnection::new(options(&[("role", "server".into())])).unwrap();
    conn.receive(&hex("818437fa213d7f9f4dc2"), &no_callback())
        .unwrap();
    assert_js_error(&conn.take_error(), "invalid_utf8", Some(1007.0), Some(9.0));

    let bad_role = protocol::WasmConnection::new(options(&[("role", "peer".into())]))
        .err()
        .unwrap();
    assert_js_error(&bad_role, "invalid_argument", None, None);
    let unknown =
        protocol::WasmConnection::new(options(&[("role", "server".into()), ("maxPayloadz", 1.into())]))
            .err()
            .unwrap();
    assert_js_error(&unknown, "invalid_argument", None, None);
}

#[wasm_bindgen_test]
fn limits_are_options() {
    let mut conn = protocol::WasmConnection::new(options(&[
        ("role", "client".into()),
        ("maxMessageSize", 4.into()),
    ]))
    .unwrap();
    conn.receive(&hex("820501020304 05"), &no_callback()).unwrap();
    assert_js_error(&conn.take_error(), "message_too_big", Some(1009.0), Some(0.0));
}

#[wasm_bindgen_test]
fn handshake_errors_carry_http_status() {
    let mut server = handshake::WasmServerHandshake::new(JsValue::UNDEFINED).unwrap();
    let e = server
        .push(b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 8\r\n\r\n")
        .unwrap_err();
    assert_eq!(get(&e, "httpStatus").as_f64(), Some(426.0));
    assert_js_error(&e, "unsupported_version", None, Some(0.0));
    let answer = String::from_utf8(handshake::rejection_for(e)).unwrap();
    assert!(answer.starts_with("HTTP/1.1 426 Upgrade Required\r\n"));
    assert!(answer.contains("Sec-WebSocket-Version: 13\r\n"));
}

#[wasm_bindgen_test]
fn server_and_client_handshakes_meet() {
    let nonce = js_sys::Uint8Array::from(&b"the sample nonce"[..]);
    let client_opts = options(&[
        ("host", "example.com".into()),
        ("path", "/chat".into()),
        ("nonce", nonce.into()),
    ]);
    let mut client = handshake::WasmClientHandshake::new(client_opts).unwrap();
    assert_eq!(client.key(), "dGhlIHNhbXBsZSBub25jZQ==");
    let mut server = handshake::WasmServerHandshake::new(JsValue::UNDEFINED).unwrap();
    let mut request = client.request();
    request.extend_from_slice(&hex("8180"));
    let parsed = server.push(&request).unwrap();
    assert_eq!(get(&parsed, "path").as_string().as_deref(), Some("/chat"));
    let rest: js_sys::Uint8Array = get(&parsed, "rest").dyn_into().unwrap();
    assert_eq!(rest.to_vec(), hex("8180"));
    let response = handshake::accept_response(parsed, JsValue::UNDEFINED).unwrap();
    let answer = client.push(&response).unwrap();
    assert_eq!(get(&answer, "status").as_f64(), Some(101.0));
}

#[wasm_bindgen_test]
fn utf8_close_and_mask_bindings() {
    assert!(utf8::is_valid_utf8("€𝄞".as_bytes()));
    assert!(!utf8::is_valid_utf8(b"\xed\xa0\x80"));
    let mut v = utf8::WasmUtf8Validator::new();
    v.push(b"ab\xf0").unwrap();
    assert_js_error(
        &v.push(b"\x28").unwrap_err(),
        "invalid_utf8",
        Some(1007.0),
        Some(3.0),
    );
    assert!(close::is_valid_close_code(4999.0) && !close::is_valid_close_code(1005.0));
    assert!(!close::is_valid_close_code(1000.5));
    assert_eq!(close::close_code_name(1011.0), "Internal Error");
    assert_js_error(
        &close::parse_close_payload(&[3]).unwrap_err(),
        "invalid_close_payload",
        Some(1002.0),
        Some(0.0),
    );
    assert_eq!(
        close::encode_close_payload(Some(1000.0), b"ok").unwrap(),
        b"\x03\xe8ok"
    );
    // The simd128 path (in browsers too) against the byte loop, every length and offset.
    let key = [0x37, 0xfa, 0x21, 0x3d];
    for len in 0..=80usize {
        for offset in 0..4u32 {
            let original: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
            let mut data = original.clone();
            mask::mask(&mut data, &key, offset).unwrap();
            let expected: Vec<u8> = original
                .iter()
                .enumerate()
                .map(|(i, b)| b ^ key[(i + offset as usize) % 4])
                .collect();
            assert_eq!(data, expected);
        }
    }
    assert_js_error(
        &mask::mask(&mut [0u8; 4], &[1, 2, 3], 0).unwrap_err(),
        "invalid_argument",
        None,
        None,
    );
}

#[wasm_bindgen_test]
fn inspect_returns_anatomy_objects() {
    let anatomy = inspect::inspect(
        &hex("818537fa213d7f9f4d5158 8102 6869"),
        options(&[("direction", "client".into())]),
    )
    .unwrap();
    let frames: js_sys::Array = get(&anatomy, "frames").dyn_into().unwrap();
    assert_eq!(frames.length(), 2);
    let first = frames.get(0);
    assert_eq!(get(&first, "opcodeName").as_string().as_deref(), Some("text"));
    let payload: js_sys::Uint8Array = get(&first, "payload").dyn_into().unwrap();
    assert_eq!(payload.to_vec(), b"Hello");
    let diagnostics: js_sys::Array = get(&anatomy, "diagnostics").dyn_into().unwrap();
    let d = diagnostics.get(0);
    assert_eq!(get(&d, "code").as_string().as_deref(), Some("mask_missing"));
    assert_eq!(get(&d, "offset").as_f64(), Some(12.0));
}

fn message(error: &JsValue) -> String {
    String::from(
        error
            .dyn_ref::<js_sys::Error>()
            .expect("a JS Error object")
            .message(),
    )
}

fn strings(value: &JsValue) -> Vec<String> {
    value
        .dyn_ref::<js_sys::Array>()
        .expect("an array")
        .iter()
        .map(|v| v.as_string().expect("a string"))
        .collect()
}

#[wasm_bindgen_test]
fn options_are_read_by_name_and_type() {
    let server =
        |extra: (&str, JsValue)| protocol::WasmConnection::new(options(&[("role", "server".into()), extra]));
    let misspelt = server(("maxFrame", 1.into())).err().unwrap();
    assert_js_error(&misspelt, "invalid_argument", None, None);
    assert!(message(&misspelt).contains("unknown field `maxFrame`, expected one of `role`, `maxFrameSize`"));
    for bad in ["big".into(), (-1).into(), 1.5.into(), true.into()] {
        let e = server(("maxFrameSize", bad)).err().unwrap();
        assert!(
            message(&e).contains("`maxFrameSize` must be a non-negative integer"),
            "{}",
            message(&e)
        );
    }
    // maxFragments is a u32: 2^32 does not fit.
    assert!(server(("maxFragments", 4_294_967_296.0.into())).is_err());
    assert!(server(("maxFragments", 4_294_967_295.0.into())).is_ok());
    let e = server(("autoPong", 1.into())).err().unwrap();
    assert!(message(&e).contains("`autoPong` must be a boolean"));
    // null stands for absent, as undefined does.
    assert!(server(("maxFrameSize", JsValue::NULL)).is_ok());
    let e = protocol::WasmConnection::new(JsValue::from_str("server"))
        .err()
        .unwrap();
    assert!(message(&e).contains("options: expected an object"));
    let e = protocol::WasmConnection::new(JsValue::UNDEFINED).err().unwrap();
    assert!(message(&e).contains("role must be"));
    assert!(server(("deflate", options(&[("level", 10.into())]))).is_err());
    let e = server(("deflate", options(&[("levels", 1.into())])))
        .err()
        .unwrap();
    assert!(message(&e).contains("unknown field `levels`"));
    // The request handed back to the server must carry what the answer
    // depends on (its key and what it offers); nothing else is read back.
    let e = handshake::accept_response(options(&[("method", "GET".into())]), JsValue::UNDEFINED).unwrap_err();
    assert!(message(&e).contains("request: missing field `key`"));
    let offer = options(&[
        ("key", "dGhlIHNhbXBsZSBub25jZQ==".into()),
        ("protocols", js_sys::Array::new().into()),
        ("extensions", js_sys::Array::new().into()),
    ]);
    let answer = String::from_utf8(handshake::accept_response(offer, JsValue::UNDEFINED).unwrap()).unwrap();
    assert!(
        answer.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
        "{answer}"
    );
}

#[wasm_bindgen_test]
fn handshake_objects_carry_every_field_and_round_trip() {
    let pairs = |list: &[(&str, &str)]| -> JsValue {
        list.iter()
            .map(|(n, v)| js_sys::Array::of2(&JsValue::from_str(n), &JsValue::from_str(v)))
            .collect::<js_sys::Array>()
            .into()
    };
    let parts = options(&[
        ("method", "GET".into()),
        ("path", "/chat?room=1".into()),
        (
            "headers",
            pairs(&[
                ("Host", "example.com"),
                ("Upgrade", "websocket"),
                ("Connection", "Upgrade"),
                ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
                ("Sec-WebSocket-Version", "13"),
                ("Origin", "http://example.com"),
                ("Sec-WebSocket-Protocol", "chat, superchat"),
                (
                    "Sec-WebSocket-Extensions",
                    "permessage-deflate; client_max_window_bits, x-foo; a=\"1\"",
                ),
            ]),
        ),
    ]);
    let request = handshake::validate_request(parts).unwrap();
    assert_eq!(get(&request, "method").as_string().as_deref(), Some("GET"));
    assert_eq!(get(&request, "path").as_string().as_deref(), Some("/chat?room=1"));
    assert_eq!(get(&request, "httpMinor").as_f64(), Some(1.0));
    assert_eq!(get(&request, "host").as_string().as_deref(), Some("example.com"));
    assert_eq!(
        get(&request, "origin").as_string().as_deref(),
        Some("http://example.com")
    );
    assert_eq!(
        get(&request, "key").as_string().as_deref(),
        Some("dGhlIHNhbXBsZSBub25jZQ==")
    );
    assert_eq!(strings(&get(&request, "protocols")), ["chat", "superchat"]);
    let headers: js_sys::Array = get(&request, "headers").dyn_into().unwrap();
    assert_eq!(headers.length(), 8);
    assert_eq!(strings(&headers.get(5)), ["Origin", "http://example.com"]);
    let extensions: js_sys::Array = get(&request, "extensions").dyn_into().unwrap();
    let deflate = extensions.get(0);
    assert_eq!(
        get(&deflate, "name").as_string().as_deref(),
        Some("permessage-deflate")
    );
    let param = js_sys::Array::from(&get(&deflate, "params")).get(0);
    assert_eq!(
        get(&param, "name").as_string().as_deref(),
        Some("client_max_window_bits")
    );
    assert!(get(&param, "value").is_undefined());
    let quoted = js_sys::Array::from(&get(&extensions.get(1), "params")).get(0);
    assert_eq!(get(&quoted, "value").as_string().as_deref(), Some("1"));
    assert_eq!(js_sys::Uint8Array::from(get(&request, "rest")).length(), 0);

    // Absent protocol: the first offered; null: none; a string: that one.
    let lines = |opts: JsValue| {
        strings(&get(
            &handshake::upgrade_answer(request.clone(), opts).unwrap(),
            "lines",
        ))
    };
    assert!(lines(JsValue::UNDEFINED).contains(&"Sec-WebSocket-Protocol: chat".to_string()));
    assert!(!lines(options(&[("protocol", JsValue::NULL)]))
        .iter()
        .any(|l| l.starts_with("Sec-WebSocket-Protocol")));
    assert!(lines(options(&[("protocol", "superchat".into())]))
        .contains(&"Sec-WebSocket-Protocol: superchat".to_string()));
    let answer = handshake::upgrade_answer(
        request.clone(),
        options(&[("protocol", JsValue::NULL), ("deflate", options(&[]))]),
    )
    .unwrap();
    assert!(get(&answer, "protocol").is_undefined());
    if cfg!(feature = "deflate") {
        assert_eq!(
            get(&answer, "extensions").as_string().as_deref(),
            Some("permessage-deflate")
        );
        let params = get(&answer, "deflate");
        assert_eq!(get(&params, "serverNoContextTakeover").as_bool(), Some(false));
        assert_eq!(get(&params, "clientMaxWindowBits").as_f64(), Some(15.0));
    }

    // Extra headers as an object keep the object's order.
    let extra = options(&[("X-B", "2".into()), ("X-A", "1".into())]);
    let response = handshake::accept_response(request.clone(), options(&[("headers", extra)])).unwrap();
    let text = String::from_utf8(response).unwrap();
    assert!(
        text.find("X-B: 2").unwrap() < text.find("X-A: 1").unwrap(),
        "{text}"
    );
    let e = handshake::accept_response(request, options(&[("headers", 5.into())])).unwrap_err();
    assert!(message(&e).contains("`headers` must be"));
}
