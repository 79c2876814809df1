//! WebSocket frames (RFC 6455 §5.2): opcodes, headers, encoding, and an
//! incremental decoder that accepts any chunking.
//!
//! The decoder is streaming: it reports a frame's header as soon as the header
//! is complete and validated, then the payload in pieces as bytes arrive
//! (still masked, with what unmasking them takes), then the frame's end. It never buffers a payload, so a
//! header announcing 2^63 bytes costs nothing but an error. [`FrameDecoder::push`]
//! builds whole frames on top of it for callers that want them.

use crate::error::{Error, ErrorKind, Result, Violation};
use crate::mask::apply_mask;
use std::ops::ControlFlow;

/// The longest possible header: 2 + 8 (64-bit length) + 4 (masking key).
pub const MAX_HEADER_LEN: usize = 14;

/// The largest payload a control frame may carry (RFC 6455 §5.5).
pub const MAX_CONTROL_PAYLOAD: usize = 125;

/// A frame opcode. The six defined by RFC 6455 plus the reserved values,
/// which are kept as they are so they can be reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Opcode {
    Continuation,
    Text,
    Binary,
    Close,
    Ping,
    Pong,
    /// 0x3-0x7 (reserved non-control) or 0xB-0xF (reserved control).
    Reserved(u8),
}

impl Opcode {
    /// The opcode in the low four bits of `bits`.
    pub fn from_bits(bits: u8) -> Opcode {
        match bits & 0x0f {
            0x0 => Opcode::Continuation,
            0x1 => Opcode::Text,
            0x2 => Opcode::Binary,
            0x8 => Opcode::Close,
            0x9 => Opcode::Ping,
            0xa => Opcode::Pong,
            other => Opcode::Reserved(other),
        }
    }

    pub fn bits(self) -> u8 {
        match self {
            Opcode::Continuation => 0x0,
            Opcode::Text => 0x1,
            Opcode::Binary => 0x2,
            Opcode::Close => 0x8,
            Opcode::Ping => 0x9,
            Opcode::Pong => 0xa,
            Opcode::Reserved(bits) => bits & 0x0f,
        }
    }

    /// Control opcodes have the high bit of the nibble set (§5.5), reserved ones included.
    pub fn is_control(self) -> bool {
        self.bits() & 0x8 != 0
    }

    pub fn is_reserved(self) -> bool {
        matches!(self, Opcode::Reserved(_))
    }

    /// The RFC name: "continuation", "text", ..., or "reserved".
    pub fn name(self) -> &'static str {
        match self {
            Opcode::Continuation => "continuation",
            Opcode::Text => "text",
            Opcode::Binary => "binary",
            Opcode::Close => "close",
            Opcode::Ping => "ping",
            Opcode::Pong => "pong",
            Opcode::Reserved(bits) if bits & 0x8 != 0 => "reserved control",
            Opcode::Reserved(_) => "reserved non-control",
        }
    }
}

/// A frame header as it appears on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHeader {
    pub fin: bool,
    pub rsv1: bool,
    pub rsv2: bool,
    pub rsv3: bool,
    pub opcode: Opcode,
    pub mask: Option<[u8; 4]>,
    pub payload_len: u64,
}

impl FrameHeader {
    /// A final, unmasked frame with no RSV bits.
    pub fn new(opcode: Opcode, payload_len: u64) -> Self {
        FrameHeader {
            fin: true,
            rsv1: false,
            rsv2: false,
            rsv3: false,
            opcode,
            mask: None,
            payload_len,
        }
    }

    /// RSV1..RSV3 as the three bits 0b100, 0b010, 0b001.
    pub fn rsv_bits(&self) -> u8 {
        (self.rsv1 as u8) << 2 | (self.rsv2 as u8) << 1 | self.rsv3 as u8
    }

    /// Bytes this header takes when encoded with the minimal length form.
    pub fn encoded_len(&self) -> usize {
        2 + LengthForm::minimal(self.payload_len).extra_bytes() + if self.mask.is_some() { 4 } else { 0 }
    }

