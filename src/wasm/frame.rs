use super::js::Fields;
use super::{js_error, patch_u32, put_u32, put_u64};
use crate::frame::{encode_frame, DecoderConfig, FrameDecoder, FrameHeader, Opcode, MAX_HEADER_LEN};
use crate::layout::frames as layout;
use crate::layout::header_packed as packed;
use crate::mask::MaskKeySource;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

thread_local! {
    static KEYS: RefCell<MaskKeySource> = RefCell::new(MaskKeySource::new());
    /// Where `encode_header_scratch` writes; its address never changes.
    static HEADER: RefCell<[u8; MAX_HEADER_LEN]> = const { RefCell::new([0; MAX_HEADER_LEN]) };
}

/// How the scratch encoders mask: 0 not at all, 1 with the given key, 2 with
/// a fresh random key.
fn scratch_mask(mode: u8, key: u32) -> (Option<Box<[u8]>>, bool) {
    match mode {
        1 => (Some(Box::new(key.to_le_bytes())), false),
        2 => (None, true),
        _ => (None, false),
    }
}

/// Builds a header from raw parts. `mask_key` of 4 bytes masks with that key;
/// `random_mask` masks with a fresh random key; neither leaves it unmasked.
/// Nothing but structure is checked: this is also the inspector's frame
/// builder, which must be able to make invalid frames on purpose.
fn header(
    opcode: u8,
    fin: bool,
    rsv: u8,
    mask_key: Option<Box<[u8]>>,
    random_mask: bool,
    len: u64,
) -> Result<FrameHeader, JsValue> {
    if opcode > 0x0f {
        return Err(super::invalid_argument(format!(
            "opcode {opcode} is more than 4 bits"
        )));
    }
    if rsv > 0b111 {
        return Err(super::invalid_argument(format!("rsv {rsv} is more than 3 bits")));
    }
    let mask = match (mask_key, random_mask) {
        (Some(key), _) => Some(
            <[u8; 4]>::try_from(&key[..]).map_err(|_| super::invalid_argument("a masking key is 4 bytes"))?,
        ),
        (None, true) => Some(
            KEYS.with(|k| k.borrow_mut().next_key())
                .map_err(|e| js_error(&e))?,
        ),
        (None, false) => None,
    };
    Ok(checked_header(opcode, fin, rsv, mask, len))
}

/// The header of parts already checked (`opcode` 4 bits, `rsv` 3 bits).
/// Apart from [`header`] so that the hot path needs no `Result`: with a
/// `JsValue` error its plumbing cost about a tenth of a header's time.
fn checked_header(opcode: u8, fin: bool, rsv: u8, mask: Option<[u8; 4]>, len: u64) -> FrameHeader {
    FrameHeader {
        fin,
        rsv1: rsv & 0b100 != 0,
        rsv2: rsv & 0b010 != 0,
        rsv3: rsv & 0b001 != 0,
        opcode: Opcode::from_bits(opcode),
        mask,
        payload_len: len,
    }
}

/// Encodes one frame: header (minimal length form) and payload, masked if
/// asked. `rsv` holds RSV1..RSV3 as bits 0b100, 0b010, 0b001.
#[wasm_bindgen(js_name = encodeFrameRaw)]
pub fn encode_frame_raw(
    opcode: u8,
    payload: &[u8],
    fin: bool,
    rsv: u8,
    mask_key: Option<Box<[u8]>>,
    random_mask: bool,
) -> Result<Vec<u8>, JsValue> {
    let h = header(opcode, fin, rsv, mask_key, random_mask, payload.len() as u64)?;
    let mut out = Vec::new();
    encode_frame(&mut out, h, payload);
    Ok(out)
}

/// The address of the header scratch (14 bytes), where `encodeHeaderPacked`
/// leaves a header too long to return in its number.
#[wasm_bindgen(js_name = headerScratchPtr)]
pub fn header_scratch_ptr() -> usize {
    HEADER.with(|h| h.as_ptr() as usize)
}

/// Writes the header of a frame with a `payloadLength`-byte payload into the
/// header scratch and returns its length (`maskMode`: 0 none, 1 `key` as a
/// little-endian u32, 2 random).
pub fn encode_header_scratch(
    opcode: u8,
    payload_length: f64,
    fin: bool,
    rsv: u8,
    mask_mode: u8,
    key: u32,
) -> Result<usize, JsValue> {
    let payload_length = super::js_length(payload_length, "payloadLength")?;
    let (key, random) = scratch_mask(mask_mode, key);
    let h = header(opcode, fin, rsv, key, random, payload_length)?;
    Ok(HEADER.with(|buf| h.encode(&mut buf.borrow_mut())))
}

/// Encodes the header of a frame with a `payloadLength`-byte payload
/// (`maskMode`: 0 none, 1 `key` as a little-endian u32, 2 random), for the
/// hot path: packed in the number returned (the `HEADER_PACKED` layout),
/// so that a short one needs no read of memory, or else written to the
/// header scratch; -1 with the error kept for `takeCallError()`.
#[wasm_bindgen(js_name = encodeHeaderPacked)]
pub fn encode_header_packed(
    opcode: u8,
    payload_length: f64,
    fin: bool,
    rsv: u8,
    mask_mode: u8,
    key: u32,
) -> f64 {
    // An unmasked header of a payload under 64 KiB (what servers send most)
    // is built here, on the stack: no scratch, no allocation.
    let short = mask_mode == 0 && payload_length >= 0.0 && payload_length <= f64::from(u16::MAX);
    if !(short && payload_length.fract() == 0.0 && opcode <= 0x0f && rsv <= 0b111) {
        return super::plain(encode_header_scratch(
            opcode,
            payload_length,
            fin,
            rsv,
            mask_mode,
            key,
        ));
    }
    let mut head = [0u8; MAX_HEADER_LEN];
    let length = checked_header(opcode, fin, rsv, None, payload_length as u64).encode(&mut head);
    debug_assert!(length <= packed::MAX_INLINE_LEN as usize);
    let bytes = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
    f64::from(bytes) * f64::from(packed::BYTES_SCALE) + f64::from(packed::INLINE) + length as f64
}

