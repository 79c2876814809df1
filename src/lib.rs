//! wsframe: a sans-I/O WebSocket wire toolkit.
//!
//! Each protocol layer is its own module, usable alone: bytes in, events and
//! bytes out, no sockets, timers or clocks. See DESIGN.md for the map.

mod bounded;
#[cfg(feature = "inspector")]
pub mod capture;
pub mod close;
pub mod deflate;
#[cfg(feature = "engineio")]
pub mod engineio;
pub mod error;
#[cfg(feature = "inspector")]
pub mod exchanges;
pub mod frame;
pub mod handshake;
#[cfg(feature = "inspector")]
pub mod har;
#[cfg(feature = "server")]
pub mod http;
#[cfg(feature = "inspector")]
pub mod inspect;
pub mod layout;
pub mod mask;
#[cfg(feature = "inspector")]
pub mod pcap;
pub mod protocol;
#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "engineio")]
pub mod socketio;
#[cfg(feature = "inspector")]
pub mod tcp;
pub mod utf8;

/// The JS bindings (only when compiled for wasm).
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::{Error, ErrorKind, Result, Violation};
pub use frame::{FrameDecoder, FrameHeader, Opcode, Role};
pub use handshake::accept_key;
pub use protocol::{Config, Connection, Event, MessageKind, OwnedEvent, State};

/// Helpers for the unit tests of every module.
#[cfg(test)]
pub(crate) mod test_util {
    /// Bytes from hex digits; anything else (spaces) is skipped.
    pub fn hex(s: &str) -> Vec<u8> {
        let digits: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
        (0..digits.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).expect("hex digits"))
            .collect()
    }
}