    /// Writes the header into `out` (minimal length form, as §5.2 requires of
    /// senders) and returns how many bytes it took. Never allocates.
    pub fn encode(&self, out: &mut [u8; MAX_HEADER_LEN]) -> usize {
        out[0] = (self.fin as u8) << 7 | self.rsv_bits() << 4 | self.opcode.bits();
        let mask_bit = if self.mask.is_some() { 0x80 } else { 0 };
        let mut len = 2;
        match LengthForm::minimal(self.payload_len) {
            LengthForm::Short => out[1] = mask_bit | self.payload_len as u8,
            LengthForm::Medium => {
                out[1] = mask_bit | 126;
                out[2..4].copy_from_slice(&(self.payload_len as u16).to_be_bytes());
                len = 4;
            }
            LengthForm::Long => {
                out[1] = mask_bit | 127;
                out[2..10].copy_from_slice(&self.payload_len.to_be_bytes());
                len = 10;
            }
        }
        if let Some(key) = self.mask {
            out[len..len + 4].copy_from_slice(&key);
            len += 4;
        }
        len
    }
}

/// How the payload length is written: in the 7 bits of byte 1, or in a
/// following 16-bit or 64-bit big-endian field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LengthForm {
    Short,
    Medium,
    Long,
}

impl LengthForm {
    pub fn minimal(len: u64) -> Self {
        match len {
            0..=125 => LengthForm::Short,
            126..=0xffff => LengthForm::Medium,
            _ => LengthForm::Long,
        }
    }

    fn from_len7(len7: u8) -> Self {
        match len7 {
            126 => LengthForm::Medium,
            127 => LengthForm::Long,
            _ => LengthForm::Short,
        }
    }

    /// Bytes of extended length after byte 1.
    pub fn extra_bytes(self) -> usize {
        match self {
            LengthForm::Short => 0,
            LengthForm::Medium => 2,
            LengthForm::Long => 8,
        }
    }
}

/// Total header length implied by the first two bytes.
fn header_len_from(byte1: u8) -> usize {
    2 + LengthForm::from_len7(byte1 & 0x7f).extra_bytes() + if byte1 & 0x80 != 0 { 4 } else { 0 }
}

/// A header parsed from raw bytes without any validation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawHeader {
    pub header: FrameHeader,
    /// Bytes the header occupies.
    pub len: usize,
    /// How the length was written (may be non-minimal on the wire).
    pub length_form: LengthForm,
}

/// Parses a header from the start of `bytes`; `None` if more bytes are needed.
/// Performs no validation: that is [`FrameDecoder`]'s job, and the inspector
/// wants to see invalid headers too.
pub fn parse_header(bytes: &[u8]) -> Option<RawHeader> {
    let (&b0, &b1) = (bytes.first()?, bytes.get(1)?);
    let len = header_len_from(b1);
    let bytes = bytes.get(..len)?;
    let length_form = LengthForm::from_len7(b1 & 0x7f);
    let payload_len = match length_form {
        LengthForm::Short => u64::from(b1 & 0x7f),
        LengthForm::Medium => u64::from(u16::from_be_bytes([bytes[2], bytes[3]])),
        LengthForm::Long => {
            let mut be = [0u8; 8];
            be.copy_from_slice(&bytes[2..10]);
            u64::from_be_bytes(be)
        }
    };
    let mask = (b1 & 0x80 != 0).then(|| {
        let mut key = [0u8; 4];
        key.copy_from_slice(&bytes[len - 4..len]);
        key
    });
    Some(RawHeader {
        header: FrameHeader {
            fin: b0 & 0x80 != 0,
            rsv1: b0 & 0x40 != 0,
            rsv2: b0 & 0x20 != 0,
            rsv3: b0 & 0x10 != 0,
            opcode: Opcode::from_bits(b0),
            mask,
            payload_len,
        },
        len,
        length_form,
    })
}