/// Encodes a frame in place in the mask scratch buffer, whose bytes from 14
/// on hold the `len`-byte payload: writes the header just before it, masks
/// the payload if asked (`maskMode` as for `encodeHeaderPacked`), and
/// returns the address where the frame starts (it ends at scratch + 14 + len).
#[wasm_bindgen(js_name = encodeFrameScratch)]
pub fn encode_frame_scratch(
    opcode: u8,
    len: usize,
    fin: bool,
    rsv: u8,
    mask_mode: u8,
    key: u32,
) -> Result<usize, JsValue> {
    let (key, random) = scratch_mask(mask_mode, key);
    let h = header(opcode, fin, rsv, key, random, len as u64)?;
    let mut head = [0u8; MAX_HEADER_LEN];
    let head_len = h.encode(&mut head);
    super::mask::SCRATCH.with(|s| {
        let mut s = s.borrow_mut();
        if s.len() < MAX_HEADER_LEN + len {
            return Err(super::invalid_argument(
                "the payload is not in the scratch buffer",
            ));
        }
        let start = MAX_HEADER_LEN - head_len;
        s[start..MAX_HEADER_LEN].copy_from_slice(&head[..head_len]);
        if let Some(k) = h.mask {
            crate::mask::apply_mask(&mut s[MAX_HEADER_LEN..MAX_HEADER_LEN + len], k, 0);
        }
        Ok(s.as_ptr() as usize + start)
    })
}

/// Incremental frame decoder: push chunks, get every frame they complete.
/// The raw binding; the package's `FrameDecoder` reads its packed results.
#[wasm_bindgen(js_name = RawFrameDecoder)]
pub struct WasmFrameDecoder {
    inner: FrameDecoder,
    packed: Vec<u8>,
}

impl WasmFrameDecoder {
    /// The last packed result (for Rust callers and tests; JS reads it
    /// through `resultPtr`).
    pub fn packed(&self) -> &[u8] {
        &self.packed
    }
}

#[wasm_bindgen(js_class = RawFrameDecoder)]
impl WasmFrameDecoder {
    /// Options: `role` ("server" reads client frames, which must be masked;
    /// "client" reads server frames; omitted accepts both), `maxFrameSize`,
    /// `allowedRsv` (bits 0b100 = RSV1 ...), `strictLength`.
    #[wasm_bindgen(constructor)]
    pub fn new(opts: JsValue) -> Result<WasmFrameDecoder, JsValue> {
        let o = Fields::options(
            &opts,
            "options",
            &["role", "maxFrameSize", "allowedRsv", "strictLength"],
        )?;
        let defaults = DecoderConfig::default();
        let role = o
            .string("role")?
            .map(|role| super::protocol::parse_role(Some(&role)))
            .transpose()?;
        Ok(WasmFrameDecoder {
            inner: FrameDecoder::new(DecoderConfig {
                role,
                max_frame_size: o.uint("maxFrameSize")?.unwrap_or(defaults.max_frame_size),
                allowed_rsv: o.uint("allowedRsv")?.unwrap_or(0),
                strict_length: o.bool("strictLength")?.unwrap_or(false),
            }),
            packed: Vec::new(),
        })
    }

    /// Decodes a chunk. Returns the length of the packed result at
    /// `resultPtr()`: u32 frame count, then per frame u8 first header byte,
    /// u8 masked, 4 key bytes, u32 header length, u64 stream offset,
    /// u32 payload length, payload (unmasked). Throws a `WsframeError`.
    pub fn push(&mut self, chunk: &[u8]) -> Result<usize, JsValue> {
        let frames = self.inner.push(chunk).map_err(|e| js_error(&e))?;
        self.packed.clear();
        self.packed.resize(layout::HEADER_LEN as usize, 0);
        for f in &frames {
            let h = f.header;
            let start = self.packed.len();
            self.packed
                .push((h.fin as u8) << 7 | h.rsv_bits() << 4 | h.opcode.bits());
            self.packed.push(h.mask.is_some() as u8);
            self.packed.extend_from_slice(&h.mask.unwrap_or_default());
            put_u32(&mut self.packed, f.header_len as u32);
            put_u64(&mut self.packed, f.offset);
            put_u32(&mut self.packed, f.payload.len() as u32);
            // Written in order; the layout's offsets say where JS reads them.
            debug_assert_eq!(self.packed.len() - start, layout::PAYLOAD_AT as usize);
            self.packed.extend_from_slice(&f.payload);
        }
        patch_u32(&mut self.packed, 0, frames.len() as u32);
        Ok(self.packed.len())
    }

    #[wasm_bindgen(js_name = resultPtr)]
    pub fn result_ptr(&self) -> usize {
        self.packed.as_ptr() as usize
    }

    /// Throws `truncated_frame` if the stream ended inside a frame.
    pub fn finish(&self) -> Result<(), JsValue> {
        self.inner.finish().map_err(|e| js_error(&e))
    }

    /// Bytes consumed so far.
    #[wasm_bindgen(getter)]
    pub fn offset(&self) -> f64 {
        self.inner.offset() as f64
    }
}
