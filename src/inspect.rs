//! Frame anatomy for the inspector: every field of every frame with its byte
//! and bit span, raw bits and meaning; payloads unmasked; fragments grouped
//! into messages; and diagnostics that point at the exact byte (and bit) where
//! something is wrong.
//!
//! Unlike [`crate::protocol::Connection`], inspection is lenient: it reports
//! a violation and goes on to the next frame (frames delimit themselves), so
//! a capture with one bad frame still shows everything around it.

use crate::close::{code_name, is_valid_code};
use crate::deflate::{Decompressor, InflateFailure};
use crate::error::ErrorKind;
use crate::frame::{parse_header, HeaderRules, LengthForm, Opcode, Role};
use crate::mask::apply_mask;
use crate::protocol::check_sequence as check_sequence_rule;
use crate::utf8::Utf8Validator;
use serde::Serialize;
use std::ops::ControlFlow;

/// Who sent the bytes being inspected; decides the masking rule checked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Client to server: frames must be masked.
    Client,
    /// Server to client: frames must not be masked.
    Server,
    /// Unknown: masking is reported, not judged.
    #[default]
    Unknown,
}

/// What to inspect with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InspectOptions {
    pub direction: Direction,
    /// RSV bits a negotiated extension gives meaning to (0b100 = RSV1).
    pub allowed_rsv: u8,
    /// Payload bytes to include per frame and per message (the rest is
    /// still validated, just not copied out).
    pub max_payload: usize,
    /// permessage-deflate as agreed for this direction: compressed messages
    /// are inflated, with context taken over between them unless told not.
    pub deflate: Option<InspectDeflate>,
    /// Most bytes one message may inflate to (a bomb stops here).
    pub max_inflated: usize,
}

/// The permessage-deflate parameters that apply to the inspected direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InspectDeflate {
    /// The window the sender compressed within (8-15).
    pub window_bits: u8,
    /// The sender started afresh for every message.
    pub no_context_takeover: bool,
}

impl Default for InspectOptions {
    fn default() -> Self {
        InspectOptions {
            direction: Direction::Unknown,
            allowed_rsv: 0,
            max_payload: 64 * 1024,
            deflate: None,
            max_inflated: 64 << 20,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A problem found, and where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnostic {
    pub severity: Severity,
    /// The rule broken: the codec's own error kind (its stable code in JSON).
    pub code: ErrorKind,
    pub message: String,
    /// Byte offset in the inspected bytes.
    pub offset: u64,
    /// Bit within that byte (0 = most significant), for header bits.
    pub bit: Option<u8>,
    /// The close code a conforming endpoint would fail the connection with.
    pub close_code: Option<u16>,
    /// The HTTP status a conforming server refuses such a handshake with.
    pub http_status: Option<u16>,
    /// The specification section the fault breaks.
    pub section: Option<&'static str>,
    /// Index of the frame it concerns.
    pub frame: Option<usize>,
}

impl Diagnostic {
    /// A diagnostic of `code` at `offset`, with the close code, HTTP status
    /// and section its kind names.
    pub fn new(severity: Severity, code: ErrorKind, message: impl Into<String>, offset: u64) -> Self {
        Diagnostic {
            severity,
            code,
            message: message.into(),
            offset,
            bit: None,
            close_code: code.close_code(),
            http_status: code.http_status(),
            section: code.section(),
            frame: None,
        }
    }

    pub fn at_bit(mut self, bit: Option<u8>) -> Self {
        self.bit = bit;
        self
    }

    pub fn in_frame(mut self, frame: usize) -> Self {
        self.frame = Some(frame);
        self
    }
}

/// One field of a frame: where it is, its raw bits, value and meaning.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Field {
    /// Stable name: fin, rsv1, rsv2, rsv3, opcode, mask, payloadLength,
    /// extendedLength, maskingKey, payload.
    pub name: &'static str,
    /// Byte offset where the field starts.
    pub offset: u64,
    /// First bit within that byte (0 = most significant).
    pub bit: u8,
    /// Length in bits (a payload's can pass 2^53: then a decimal string).
    #[serde(serialize_with = "js_safe_u64")]
    pub bits: u64,
    /// The raw bits (binary for fields under a byte, hex otherwise).
    pub raw: String,
    pub value: String,
    pub meaning: String,
}

/// A close frame's payload, decoded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CloseInfo {
    pub code: Option<u16>,
    pub name: &'static str,
    pub reason: String,
}

/// One frame, field by field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FrameAnatomy {
    pub index: usize,
    pub offset: u64,
    pub header_len: usize,
    pub fin: bool,
    pub rsv1: bool,
    pub rsv2: bool,
    pub rsv3: bool,
    pub opcode: u8,
    pub opcode_name: &'static str,
    pub masked: bool,
    pub mask_key: Option<[u8; 4]>,
    /// As the header says: up to 2^64 - 1, so past 2^53 - 1 a decimal string.
    #[serde(serialize_with = "js_safe_u64")]
    pub payload_len: u64,
    pub payload_offset: u64,
    /// "7-bit", "16-bit" or "64-bit".
    pub length_form: &'static str,
    /// Payload bytes present in the input (less than `payload_len` if truncated).
    pub available: u64,
    pub complete: bool,
    pub fields: Vec<Field>,
    /// The payload unmasked (at most `max_payload` bytes).
    #[serde(with = "serde_bytes")]
    pub payload: Vec<u8>,
    /// The payload as on the wire, when masked (at most `max_payload` bytes).
    #[serde(with = "serde_bytes")]
    pub masked_payload: Vec<u8>,
    /// Index of the data message this frame belongs to.
    pub message: Option<usize>,
    pub close: Option<CloseInfo>,
    pub diagnostics: Vec<Diagnostic>,
}