/// What the header rules need to know of the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeaderRules {
    /// RSV bits a negotiated extension gives meaning to (0b100 = RSV1).
    pub allowed_rsv: u8,
    /// The receiving endpoint, whose peer's masking rule applies; `None`
    /// judges no masking.
    pub receiver: Option<Role>,
    /// Report lengths not written in their minimal form (§5.2 binds senders).
    pub minimal_length: bool,
    /// Largest payload a frame may announce, if limited.
    pub max_frame_size: Option<u64>,
}

/// RFC 6455 §5.2 and §5.5 on the first bytes of a frame header (`prefix`:
/// one byte judges the opcode, RSV and a control frame's FIN; two the mask
/// and the 7-bit length; the whole extended length its value), in the order
/// an endpoint meets them. Each broken rule goes to `report`, which says
/// whether to go on: the decoder stops at the first, the inspector reports
/// them all. Offsets are from the frame's first byte.
pub fn check_header(
    prefix: &[u8],
    rules: &HeaderRules,
    report: &mut dyn FnMut(Violation) -> ControlFlow<()>,
) {
    let Some(&b0) = prefix.first() else {
        return;
    };
    let opcode = Opcode::from_bits(b0);
    if let Opcode::Reserved(bits) = opcode {
        let v = Violation::new(
            ErrorKind::ReservedOpcode,
            0,
            Some(4),
            format!("opcode 0x{bits:x} is reserved"),
        );
        if report(v.with_value(u64::from(bits))).is_break() {
            return;
        }
    }
    for (n, kind) in [
        (1u8, ErrorKind::Rsv1Unexpected),
        (2, ErrorKind::Rsv2Unexpected),
        (3, ErrorKind::Rsv3Unexpected),
    ] {
        let bit = 0b1000_0000 >> n;
        if b0 & bit != 0 && (rules.allowed_rsv << 4) & bit == 0 {
            let message = format!("RSV{n} is set but no negotiated extension defines it");
            if report(Violation::new(kind, 0, Some(n), message)).is_break() {
                return;
            }
        }
    }
    if opcode.is_control() && b0 & 0x80 == 0 {
        let message = format!(
            "{} frame without FIN: control frames cannot be fragmented",
            opcode.name()
        );
        if report(Violation::new(
            ErrorKind::ControlFrameFragmented,
            0,
            Some(0),
            message,
        ))
        .is_break()
        {
            return;
        }
    }
    let Some(&b1) = prefix.get(1) else {
        return;
    };
    let masked = b1 & 0x80 != 0;
    let masking = match (rules.receiver, masked) {
        (Some(Role::Server), false) => Some((
            ErrorKind::MaskMissing,
            "frame from the client is not masked (clients must mask every frame)",
        )),
        (Some(Role::Client), true) => Some((
            ErrorKind::MaskUnexpected,
            "frame from the server is masked (servers must not mask)",
        )),
        _ => None,
    };
    if let Some((kind, message)) = masking {
        if report(Violation::new(kind, 1, Some(0), message)).is_break() {
            return;
        }
    }
    let len7 = b1 & 0x7f;
    if opcode.is_control() && len7 > MAX_CONTROL_PAYLOAD_LEN7 {
        let message = format!(
            "{} frame with the {}-bit length form: control frames carry at most 125 bytes",
            opcode.name(),
            if len7 == 126 { 16 } else { 64 }
        );
        if report(
            Violation::new(ErrorKind::ControlFrameTooLong, 1, Some(1), message).with_value(u64::from(len7)),
        )
        .is_break()
        {
            return;
        }
    }
    let form = LengthForm::from_len7(len7);
    let Some(ext) = prefix.get(2..2 + form.extra_bytes()) else {
        return;
    };
    let len = ext
        .iter()
        .fold(u64::from(if ext.is_empty() { len7 } else { 0 }), |acc, &b| {
            acc << 8 | u64::from(b)
        });
    if len >> 63 != 0 {
        let v = Violation::new(
            ErrorKind::LengthMsbSet,
            2,
            Some(0),
            "64-bit payload length has its most significant bit set",
        );
        if report(v).is_break() {
            return;
        }
    } else if rules.minimal_length && LengthForm::minimal(len) != form {
        let message = format!(
            "length {len} is not written in its minimal form ({} bytes would do)",
            LengthForm::minimal(len).extra_bytes() + 2
        );
        if report(Violation::new(ErrorKind::NonMinimalLength, 1, Some(1), message)).is_break() {
            return;
        }
    }
    if let Some(limit) = rules.max_frame_size.filter(|&limit| len > limit) {
        let message = format!("frame payload of {len} bytes exceeds the limit of {limit}");
        let _ = report(Violation::new(ErrorKind::FrameTooBig, 1, Some(1), message).with_value(len));
    }
}

