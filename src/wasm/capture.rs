use super::{invalid_argument, options, to_js};
use crate::capture::{self, CaptureOptions, Dir, FrameSpec, Segment};
use wasm_bindgen::prelude::*;

fn dir(name: &str) -> Result<Dir, JsValue> {
    match name {
        "client" => Ok(Dir::Client),
        "server" => Ok(Dir::Server),
        other => Err(invalid_argument(format!(
            "direction {other:?} (client or server)"
        ))),
    }
}

/// Turns pasted text into bytes: `{ format, segments: [{ dir, bytes }],
/// problems: [{ line, message }] }`. Reads base64, plain hex (any
/// separators, `0x`), and hex dumps with offsets (Wireshark's "Follow TCP
/// Stream", xxd); `>` / `<` line marks or Wireshark's indentation give the
/// direction, else `defaultDir` ("client" or "server").
#[wasm_bindgen(js_name = parseDump)]
pub fn parse_dump(text: &str, default_dir: &str) -> Result<JsValue, JsValue> {
    to_js(&capture::parse_dump(text, dir(default_dir)?))
}

/// What a file is from its first bytes (a few KiB suffice): "pcap",
/// "pcapng", "har" or "text".
#[wasm_bindgen(js_name = fileKind)]
pub fn file_kind(head: &[u8]) -> String {
    capture::file_kind(head).to_string()
}

/// A HAR (a browser's Network export): `{ creator, entries, websockets:
/// [{ entry, url, started, requestHeaders, status, responseHeaders, eio,
/// socketio, messages: [{ dir, index, time, opcode, text, data, size }],
/// layers }], polling: [{ entry, method, url, started, status, eio,
/// socketio, layers }], diagnostics }`. Throws `invalid_argument` for text
/// that is not a HAR.
#[wasm_bindgen(js_name = inspectHar)]
pub fn inspect_har(text: &str) -> Result<JsValue, JsValue> {
    let har = crate::har::inspect_har(text).map_err(|e| invalid_argument(e.0))?;
    to_js(&har)
}

/// A pcap or pcapng file read into its TCP connections, kept here so that
/// each connection decodes on demand without its bytes crossing to JS.
#[wasm_bindgen(js_name = CaptureFile)]
pub struct WasmCaptureFile {
    file: crate::pcap::CaptureFile,
}

#[wasm_bindgen(js_class = CaptureFile)]
impl WasmCaptureFile {
    /// Reads the file; throws `invalid_argument` when it is neither format.
    /// `on_progress(fraction)`, when given, is told how far reading has come
    /// (about a hundred times, ending at 1); what it throws is rethrown.
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: &[u8], on_progress: Option<js_sys::Function>) -> Result<WasmCaptureFile, JsValue> {
        let mut thrown = None;
        let mut report = |fraction: f64| {
            if let (Some(callback), None) = (&on_progress, &thrown) {
                thrown = callback.call1(&JsValue::NULL, &JsValue::from_f64(fraction)).err();
            }
        };
        let read =
            crate::pcap::read_capture_with_progress(bytes, &mut crate::pcap::Progress::new(&mut report));
        if let Some(error) = thrown {
            return Err(error);
        }
        let file = read.map_err(|e| invalid_argument(e.0))?;
        Ok(WasmCaptureFile { file })
    }

    /// `{ format, linkTypes, packets, skipped, connections: [{ index,
    /// client, server, kind, packets, bytes, firstTime, lastTime,
    /// firstPacket, synSeen, frames, diagnostics }], diagnostics }`.
    pub fn summary(&self) -> Result<JsValue, JsValue> {
        to_js(&self.file)
    }

    /// Decodes connection `index` as `inspectCapture` does; each entry of
    /// `order` also has the `packet` number and `time` that completed it.
    pub fn inspect(&self, index: usize, opts: JsValue) -> Result<JsValue, JsValue> {
        to_js(&self.connection(index)?.inspect(&options(opts)?))
    }

    /// Connection `index`'s segments: `[{ dir, bytes, packet, time }]`.
    pub fn segments(&self, index: usize) -> Result<JsValue, JsValue> {
        to_js(&self.connection(index)?.segments)
    }
}

impl WasmCaptureFile {
    fn connection(&self, index: usize) -> Result<&crate::pcap::TcpConnection, JsValue> {
        self.file
            .connections
            .get(index)
            .ok_or_else(|| invalid_argument(format!("no connection {index}")))
    }
}

/// Decodes a capture, given as its segments' bytes back to back
/// (`bytes`), each segment's direction (`dirs`: 0 client, 1 server) and
/// length (`lengths`): the handshake, the frames of both directions in
/// capture order, Engine.IO and Socket.IO. Options: `eio` (3, 4, or 0 for
/// none; default from the handshake), `socketio`, `clientDeflate` /
/// `serverDeflate` (`{ windowBits, noContextTakeover }` when no handshake
/// says), `maxPayload` (bytes copied out per frame, default 4096).
#[wasm_bindgen(js_name = inspectCaptureRaw)]
pub fn inspect_capture_raw(
    bytes: &[u8],
    dirs: &[u8],
    lengths: &[u32],
    opts: JsValue,
) -> Result<JsValue, JsValue> {
    let o: CaptureOptions = options(opts)?;
    if dirs.len() != lengths.len() {
        return Err(invalid_argument("one direction per segment length"));
    }
    let mut segments = Vec::with_capacity(dirs.len());
    let mut at = 0usize;
    for (&d, &len) in dirs.iter().zip(lengths) {
        let end = at
            .checked_add(len as usize)
            .filter(|&end| end <= bytes.len())
            .ok_or_else(|| invalid_argument("segment lengths run past the bytes"))?;
        segments.push(Segment::new(
            if d == 0 { Dir::Client } else { Dir::Server },
            bytes[at..end].to_vec(),
        ));
        at = end;
    }
    to_js(&capture::inspect_capture(&segments, &o))
}

/// Encodes a frame field by field (`{ fin, rsv1, rsv2, rsv3, opcode, mask:
/// [4 bytes] | null, length: "minimal" | "extended16" | "extended64" }`),
/// valid or not: reserved opcodes and non-minimal lengths are allowed.
#[wasm_bindgen(js_name = buildFrame)]
pub fn build_frame(spec: JsValue, payload: &[u8]) -> Result<Vec<u8>, JsValue> {
    let spec: FrameSpec =
        serde_wasm_bindgen::from_value(spec).map_err(|e| invalid_argument(format!("frame: {e}")))?;
    if spec.opcode > 15 {
        return Err(invalid_argument("an opcode has 4 bits (0-15)"));
    }
    Ok(capture::build_frame(&spec, payload))
}