/// A data message: its frames joined.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageSummary {
    pub index: usize,
    /// "text" or "binary".
    pub kind: &'static str,
    pub frames: Vec<usize>,
    /// Payload bytes of all its frames (as received).
    pub size: u64,
    /// Its final frame was seen.
    pub complete: bool,
    /// RSV1 on the first frame: permessage-deflate data.
    pub compressed: bool,
    /// The size once inflated, when it was (compressed, with the parameters given).
    pub inflated_size: Option<u64>,
    /// The payload, inflated when it was (at most `max_payload` bytes).
    #[serde(with = "serde_bytes")]
    pub data: Vec<u8>,
    /// The text, for a text message that is valid UTF-8 (at most `max_payload` bytes).
    pub text: Option<String>,
    /// `data` (and `text`) were cut at `max_payload`.
    pub truncated: bool,
}

/// Everything found in a byte stream.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Inspection {
    pub frames: Vec<FrameAnatomy>,
    pub messages: Vec<MessageSummary>,
    /// Every diagnostic, in stream order (frames also carry their own).
    pub diagnostics: Vec<Diagnostic>,
    pub bytes: u64,
    /// The stream ends at a frame boundary.
    pub complete: bool,
}

/// The largest integer a JS number holds exactly (2^53 - 1).
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// A number when JS holds it exactly, else its decimal string: a length
/// field read from the wire can say anything, and the frame must still be
/// shown.
fn js_safe_u64<S: serde::Serializer>(value: &u64, serializer: S) -> Result<S::Ok, S::Error> {
    if *value <= MAX_SAFE_INTEGER {
        serializer.serialize_u64(*value)
    } else {
        serializer.collect_str(value)
    }
}

