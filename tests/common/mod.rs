//! Helpers shared by the integration tests.
#![allow(dead_code)]

use wsframe::frame::{encode_frame, FrameHeader, Opcode};

pub fn hex(s: &str) -> Vec<u8> {
    let digits: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).expect("hex"))
        .collect()
}

pub const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// One frame as a client sends it (masked with `KEY`).
pub fn client_frame(opcode: Opcode, fin: bool, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let header = FrameHeader {
        fin,
        mask: Some(KEY),
        ..FrameHeader::new(opcode, 0)
    };
    encode_frame(&mut out, header, payload);
    out
}

/// One frame as a server sends it (unmasked).
pub fn server_frame(opcode: Opcode, fin: bool, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_frame(
        &mut out,
        FrameHeader {
            fin,
            ..FrameHeader::new(opcode, 0)
        },
        payload,
    );
    out
}

pub fn fixtures() -> serde_json::Value {
    let text = include_str!("../fixtures/vectors.json");
    serde_json::from_str(text).expect("vectors.json parses")
}
