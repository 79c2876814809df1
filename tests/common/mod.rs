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

/// A DEFLATE stream (fixed Huffman) that inflates to `runs * 258 + 1` zeros:
/// a literal 0, then `runs` matches of length 258 at distance 1, 13 bits each.
pub fn bomb(runs: usize) -> Vec<u8> {
    let mut bits = BitWriter::default();
    bits.put(0, 1); // BFINAL = 0
    bits.put(1, 2); // BTYPE = 01, fixed Huffman
    bits.put_code(0b0011_0000, 8); // literal 0
    for _ in 0..runs {
        bits.put_code(0b1100_0101, 8); // length code 285: 258 bytes
        bits.put_code(0, 5); // distance code 0: distance 1
    }
    bits.put_code(0, 7); // end of block
                         // Flushed to a byte boundary with an empty stored block, the marker the
                         // sender strips and the receiver appends.
    bits.put(0, 3);
    bits.align();
    bits.bytes.extend_from_slice(&[0x00, 0x00, 0xff, 0xff]);
    let mut out = bits.bytes;
    out.truncate(out.len() - 4);
    out
}

#[derive(Default)]
struct BitWriter {
    bytes: Vec<u8>,
    used: u32,
}

impl BitWriter {
    /// Writes `n` bits of `value`, least significant first (DEFLATE's order for non-codes).
    fn put(&mut self, value: u32, n: u32) {
        for i in 0..n {
            if self.used % 8 == 0 {
                self.bytes.push(0);
            }
            if (value >> i) & 1 == 1 {
                let last = self.bytes.len() - 1;
                self.bytes[last] |= 1 << (self.used % 8);
            }
            self.used += 1;
        }
    }

    /// Writes a Huffman code of `n` bits, most significant first.
    fn put_code(&mut self, code: u32, n: u32) {
        for i in (0..n).rev() {
            self.put((code >> i) & 1, 1);
        }
    }

    fn align(&mut self) {
        self.used = self.bytes.len() as u32 * 8;
    }
}