/// A control frame's 7-bit length: 126 and 127 announce longer forms.
const MAX_CONTROL_PAYLOAD_LEN7: u8 = 125;

/// Appends one frame to `out`: the header (with `header.payload_len` set to
/// `payload.len()`), then the payload, masked while copying if the header has a key.
pub fn encode_frame(out: &mut Vec<u8>, mut header: FrameHeader, payload: &[u8]) {
    header.payload_len = payload.len() as u64;
    let mut head = [0u8; MAX_HEADER_LEN];
    let head_len = header.encode(&mut head);
    out.reserve(head_len + payload.len());
    out.extend_from_slice(&head[..head_len]);
    match header.mask {
        Some(key) => crate::mask::extend_masked(out, payload, key, 0),
        None => out.extend_from_slice(payload),
    }
}

/// Which side of the connection the decoder reads for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Reads frames sent by a client: they must be masked (§5.1).
    Server,
    /// Reads frames sent by a server: they must not be masked.
    Client,
}

/// What the decoder accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecoderConfig {
    /// Enforce the masking rule for this role; `None` accepts both (inspection).
    pub role: Option<Role>,
    /// Largest payload a single frame may announce.
    pub max_frame_size: u64,
    /// RSV bits a negotiated extension gives meaning to (0b100 = RSV1).
    pub allowed_rsv: u8,
    /// Reject lengths not written in their minimal form. Off by default, like
    /// browsers and `ws`: §5.2 binds senders, and rejecting costs interop.
    pub strict_length: bool,
}

impl Default for DecoderConfig {
    fn default() -> Self {
        DecoderConfig {
            role: None,
            max_frame_size: 64 << 20,
            allowed_rsv: 0,
            strict_length: false,
        }
    }
}

/// One step of decoding.
#[derive(Debug, PartialEq, Eq)]
pub enum FrameEvent<'a> {
    /// A validated header; its payload follows.
    Header(FrameHeader),
    /// The next piece of the current frame's payload, as on the wire.
    Payload(Piece<'a>),
    /// The current frame is complete.
    End,
}

/// A piece of a payload as it arrived (masked if the frame is), and how to
/// unmask it: in place, or while copying it elsewhere (one pass instead of two).
#[derive(Debug, PartialEq, Eq)]
pub struct Piece<'a> {
    data: &'a mut [u8],
    key: Option<[u8; 4]>,
    /// Offset of `data[0]` in the frame's payload.
    position: usize,
}

impl<'a> Piece<'a> {
    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The bytes as they arrived (still masked, for masked frames).
    pub fn wire(&self) -> &[u8] {
        self.data
    }