fn bits_of(value: u64, width: u32) -> String {
    format!("{value:0width$b}", width = width as usize)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

struct OpenMessage {
    index: usize,
    text: bool,
    compressed: bool,
    utf8: Utf8Validator,
    utf8_failed: bool,
    /// For a compressed message that is being inflated: its output so far.
    inflated: Option<Vec<u8>>,
}

/// The inflater for the inspected direction and its limit.
struct Inflation {
    decompressor: Decompressor,
    limit: usize,
}

/// Inspects a stream of frames (one direction).
pub fn inspect(bytes: &[u8], options: &InspectOptions) -> Inspection {
    let mut out = Inspection {
        bytes: bytes.len() as u64,
        complete: true,
        ..Inspection::default()
    };
    let mut open: Option<OpenMessage> = None;
    let mut inflation = options.deflate.map(|d| Inflation {
        decompressor: Decompressor::new(d.window_bits, d.no_context_takeover),
        limit: options.max_inflated,
    });
    let mut options = *options;
    if options.deflate.is_some() {
        options.allowed_rsv |= 0b100;
    }
    let options = &options;
    let mut pos = 0usize;
    let mut scratch = Vec::new();
    while pos < bytes.len() {
        let index = out.frames.len();
        let offset = pos as u64;
        let Some(raw) = parse_header(&bytes[pos..]) else {
            out.complete = false;
            push_diag(
                &mut out.diagnostics,
                None,
                Diagnostic::new(
                    Severity::Error,
                    ErrorKind::TruncatedFrame,
                    format!(
                        "the stream ends inside a frame header ({} of at least 2 bytes)",
                        bytes.len() - pos
                    ),
                    offset,
                )
                .in_frame(index),
            );
            break;
        };
        let h = raw.header;
        let payload_offset = offset + raw.len as u64;
        let after_header = bytes.len() - pos - raw.len;
        let available = h.payload_len.min(after_header as u64) as usize;
        let complete = available as u64 == h.payload_len;
        let mut frame = FrameAnatomy {
            index,
            offset,
            header_len: raw.len,
            fin: h.fin,
            rsv1: h.rsv1,
            rsv2: h.rsv2,
            rsv3: h.rsv3,
            opcode: h.opcode.bits(),
            opcode_name: h.opcode.name(),
            masked: h.mask.is_some(),
            mask_key: h.mask,
            payload_len: h.payload_len,
            payload_offset,
            length_form: match raw.length_form {
                LengthForm::Short => "7-bit",
                LengthForm::Medium => "16-bit",
                LengthForm::Long => "64-bit",
            },
            available: available as u64,
            complete,
            fields: header_fields(&bytes[pos..pos + raw.len], offset, raw.length_form),
            payload: Vec::new(),
            masked_payload: Vec::new(),
            message: None,
            close: None,
            diagnostics: Vec::new(),
        };
        let wire_payload = &bytes[pos + raw.len..pos + raw.len + available];
        frame.fields.push(Field {
            name: "payload",
            offset: payload_offset,
            bit: 0,
            bits: h.payload_len.saturating_mul(8),
            raw: String::new(),
            value: format!("{} bytes", h.payload_len),
            meaning: if complete {
                format!("{} payload", if h.mask.is_some() { "masked" } else { "unmasked" })
            } else {
                format!("truncated: only {available} of {} bytes present", h.payload_len)
            },
        });
        scratch.clear();
        scratch.extend_from_slice(wire_payload);
        if let Some(key) = h.mask {
            apply_mask(&mut scratch, key, 0);
            frame.masked_payload = wire_payload[..available.min(options.max_payload)].to_vec();
        }
        frame.payload = scratch[..available.min(options.max_payload)].to_vec();

        check_header(&mut frame, &bytes[pos..pos + raw.len], options);
        check_sequence(
            &mut frame,
            &mut open,
            &mut out.messages,
            &scratch,
            options,
            &mut inflation,
        );
        if h.opcode == Opcode::Close && complete {
            check_close(&mut frame, &scratch);
        }
        if !complete {
            out.complete = false;
            frame.diagnostics.push(
                Diagnostic::new(
                    Severity::Error,
                    ErrorKind::TruncatedFrame,
                    format!(
                        "the stream ends inside the payload: {available} of {} bytes present",
                        h.payload_len
                    ),
                    bytes.len() as u64,
                )
                .in_frame(index),
            );
        }
        out.diagnostics.extend(frame.diagnostics.iter().cloned());
        out.frames.push(frame);
        if !complete {
            break;
        }
        pos += raw.len + available;
    }
    out
}

fn push_diag(list: &mut Vec<Diagnostic>, frame: Option<&mut FrameAnatomy>, diag: Diagnostic) {
    match frame {
        Some(f) => f.diagnostics.push(diag),
        None => list.push(diag),
    }
}

/// The fields of the header bytes, with spans.
fn header_fields(head: &[u8], offset: u64, form: LengthForm) -> Vec<Field> {
    let (b0, b1) = (head[0], head[1]);
    let bit = |byte: u8, n: u8| (byte >> (7 - n)) & 1;
    let flag = |name, n: u8, set: &str, unset: &str| {
        let v = bit(b0, n);
        Field {
            name,
            offset,
            bit: n,
            bits: 1,
            raw: v.to_string(),
            value: v.to_string(),
            meaning: if v == 1 { set } else { unset }.to_string(),
        }
    };
    let opcode = Opcode::from_bits(b0);
    let len7 = b1 & 0x7f;
    let mut fields = vec![
        flag(
            "fin",
            0,
            "final frame of its message",
            "more frames of this message follow",
        ),
        flag(
            "rsv1",
            1,
            "set (permessage-deflate: compressed message)",
            "not set",
        ),
        flag("rsv2", 2, "set (no standard extension defines it)", "not set"),
        flag("rsv3", 3, "set (no standard extension defines it)", "not set"),
        Field {
            name: "opcode",
            offset,
            bit: 4,
            bits: 4,
            raw: bits_of(u64::from(b0 & 0x0f), 4),
            value: format!("0x{:x}", b0 & 0x0f),
            meaning: opcode.name().to_string(),
        },
        Field {
            name: "mask",
            offset: offset + 1,
            bit: 0,
            bits: 1,
            raw: bit(b1, 0).to_string(),
            value: bit(b1, 0).to_string(),
            meaning: if b1 & 0x80 != 0 {
                "payload is masked (a masking key follows)"
            } else {
                "payload is not masked"
            }
            .to_string(),
        },
        Field {
            name: "payloadLength",
            offset: offset + 1,
            bit: 1,
            bits: 7,
            raw: bits_of(u64::from(len7), 7),
            value: len7.to_string(),
            meaning: match len7 {
                126 => "126: the length is in the next 2 bytes".to_string(),
                127 => "127: the length is in the next 8 bytes".to_string(),
                n => format!("payload length {n}"),
            },
        },
    ];
    let ext = form.extra_bytes();
    if ext > 0 {
        let ext_bytes = &head[2..2 + ext];
        let value = ext_bytes.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b));
        fields.push(Field {
            name: "extendedLength",
            offset: offset + 2,
            bit: 0,
            bits: ext as u64 * 8,
            raw: hex(ext_bytes),
            value: value.to_string(),
            meaning: format!("payload length {value} ({}-bit big-endian)", ext * 8),
        });
    }
    if b1 & 0x80 != 0 {
        let key = &head[2 + ext..2 + ext + 4];
        fields.push(Field {
            name: "maskingKey",
            offset: offset + 2 + ext as u64,
            bit: 0,
            bits: 32,
            raw: hex(key),
            value: hex(key),
            meaning: "XORed over the payload, byte i with key byte i mod 4".to_string(),
        });
    }
    fields
}

