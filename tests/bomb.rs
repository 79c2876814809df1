//! A decompression bomb against a connection: a compressed message that
//! would inflate to 1 GiB stops at the 16 MiB message limit, with 1009, and
//! resident memory stays near the limit. Alone in its test binary, so that
//! nothing else moves the memory figures.
#![cfg(target_os = "linux")]

mod common;
use common::bomb;
use wsframe::deflate::{DeflateParams, DeflateSettings};
use wsframe::frame::{encode_frame, FrameHeader, Opcode};
use wsframe::protocol::{Config, Connection};
use wsframe::ErrorKind;

/// Peak resident memory of this process so far, in bytes (Linux).
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 1024
}

#[test]
fn a_gibibyte_bomb_stops_at_the_limit_with_memory_near_it() {
    const LIMIT: u64 = 16 << 20;
    let payload = bomb((1usize << 30) / 258);
    let mut frame = Vec::new();
    let header = FrameHeader {
        rsv1: true,
        ..FrameHeader::new(Opcode::Binary, 0)
    };
    encode_frame(&mut frame, header, &payload);
    let mut conn = Connection::new(Config {
        max_message_size: LIMIT,
        deflate: Some(DeflateSettings {
            threshold: 0,
            ..DeflateSettings::new(DeflateParams::default())
        }),
        ..Config::client()
    });
    let before = peak_rss();
    let mut fed = 0;
    let mut error = None;
    for chunk in frame.chunks(64 * 1024) {
        fed += chunk.len();
        if let Err(e) = conn.receive(chunk) {
            error = Some(e);
            break;
        }
    }
    let e = error.expect("the bomb must fail the connection");
    assert_eq!((e.kind(), e.close_code()), (ErrorKind::MessageTooBig, Some(1009)));
    // About 100 KB of the 6.5 MB announced were read: it stopped at the limit.
    assert!(fed < 256 * 1024, "read {fed} bytes before stopping");
    let grown = peak_rss().saturating_sub(before);
    assert!(
        grown < LIMIT + (8 << 20),
        "peak memory grew by {grown} bytes for a {LIMIT}-byte limit"
    );
    eprintln!(
        "bomb: {} compressed bytes (1 GiB inflated); stopped after {fed} bytes; peak memory +{} KiB",
        payload.len(),
        grown / 1024
    );
}