    /// Unmasks the piece where it lies and returns it.
    pub fn unmask(self) -> &'a [u8] {
        if let Some(key) = self.key {
            apply_mask(self.data, key, self.position);
        }
        self.data
    }

    /// Appends the unmasked piece to `dst`, leaving the input as it was.
    pub fn unmask_into(&self, dst: &mut Vec<u8>) {
        match self.key {
            Some(key) => crate::mask::extend_masked(dst, self.data, key, self.position),
            None => dst.extend_from_slice(self.data),
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum State {
    Header,
    Payload {
        remaining: u64,
        key: Option<[u8; 4]>,
        position: usize,
    },
}

/// A whole frame, from [`FrameDecoder::push`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub header: FrameHeader,
    /// The payload, unmasked.
    pub payload: Vec<u8>,
    /// Stream offset of the frame's first byte.
    pub offset: u64,
    /// Bytes the header took on the wire.
    pub header_len: usize,
}

/// Incremental frame decoder. Feeding one byte at a time yields the same
/// frames as feeding everything at once.
pub struct FrameDecoder {
    config: DecoderConfig,
    state: State,
    /// Header bytes received so far when a header straddles chunks.
    head: [u8; MAX_HEADER_LEN],
    head_have: usize,
    /// Stream offset of the next byte to be consumed.
    offset: u64,
    /// Stream offset of the current frame's first byte, and its header length.
    frame_start: u64,
    header_len: usize,
    /// For `push`: the frame being collected, and a scratch copy of the input.
    collecting: Option<Frame>,
    scratch: Vec<u8>,
}

impl FrameDecoder {
    pub fn new(config: DecoderConfig) -> Self {
        FrameDecoder {
            config,
            state: State::Header,
            head: [0; MAX_HEADER_LEN],
            head_have: 0,
            offset: 0,
            frame_start: 0,
            header_len: 0,
            collecting: None,
            scratch: Vec::new(),
        }
    }

    pub fn config(&self) -> &DecoderConfig {
        &self.config
    }

    /// Changes what RSV bits are accepted from the next header on (after an
    /// extension is negotiated).
    pub fn set_allowed_rsv(&mut self, allowed_rsv: u8) {
        self.config.allowed_rsv = allowed_rsv;
    }

    /// Stream offset of the next byte to be consumed.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Stream offset of the current (or last) frame's first byte.
    pub fn frame_offset(&self) -> u64 {
        self.frame_start
    }

    /// Length in bytes of the current (or last) frame's header.
    pub fn header_len(&self) -> usize {
        self.header_len
    }

    /// Stream offset of the current (or last) frame's first payload byte.
    pub fn payload_offset(&self) -> u64 {
        self.frame_start + self.header_len as u64
    }

    /// True between frames: no header byte or payload byte is pending.
    pub fn is_at_frame_boundary(&self) -> bool {
        matches!(self.state, State::Header) && self.head_have == 0
    }

    /// Decodes the next step from `input` and returns how many bytes it
    /// consumed. `None` means every byte was consumed and more are needed.
    /// A payload piece borrows `input`; unmasking it in place writes there.
    pub fn decode<'a>(&mut self, input: &'a mut [u8]) -> Result<(usize, Option<FrameEvent<'a>>)> {
        match self.state {
            State::Header => {
                let (used, header) = self.decode_header(input)?;
                self.offset += used as u64;
                Ok((used, header.map(FrameEvent::Header)))
            }
            State::Payload { remaining: 0, .. } => {
                self.state = State::Header;
                Ok((0, Some(FrameEvent::End)))
            }
            State::Payload {
                remaining,
                key,
                position,
            } => {
                let take = usize::try_from(remaining).unwrap_or(usize::MAX).min(input.len());
                if take == 0 {
                    return Ok((0, None));
                }
                self.state = State::Payload {
                    remaining: remaining - take as u64,
                    key,
                    position: (position + take) % 4,
                };
                self.offset += take as u64;
                let piece = Piece {
                    data: &mut input[..take],
                    key,
                    position,
                };
                Ok((take, Some(FrameEvent::Payload(piece))))
            }
        }
    }

    fn decode_header(&mut self, input: &[u8]) -> Result<(usize, Option<FrameHeader>)> {
        if self.head_have == 0 {
            self.frame_start = self.offset;
            if let Some(raw) = parse_header(input) {
                self.validate(&input[..raw.len])?;
                return Ok((raw.len, Some(self.begin_payload(raw))));
            }
        }
        // The header straddles chunks: collect exactly the bytes it needs,
        // validating each part as soon as it is there.
        let mut used = 0;
        while used < input.len() {
            let need = if self.head_have < 2 {
                2
            } else {
                header_len_from(self.head[1])
            };
            let take = (need - self.head_have).min(input.len() - used);
            self.head[self.head_have..self.head_have + take].copy_from_slice(&input[used..used + take]);
            self.head_have += take;
            used += take;
            self.validate(&self.head[..self.head_have])?;
            if let Some(raw) = parse_header(&self.head[..self.head_have]) {
                self.head_have = 0;
                return Ok((used, Some(self.begin_payload(raw))));
            }
        }
        Ok((used, None))
    }

    fn begin_payload(&mut self, raw: RawHeader) -> FrameHeader {
        self.header_len = raw.len;
        self.state = State::Payload {
            remaining: raw.header.payload_len,
            key: raw.header.mask,
            position: 0,
        };
        raw.header
    }

    /// Checks everything that can be checked from `prefix`, the first bytes
    /// of a header (see [`check_header`]): the first broken rule fails.
    fn validate(&self, prefix: &[u8]) -> Result<()> {
        let rules = HeaderRules {
            allowed_rsv: self.config.allowed_rsv,
            receiver: self.config.role,
            minimal_length: self.config.strict_length,
            max_frame_size: Some(self.config.max_frame_size),
        };
        let mut first = None;
        check_header(prefix, &rules, &mut |violation| {
            first = Some(violation);
            ControlFlow::Break(())
        });
        match first {
            Some(violation) => Err(violation.into_error(self.frame_start)),
            None => Ok(()),
        }
    }

    /// Decodes `chunk` and returns every frame it completes, whole. A frame
    /// still incomplete at the end of the chunk is kept for the next call.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<Frame>> {
        let mut input = std::mem::take(&mut self.scratch);
        input.clear();
        input.extend_from_slice(chunk);
        let result = self.push_owned(&mut input);
        self.scratch = input;
        result
    }

    fn push_owned(&mut self, input: &mut [u8]) -> Result<Vec<Frame>> {
        let mut frames = Vec::new();
        let mut pos = 0;
        loop {
            let (used, event) = self.decode(&mut input[pos..])?;
            match event {
                None => break,
                Some(FrameEvent::Header(header)) => {
                    // Reserve for what has arrived, not for what the header
                    // announces: a peer cannot make us allocate by lying.
                    let arrived = input.len() - pos - used;
                    let capacity = usize::try_from(header.payload_len)
                        .unwrap_or(usize::MAX)
                        .min(arrived);
                    self.collecting = Some(Frame {
                        header,
                        payload: Vec::with_capacity(capacity),
                        offset: self.frame_start,
                        header_len: self.header_len,
                    });
                }
                Some(FrameEvent::Payload(piece)) => {
                    if let Some(frame) = self.collecting.as_mut() {
                        piece.unmask_into(&mut frame.payload);
                    }
                }
                Some(FrameEvent::End) => frames.extend(self.collecting.take()),
            }
            pos += used;
        }
        Ok(frames)
    }

    /// Call at the end of the stream: an error if it ended inside a frame.
    pub fn finish(&self) -> Result<()> {
        if self.is_at_frame_boundary() {
            Ok(())
        } else {
            Err(Error::at(
                ErrorKind::TruncatedFrame,
                self.offset,
                format!(
                    "stream ended inside the frame that starts at byte {}",
                    self.frame_start
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::hex;
    // Under wasm32 the same tests run in Node through wasm-bindgen-test.
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn server() -> FrameDecoder {
        FrameDecoder::new(DecoderConfig {
            role: Some(Role::Server),
            ..DecoderConfig::default()
        })
    }

    fn client() -> FrameDecoder {
        FrameDecoder::new(DecoderConfig {
            role: Some(Role::Client),
            ..DecoderConfig::default()
        })
    }

    #[test]
    fn opcode_round_trip_and_reserved() {
        for bits in 0..16u8 {
            let op = Opcode::from_bits(bits);
            assert_eq!(op.bits(), bits);
            assert_eq!(op.is_reserved(), matches!(bits, 3..=7 | 0xb..=0xf));
            assert_eq!(op.is_control(), bits >= 8);
        }
        assert_eq!(Opcode::from_bits(0x3), Opcode::Reserved(3));
        assert_eq!(Opcode::Reserved(0xb).name(), "reserved control");
    }

    #[test]
    fn encodes_minimal_length_forms() {
        let mut out = [0u8; MAX_HEADER_LEN];
        for (len, expected) in [
            (0u64, "8200"),
            (125, "827d"),
            (126, "827e007e"),
            (256, "827e0100"),
            (65535, "827effff"),
            (65536, "827f0000000000010000"),
        ] {
            let n = FrameHeader::new(Opcode::Binary, len).encode(&mut out);
            assert_eq!(out[..n], hex(expected)[..], "len {len}");
            assert_eq!(n, FrameHeader::new(Opcode::Binary, len).encoded_len());
        }
    }

    #[test]
    fn encodes_rfc_masked_hello() {
        let mut out = Vec::new();
        let header = FrameHeader {
            mask: Some([0x37, 0xfa, 0x21, 0x3d]),
            ..FrameHeader::new(Opcode::Text, 0)
        };
        encode_frame(&mut out, header, b"Hello");
        assert_eq!(out, hex("818537fa213d7f9f4d5158"));
    }

    #[test]
    fn decodes_masked_hello_in_one_and_in_single_bytes() {
        let wire = hex("818537fa213d7f9f4d5158");
        let frames = server().push(&wire).unwrap();
        assert_eq!(frames.len(), 1);
        assert_eq!(frames[0].payload, b"Hello");
        assert_eq!(frames[0].header_len, 6);
        let mut dec = server();
        let mut frames = Vec::new();
        for b in &wire {
            frames.extend(dec.push(std::slice::from_ref(b)).unwrap());
        }
        assert_eq!(frames.len(), 1);
        assert_eq!(frames[0].payload, b"Hello");
        assert!(dec.finish().is_ok());
    }

    fn first_error(dec: &mut FrameDecoder, wire: &[u8]) -> Error {
        dec.push(wire).expect_err("should fail")
    }

    #[test]
    fn rejects_reserved_opcodes_at_byte_0() {
        for bits in [3u8, 7, 0xb, 0xf] {
            let e = first_error(&mut client(), &[0x80 | bits]);
            assert_eq!(e.kind(), ErrorKind::ReservedOpcode);
            assert_eq!(e.close_code(), Some(1002));
            assert_eq!(e.offset(), Some(0));
        }
    }

    #[test]
    fn rejects_rsv_bits_unless_allowed() {
        for (b0, kind) in [
            (0xc1, ErrorKind::Rsv1Unexpected),
            (0xa1, ErrorKind::Rsv2Unexpected),
            (0x91, ErrorKind::Rsv3Unexpected),
        ] {
            assert_eq!(first_error(&mut client(), &[b0]).kind(), kind);
        }
        let mut dec = FrameDecoder::new(DecoderConfig {
            role: Some(Role::Client),
            allowed_rsv: 0b100,
            ..DecoderConfig::default()
        });
        assert!(dec.push(&[0xc1, 0x00]).unwrap()[0].header.rsv1);
    }

    #[test]
    fn rejects_fragmented_and_long_control_frames() {
        let e = first_error(&mut client(), &[0x09]);
        assert_eq!(e.kind(), ErrorKind::ControlFrameFragmented);
        let e = first_error(&mut client(), &[0x89, 126]);
        assert_eq!(e.kind(), ErrorKind::ControlFrameTooLong);
        assert_eq!(e.offset(), Some(1));
        // 125 is fine.
        let mut wire = vec![0x89, 125];
        wire.extend([0u8; 125]);
        assert_eq!(client().push(&wire).unwrap()[0].payload.len(), 125);
    }

    #[test]
    fn enforces_masking_by_role() {
        assert_eq!(
            first_error(&mut server(), &hex("810548656c6c6f")).kind(),
            ErrorKind::MaskMissing
        );
        assert_eq!(
            first_error(&mut client(), &hex("818537fa213d7f9f4d5158")).kind(),
            ErrorKind::MaskUnexpected
        );
        let mut inspect = FrameDecoder::new(DecoderConfig::default());
        assert_eq!(inspect.push(&hex("810548656c6c6f")).unwrap().len(), 1);
    }

    #[test]
    fn rejects_msb_length_before_any_payload() {
        let e = first_error(&mut client(), &hex("827f8000000000000000"));
        assert_eq!(e.kind(), ErrorKind::LengthMsbSet);
        assert_eq!(e.offset(), Some(2));
    }

    #[test]
    fn rejects_oversized_frame_as_soon_as_length_is_known() {
        let mut dec = FrameDecoder::new(DecoderConfig {
            role: Some(Role::Client),
            max_frame_size: 1000,
            ..DecoderConfig::default()
        });
        // Only the header: no payload has arrived yet.
        let e = dec.push(&hex("827e03e9")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::FrameTooBig);
        assert_eq!(e.close_code(), Some(1009));
        // The 7-bit length is checked before the 64-bit one would arrive.
        let mut dec = FrameDecoder::new(DecoderConfig {
            max_frame_size: 10,
            ..DecoderConfig::default()
        });
        assert_eq!(dec.push(&[0x82, 11]).unwrap_err().kind(), ErrorKind::FrameTooBig);
        let huge = hex("827f7fffffffffffffff");
        assert_eq!(client().push(&huge).unwrap_err().kind(), ErrorKind::FrameTooBig);
    }

    #[test]
    fn non_minimal_lengths_pass_unless_strict() {
        let wire = hex("817e000548656c6c6f");
        assert_eq!(client().push(&wire).unwrap()[0].payload, b"Hello");
        let mut strict = FrameDecoder::new(DecoderConfig {
            strict_length: true,
            ..DecoderConfig::default()
        });
        assert_eq!(
            strict.push(&wire).unwrap_err().kind(),
            ErrorKind::NonMinimalLength
        );
    }

    #[test]
    fn streaming_events_and_offsets() {
        let mut wire = hex("010348656c80026c6f");
        let mut dec = client();
        let mut pos = 0;
        let mut log = Vec::new();
        loop {
            let (used, event) = dec.decode(&mut wire[pos..]).unwrap();
            match event {
                None => break,
                Some(FrameEvent::Header(h)) => log.push(format!("H{}{}", h.opcode.bits(), h.fin as u8)),
                Some(FrameEvent::Payload(p)) => log.push(String::from_utf8(p.unmask().to_vec()).unwrap()),
                Some(FrameEvent::End) => log.push(format!("E@{}", dec.frame_offset())),
            }
            pos += used;
        }
        assert_eq!(log, ["H10", "Hel", "E@0", "H01", "lo", "E@5"]);
        assert_eq!(dec.offset(), 9);
    }

    #[test]
    fn truncated_stream_is_reported() {
        let mut dec = client();
        dec.push(&hex("8105486c")).unwrap();
        let e = dec.finish().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TruncatedFrame);
        assert_eq!(e.offset(), Some(4));
        let mut dec = client();
        dec.push(&[0x81]).unwrap();
        assert!(dec.finish().is_err());
    }
}