fn diag(
    frame: &FrameAnatomy,
    severity: Severity,
    code: ErrorKind,
    offset: u64,
    bit: Option<u8>,
    message: String,
) -> Diagnostic {
    Diagnostic::new(severity, code, message, offset)
        .at_bit(bit)
        .in_frame(frame.index)
}

/// Header-level rules (RFC 6455 §5.2, §5.5): the codec's own
/// ([`crate::frame::check_header`]), every broken one reported. A length
/// not in its minimal form is a warning: §5.2 binds senders, and receivers
/// (browsers, ws, wsframe by default) accept it.
fn check_header(frame: &mut FrameAnatomy, head: &[u8], options: &InspectOptions) {
    let rules = HeaderRules {
        allowed_rsv: options.allowed_rsv,
        receiver: match options.direction {
            Direction::Client => Some(Role::Server),
            Direction::Server => Some(Role::Client),
            Direction::Unknown => None,
        },
        minimal_length: true,
        max_frame_size: None,
    };
    let mut found = Vec::new();
    crate::frame::check_header(head, &rules, &mut |violation| {
        found.push(violation);
        ControlFlow::Continue(())
    });
    for violation in found {
        let severity = if violation.kind == ErrorKind::NonMinimalLength {
            Severity::Warning
        } else {
            Severity::Error
        };
        let d = diag(
            frame,
            severity,
            violation.kind,
            frame.offset + violation.offset,
            violation.bit,
            violation.message,
        );
        frame.diagnostics.push(d);
    }
}

