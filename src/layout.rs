//! The layouts JS and the wasm bindings share: packed results, record
//! kinds and call flags. They are defined here once; `js_module()` renders
//! them as the package's `src/layout.mjs` (a test keeps that file current:
//! `WSFRAME_WRITE_LAYOUT=1 cargo test --test layout` rewrites it).

/// Declares a module of layout constants and, in it, `JS`: its name for
/// the generated module and every constant as a u32.
macro_rules! layout {
    ($(#[$module_doc:meta])* mod $module:ident as $js:literal {
        $($(#[$doc:meta])* $name:ident: $ty:ty = $value:expr;)*
    }) => {
        $(#[$module_doc])*
        pub mod $module {
            $($(#[$doc])* pub const $name: $ty = $value;)*
            /// The group's prefix in the JS module, and its constants.
            pub const JS: (&str, &[(&str, u32)]) = ($js, &[$((stringify!($name), $name as u32)),*]);
        }
    };
}

layout! {
    /// A Connection's packed `receive` result: a header of four little-endian
    /// u32 (event count, output offset, output length, flags), then the events.
    mod connection as "CONNECTION" {
        HEADER_LEN: u32 = 16;
        COUNT_AT: u32 = 0;
        OUTPUT_AT: u32 = 4;
        OUTPUT_LEN_AT: u32 = 8;
        FLAGS_AT: u32 = 12;
        /// Flag: a close waits for `flush`.
        FLAG_PENDING: u32 = 1;
        /// Each event: u8 type, u32 a, u32 b (then inline bytes for controls).
        EVENT_LEN: u32 = 9;
        EVENT_A_AT: u32 = 1;
        EVENT_B_AT: u32 = 5;
        /// A whole message in wasm memory (a = address, b = length).
        EVENT_TEXT: u8 = 1;
        EVENT_BINARY: u8 = 2;
        /// The next piece of a message, where it lies in the input (a = address, b = length).
        EVENT_PIECE: u8 = 3;
        /// The message is complete (a = 1 text, 2 binary; b = how many of its
        /// pieces went to the `onPiece` callback rather than into the result).
        EVENT_END: u8 = 4;
        /// Controls carry their payload inline: (length, 0, bytes) for pings
        /// and pongs, (reason length, code, reason) for a close.
        EVENT_CLOSE: u8 = 8;
        EVENT_PING: u8 = 9;
        EVENT_PONG: u8 = 10;
        /// The connection failed: `takeError()` says why.
        EVENT_ERROR: u8 = 255;
    }
}

layout! {
    /// A FrameDecoder's packed `push` result: u32 frame count, then each frame
    /// as u8 first header byte, u8 masked, 4 key bytes, u32 header length, u64
    /// stream offset, u32 payload length, the payload.
    mod frames as "FRAMES" {
        HEADER_LEN: u32 = 4;
        FIRST_BYTE_AT: u32 = 0;
        MASKED_AT: u32 = 1;
        KEY_AT: u32 = 2;
        HEADER_LEN_AT: u32 = 6;
        OFFSET_AT: u32 = 10;
        PAYLOAD_LEN_AT: u32 = 18;
        PAYLOAD_AT: u32 = 22;
    }
}

layout! {
    /// Flags of a Connection's send calls: bit 0 sends the message
    /// uncompressed; bits 1-2 choose the masking.
    mod send as "SEND" {
        NO_COMPRESS: u32 = 1;
        MASK_SHIFT: u32 = 1;
        MASK_BITS: u32 = 0b11;
        /// Masked as the role requires (clients mask, servers do not).
        MASK_BY_ROLE: u32 = 0;
        MASK_NONE: u32 = 1;
        MASK_RANDOM: u32 = 2;
        /// With the key given as a little-endian u32.
        MASK_KEY: u32 = 3;
    }
}

layout! {
    /// A frame header returned as one number by `encodeHeaderPacked`: its
    /// length in the low bits; with the INLINE flag, its (at most
    /// MAX_INLINE_LEN) bytes as a big-endian u32 times BYTES_SCALE, else
    /// they are in the header scratch. -1: an error, kept for `takeCallError`.
    mod header_packed as "HEADER_PACKED" {
        LEN_MASK: u32 = 0b1111;
        INLINE: u32 = 0b1_0000;
        BYTES_SCALE: u32 = 0b10_0000;
        MAX_INLINE_LEN: u32 = 4;
    }
}

layout! {
    /// Flags of the server core's `emit` and `broadcast` (socket.io's
    /// `volatile`, which `emit` leaves to the caller, and `compress(false)`).
    mod emit as "EMIT" {
        VOLATILE: u32 = 1;
        NO_COMPRESS: u32 = 2;
    }
}

layout! {
    /// Records of the Engine.IO/Socket.IO server core's output: u8 kind,
    /// u32 id, u32 length, then the body.
    mod server as "SERVER" {
        RECORD_HEADER_LEN: u32 = 9;
        WRITE: u8 = 1;
        END: u8 = 2;
        SESSION_OPEN: u8 = 3;
        UPGRADE: u8 = 4;
        SESSION_CLOSE: u8 = 5;
        CONNECT: u8 = 6;
        /// Body: u32 name length, the name's JSON, u32 arguments length,
        /// their JSON, f64 ack id (-1: none), then the placeholders' JSON
        /// when attachments follow.
        EVENT: u8 = 7;
        ACK: u8 = 8;
        DISCONNECT: u8 = 9;
        ATTACHMENT: u8 = 10;
        /// Id: the number of connections. Body: their ids (u32 each), then
        /// the bytes to write to every one of them.
        WRITE_SHARED: u8 = 11;
        /// Id: the request. Body: u16 status, u8 1 when the body may be
        /// compressed (`httpCompression`), u32 length of the header lines
        /// ("name: value\r\n" each), the lines, then the body.
        RESPOND: u8 = 12;
        /// A raw Engine.IO message. Body: u8 1 when binary, u32 length of
        /// the session id, the id, then the data.
        MESSAGE: u8 = 13;
        /// Id: the request (or upgrade) being refused. Body: u8 engine.io
        /// error code, then engine.io's context name for a bad request
        /// (ASCII, empty for the other codes).
        REFUSED: u8 = 14;
        /// A packet of an observed session. Id: 0 sent, 1 received, 2
        /// received and a heartbeat. Body: u8 Engine.IO packet type, u8
        /// flags (PACKET_BINARY, PACKET_UNCOMPRESSED), u32 length of the
        /// session id, the id, the data.
        PACKET: u8 = 15;
        PACKET_BINARY: u8 = 1;
        /// Sent with `compress: false`.
        PACKET_UNCOMPRESSED: u8 = 2;
        /// What an observed session sent went to its transport. Body: the session id.
        DRAIN: u8 = 16;
        /// A message decoded by the application's parser was (part of)
        /// one packet. Id: the token its `decode` gave the packet. Body:
        /// u32 the socket the packet's data is for, 0 for none.
        DECODED: u8 = 17;
    }
}

/// The constants above as an ES module, `export const GROUP_NAME = value;`.
pub fn js_module() -> String {
    let mut out = String::from(
        "// Generated from src/layout.rs (the layouts the wasm bindings write and\n\
         // this package reads); `WSFRAME_WRITE_LAYOUT=1 cargo test --test layout`\n\
         // rewrites it. Do not edit.\n",
    );
    for (group, constants) in [
        connection::JS,
        frames::JS,
        header_packed::JS,
        send::JS,
        emit::JS,
        server::JS,
    ] {
        out.push('\n');
        for (name, value) in constants {
            out.push_str(&format!("export const {group}_{name} = {value};\n"));
        }
    }
    out
}
