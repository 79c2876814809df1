//! wsframe: a sans-I/O WebSocket wire toolkit.
//!
//! Each protocol layer is its own module, usable alone: bytes in, events and
//! bytes out, no sockets, timers or clocks. See DESIGN.md for the map.

pub mod close;
pub mod error;
pub mod frame;
pub mod handshake;
pub mod inspect;
pub mod mask;
pub mod protocol;
pub mod utf8;

/// The JS bindings (only when compiled for wasm).
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::{Error, ErrorKind, Result};
pub use frame::{FrameDecoder, FrameHeader, Opcode, Role};
pub use handshake::accept_key;
pub use protocol::{Config, Connection, Event, MessageKind, OwnedEvent, State};