/// Fragmentation rules and message grouping (§5.4), UTF-8 of text (§8.1).
fn check_sequence(
    frame: &mut FrameAnatomy,
    open: &mut Option<OpenMessage>,
    messages: &mut Vec<MessageSummary>,
    payload: &[u8],
    options: &InspectOptions,
    inflation: &mut Option<Inflation>,
) {
    let opcode = Opcode::from_bits(frame.opcode);
    if opcode.is_reserved() {
        return;
    }
    // The codec's rule (§5.4, RFC 7692 §6), reported instead of failing.
    let rsv1_allowed = options.allowed_rsv & 0b100 != 0;
    if let Some(violation) = check_sequence_rule(opcode, frame.rsv1, open.is_some(), rsv1_allowed) {
        let kind = violation.kind;
        let d = diag(
            frame,
            Severity::Error,
            kind,
            frame.offset + violation.offset,
            violation.bit,
            violation.message,
        );
        frame.diagnostics.push(d);
        match kind {
            ErrorKind::UnexpectedContinuation => return,
            // Treat it as the start of a new message so the rest still decodes.
            ErrorKind::ExpectedContinuation => finish_message(open, messages, false, options),
            _ => {}
        }
    }
    if opcode.is_control() {
        return;
    }
    if open.is_none() {
        messages.push(MessageSummary {
            index: messages.len(),
            kind: if opcode == Opcode::Text { "text" } else { "binary" },
            frames: Vec::new(),
            size: 0,
            complete: false,
            compressed: frame.rsv1,
            inflated_size: None,
            data: Vec::new(),
            text: None,
            truncated: false,
        });
        *open = Some(OpenMessage {
            index: messages.len() - 1,
            text: opcode == Opcode::Text,
            compressed: frame.rsv1,
            utf8: Utf8Validator::new(),
            utf8_failed: false,
            inflated: (frame.rsv1 && inflation.is_some()).then(Vec::new),
        });
    }
    let Some(state) = open.as_mut() else {
        return;
    };
    let Some(message) = messages.get_mut(state.index) else {
        return;
    };
    frame.message = Some(state.index);
    message.frames.push(frame.index);
    message.size += payload.len() as u64;
    if let (Some(out), Some(inf)) = (state.inflated.as_mut(), inflation.as_mut()) {
        let mut result = inf.decompressor.inflate(payload, out, inf.limit);
        if result.is_ok() && frame.fin && frame.complete {
            result = inf.decompressor.finish(out, inf.limit, 0);
        }
        if let Err(failure) = result {
            let (code, text) = match failure {
                InflateFailure::TooBig => (
                    ErrorKind::MessageTooBig,
                    format!("inflates to more than {} bytes", inf.limit),
                ),
                InflateFailure::Corrupt(why) => (ErrorKind::InvalidCompressedData, why.to_string()),
            };
            let d = diag(frame, Severity::Error, code, frame.payload_offset, None, text);
            frame.diagnostics.push(d);
            state.inflated = None;
        } else if state.text && frame.fin && frame.complete {
            if let Err(e) = crate::utf8::validate(out) {
                let text = format!(
                    "invalid UTF-8 at byte {} of the inflated text",
                    e.offset().unwrap_or(0)
                );
                let d = diag(
                    frame,
                    Severity::Error,
                    ErrorKind::InvalidUtf8,
                    frame.payload_offset,
                    None,
                    text,
                );
                frame.diagnostics.push(d);
            }
        }
    } else {
        let room = options.max_payload.saturating_sub(message.data.len());
        message
            .data
            .extend_from_slice(&payload[..payload.len().min(room)]);
        message.truncated |= payload.len() > room;
    }
    if state.text && !state.compressed && !state.utf8_failed {
        let before = state.utf8.position();
        if let Err(e) = state.utf8.feed(payload) {
            state.utf8_failed = true;
            let in_payload = e.offset().unwrap_or(before).saturating_sub(before);
            let d = diag(
                frame,
                Severity::Error,
                ErrorKind::InvalidUtf8,
                frame.payload_offset + in_payload,
                None,
                format!(
                    "invalid UTF-8 at byte {} of the text message",
                    e.offset().unwrap_or(0)
                ),
            );
            frame.diagnostics.push(d);
        }
    }
    if frame.fin && frame.complete {
        if state.text && !state.compressed && !state.utf8_failed && state.utf8.finish().is_err() {
            state.utf8_failed = true;
            let d = diag(
                frame,
                Severity::Error,
                ErrorKind::InvalidUtf8,
                frame.payload_offset + frame.payload_len,
                None,
                "text message ends inside a multi-byte UTF-8 sequence".into(),
            );
            frame.diagnostics.push(d);
        }
        finish_message(open, messages, true, options);
    }
}

fn finish_message(
    open: &mut Option<OpenMessage>,
    messages: &mut [MessageSummary],
    complete: bool,
    options: &InspectOptions,
) {
    let Some(state) = open.take() else {
        return;
    };
    let Some(message) = messages.get_mut(state.index) else {
        return;
    };
    message.complete = complete;
    if let Some(inflated) = state.inflated {
        message.inflated_size = Some(inflated.len() as u64);
        message.truncated = inflated.len() > options.max_payload;
        message.data = inflated[..inflated.len().min(options.max_payload)].to_vec();
        if state.text && complete && std::str::from_utf8(&inflated).is_ok() {
            message.text = Some(String::from_utf8_lossy(&message.data).into_owned());
        }
    } else if state.text && !state.compressed && !state.utf8_failed {
        // Valid as a whole; a cut at `max_payload` may split a sequence.
        message.text = Some(String::from_utf8_lossy(&message.data).into_owned());
    }
}

/// Close payload rules (§5.5.1, §7.4).
fn check_close(frame: &mut FrameAnatomy, payload: &[u8]) {
    match crate::close::parse_close_payload(payload) {
        Ok(close) => {
            frame.close = Some(CloseInfo {
                code: close.code,
                name: close.code.map(code_name).unwrap_or("No Status Received"),
                reason: close.reason.to_string(),
            });
        }
        Err(e) => {
            let code = e.kind();
            let offset = frame.payload_offset + e.offset().unwrap_or(0);
            let d = diag(
                frame,
                Severity::Error,
                code,
                offset,
                None,
                e.message().to_string(),
            );
            frame.diagnostics.push(d);
            if payload.len() >= 2 {
                let code = u16::from_be_bytes([payload[0], payload[1]]);
                frame.close = Some(CloseInfo {
                    code: Some(code),
                    name: if is_valid_code(code) {
                        code_name(code)
                    } else {
                        "invalid on the wire"
                    },
                    reason: String::from_utf8_lossy(&payload[2..]).into_owned(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::hex;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn field<'a>(f: &'a FrameAnatomy, name: &str) -> &'a Field {
        f.fields.iter().find(|x| x.name == name).unwrap()
    }

    #[test]
    fn a_length_past_2_pow_53_is_shown_and_crosses_to_js_as_a_string() {
        // 64-bit length 2^53: JS numbers cannot hold it exactly.
        let ins = inspect(
            &hex("82 7f 00 20 00 00 00 00 00 00 41 41"),
            &InspectOptions::default(),
        );
        assert_eq!(ins.frames.len(), 1);
        let frame = &ins.frames[0];
        assert_eq!(frame.payload_len, 1 << 53);
        assert_eq!(frame.available, 2);
        assert!(!frame.complete);
        let json = serde_json::to_value(frame).unwrap();
        assert_eq!(json["payloadLen"], "9007199254740992");
        let payload = json["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "payload")
            .unwrap();
        assert_eq!(payload["bits"], "72057594037927936");
        // One below stays a number.
        let ins = inspect(
            &hex("82 7f 00 1f ff ff ff ff ff ff 41"),
            &InspectOptions::default(),
        );
        let json = serde_json::to_value(&ins.frames[0]).unwrap();
        assert_eq!(json["payloadLen"], 9_007_199_254_740_991u64);
    }

    #[test]
    fn masked_hello_anatomy() {
        let ins = inspect(
            &hex("818537fa213d7f9f4d5158"),
            &InspectOptions {
                direction: Direction::Client,
                ..InspectOptions::default()
            },
        );
        assert!(ins.complete && ins.diagnostics.is_empty());
        let f = &ins.frames[0];
        assert_eq!((f.opcode_name, f.payload_len, f.header_len), ("text", 5, 6));
        assert_eq!(f.payload, b"Hello");
        assert_eq!(f.masked_payload, hex("7f9f4d5158"));
        assert_eq!(field(f, "fin").raw, "1");
        assert_eq!(field(f, "opcode").raw, "0001");
        assert_eq!(
            (field(f, "payloadLength").offset, field(f, "payloadLength").bit),
            (1, 1)
        );
        assert_eq!(field(f, "maskingKey").raw, "37fa213d");
        assert_eq!(field(f, "maskingKey").offset, 2);
        assert_eq!(field(f, "payload").offset, 6);
        assert_eq!(ins.messages[0].text.as_deref(), Some("Hello"));
    }

    #[test]
    fn fragments_group_into_one_message() {
        let ins = inspect(
            &hex("010348656c 890548656c6c6f 80026c6f"),
            &InspectOptions::default(),
        );
        assert_eq!(ins.frames.len(), 3);
        assert_eq!(ins.messages.len(), 1);
        assert_eq!(ins.messages[0].frames, [0, 2]);
        assert_eq!(ins.messages[0].text.as_deref(), Some("Hello"));
        assert_eq!(ins.frames[1].message, None);
    }

    #[test]
    fn reports_problems_where_they_are_and_goes_on() {
        // Unmasked client text; RSV2; reserved opcode; bad UTF-8; close 1005; then a good frame.
        let wire = hex("8102 6869  a100  8300  8103 61ff62  8802 03ed  810161");
        let ins = inspect(
            &wire,
            &InspectOptions {
                direction: Direction::Client,
                ..InspectOptions::default()
            },
        );
        let codes: Vec<(&str, u64)> = ins
            .diagnostics
            .iter()
            .map(|d| (d.code.code(), d.offset))
            .collect();
        assert!(codes.contains(&("mask_missing", 1)));
        assert!(codes.contains(&("rsv2_unexpected", 4)));
        assert!(codes.contains(&("reserved_opcode", 6)));
        assert!(codes.contains(&("invalid_utf8", 11)));
        assert!(codes.contains(&("invalid_close_code", 15)));
        assert_eq!(ins.frames.len(), 6);
        assert_eq!(ins.frames[4].close.as_ref().unwrap().code, Some(1005));
        let rsv2 = ins
            .diagnostics
            .iter()
            .find(|d| d.code.code() == "rsv2_unexpected")
            .unwrap();
        assert_eq!((rsv2.bit, rsv2.close_code), (Some(2), Some(1002)));
    }

    #[test]
    fn non_minimal_length_and_truncation() {
        let ins = inspect(&hex("817e000548656c6c6f 8105 4865"), &InspectOptions::default());
        assert_eq!(ins.diagnostics[0].code.code(), "non_minimal_length");
        assert_eq!(ins.diagnostics[0].severity, Severity::Warning);
        assert!(!ins.complete);
        let last = ins.diagnostics.last().unwrap();
        assert_eq!((last.code.code(), last.offset), ("truncated_frame", 13));
        assert_eq!(ins.frames[1].available, 2);
        let ins = inspect(&[0x81], &InspectOptions::default());
        assert_eq!(ins.diagnostics[0].code.code(), "truncated_frame");
    }

    #[test]
    fn control_frame_rules_and_close_info() {
        let ins = inspect(&hex("097e007e"), &InspectOptions::default());
        let codes: Vec<&str> = ins.diagnostics.iter().map(|d| d.code.code()).collect();
        assert!(codes.contains(&"control_frame_fragmented"));
        assert!(codes.contains(&"control_frame_too_long"));
        let ins = inspect(&hex("880503e8627965"), &InspectOptions::default());
        let close = ins.frames[0].close.as_ref().unwrap();
        assert_eq!(
            (close.code, close.name, close.reason.as_str()),
            (Some(1000), "Normal Closure", "bye")
        );
    }

    #[test]
    fn compressed_messages_are_inflated_with_context_takeover() {
        let deflate = InspectOptions {
            deflate: Some(InspectDeflate {
                window_bits: 15,
                no_context_takeover: false,
            }),
            ..InspectOptions::default()
        };
        // RFC 7692 §7.2.3.2: the second message refers to the first.
        let ins = inspect(&hex("c107f248cdc9c90700 c105f200110000"), &deflate);
        assert!(ins.diagnostics.is_empty(), "{:?}", ins.diagnostics);
        let texts: Vec<_> = ins.messages.iter().map(|m| m.text.clone()).collect();
        assert_eq!(texts, [Some("Hello".to_string()), Some("Hello".to_string())]);
        assert_eq!(ins.messages[1].inflated_size, Some(5));
        assert_eq!(ins.messages[1].size, 5, "wire bytes");
        // Fragmented, RSV1 on the first frame only.
        let ins = inspect(&hex("4103f248cd 8004c9c90700"), &deflate);
        assert_eq!(ins.messages[0].text.as_deref(), Some("Hello"));
        // Without the parameters: RSV1 is reported, the bytes are shown as they are.
        let ins = inspect(&hex("c107f248cdc9c90700"), &InspectOptions::default());
        assert_eq!(ins.diagnostics[0].code.code(), "rsv1_unexpected");
        assert!(ins.messages[0].compressed && ins.messages[0].text.is_none());
        // Corrupt data is a diagnostic at the payload.
        let ins = inspect(&hex("c104ffffffff"), &deflate);
        assert_eq!(
            (ins.diagnostics[0].code.code(), ins.diagnostics[0].offset),
            ("invalid_compressed_data", 2)
        );
    }

    #[test]
    fn payload_copies_are_capped() {
        let mut wire = hex("827e0100");
        wire.extend([7u8; 256]);
        let ins = inspect(
            &wire,
            &InspectOptions {
                max_payload: 10,
                ..InspectOptions::default()
            },
        );
        assert_eq!(ins.frames[0].payload.len(), 10);
        assert!(ins.messages[0].truncated);
        assert_eq!(ins.messages[0].size, 256);
    }
}
