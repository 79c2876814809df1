//! Compression and decompression over zlib-rs (the `deflate` feature).
use super::{DeflateSettings, InflateFailure, Step, TAIL};
use crate::error::{Error, ErrorKind, Result};
use crate::frame::Role;
pub use zlib_rs::InflateFlush;
use zlib_rs::{Deflate, DeflateConfig, DeflateFlush, Inflate, Method, Status, Strategy};

/// A non-final empty stored block starting on a byte boundary: 3 header bits
/// and padding, then LEN 0 and NLEN 0xffff.
const EMPTY_STORED_BLOCK: [u8; 5] = [0x00, 0x00, 0x00, 0xff, 0xff];

/// The compressor and decompressor of a connection in `role` with these
/// settings: each side compresses within its own window and context rules.
pub fn engines(settings: &DeflateSettings, role: Role) -> Option<(Compressor, Decompressor)> {
    let p = settings.params;
    let (ours, theirs) = match role {
        Role::Server => (
            (p.server_max_window_bits, p.server_no_context_takeover),
            (p.client_max_window_bits, p.client_no_context_takeover),
        ),
        Role::Client => (
            (p.client_max_window_bits, p.client_no_context_takeover),
            (p.server_max_window_bits, p.server_no_context_takeover),
        ),
    };
    Some((
        Compressor::new(ours.0, ours.1, settings.level, settings.mem_level),
        Decompressor::new(theirs.0, theirs.1),
    ))
}

/// Compresses the messages one side sends.
pub struct Compressor {
    /// Created on first use: zlib state is a few hundred KiB.
    state: Option<Box<Deflate>>,
    window_bits: u8,
    no_context_takeover: bool,
    level: u8,
    mem_level: u8,
}

impl Compressor {
    /// `window_bits` 8-15 (8 is honoured as described in the module docs).
    pub fn new(window_bits: u8, no_context_takeover: bool, level: u8, mem_level: u8) -> Self {
        Compressor {
            state: None,
            window_bits: window_bits.clamp(8, 15),
            no_context_takeover,
            level: level.min(9),
            mem_level: mem_level.clamp(1, 9),
        }
    }

    fn deflate(&mut self) -> &mut Deflate {
        let (bits, strategy) = match self.window_bits {
            8 => (9, Strategy::Rle),
            bits => (bits, Strategy::Default),
        };
        let config = DeflateConfig {
            level: i32::from(self.level),
            method: Method::Deflated,
            window_bits: -i32::from(bits),
            mem_level: i32::from(self.mem_level),
            strategy,
        };
        self.state
            .get_or_insert_with(|| Box::new(Deflate::new_with_config(config)))
    }

    /// Appends `data` compressed and flushed to a byte boundary. `last` ends
    /// the message: the flush marker `00 00 ff ff` is removed (§7.2.1) and,
    /// without context takeover, the compressor starts afresh.
    pub fn compress(&mut self, data: &[u8], last: bool, out: &mut Vec<u8>) -> Result<()> {
        let start = out.len();
        let reset_after = last && self.no_context_takeover;
        let deflate = self.deflate();
        let mut input = data;
        loop {
            let at = out.len();
            let room = input.len() + (input.len() >> 10) + 64;
            out.resize(at + room, 0);
            let (before_in, before_out) = (deflate.total_in(), deflate.total_out());
            let status = deflate.compress(input, &mut out[at..], DeflateFlush::SyncFlush);
            let consumed = (deflate.total_in() - before_in) as usize;
            let produced = (deflate.total_out() - before_out) as usize;
            out.truncate(at + produced);
            if status.is_err() {
                return Err(Error::new(ErrorKind::InvalidState, "the compressor failed"));
            }
            input = &input[consumed..];
            // Done once all input is in and the flush did not fill the room.
            if input.is_empty() && produced < room {
                break;
            }
        }
        if last {
            // Right after a flush, zlib flushes nothing for empty input; the
            // stream is then byte-aligned, and an empty stored block ends it
            // the way the receiver expects (an empty message becomes 0x00,
            // RFC 7692 §7.2.3.6).
            if !(out.len() - start >= TAIL.len() && out.ends_with(&TAIL)) {
                out.extend_from_slice(&EMPTY_STORED_BLOCK);
            }
            out.truncate(out.len() - TAIL.len());
            if reset_after {
                deflate.reset();
            }
        }
        Ok(())
    }
}

/// Decompresses the messages the peer sends, piece by piece.
pub struct Decompressor {
    state: Option<Box<Inflate>>,
    window_bits: u8,
    no_context_takeover: bool,
    /// The current message's data ended with a final block (BFINAL).
    ended: bool,
    /// The last window of output, for messages delivered in pieces (see
    /// [`Decompressor::keep_history`]).
    history: Option<Vec<u8>>,
}

impl Decompressor {
    /// `window_bits`: the window the peer agreed to compress within.
    pub fn new(window_bits: u8, no_context_takeover: bool) -> Self {
        Decompressor {
            state: None,
            // zlib-based peers told to use 8 use 9 (see the module docs).
            window_bits: window_bits.clamp(9, 15),
            no_context_takeover,
            ended: false,
            history: None,
        }
    }

    fn inflate_state(&mut self) -> &mut Inflate {
        let bits = self.window_bits;
        self.state
            .get_or_insert_with(|| Box::new(Inflate::new(false, bits)))
    }

    /// Inflates the next piece of a compressed message into `out`, which
    /// never grows past `limit` bytes: `TooBig` is returned as soon as the
    /// output would, before anything past the limit is allocated.
    pub fn inflate(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
        limit: usize,
    ) -> std::result::Result<(), InflateFailure> {
        self.run(input, out, limit, InflateFlush::NoFlush)
    }

    /// Ends the current message: inflates the `00 00 ff ff` the sender left
    /// out and, without context takeover, forgets the window. `message_start`
    /// is where this message's output begins in `out`.
    pub fn finish(
        &mut self,
        out: &mut Vec<u8>,
        limit: usize,
        message_start: usize,
    ) -> std::result::Result<(), InflateFailure> {
        self.run(&TAIL, out, limit, InflateFlush::SyncFlush)?;
        if self.no_context_takeover {
            if let Some(state) = self.state.as_mut() {
                state.reset(false);
            }
        } else if self.ended {
            // A final block ended the DEFLATE stream, but the next message may
            // still refer to this one: start a new stream whose window holds
            // what this message produced (see the module docs).
            let window = 1usize << self.window_bits;
            let produced = &out[message_start.min(out.len())..];
            let history = &produced[produced.len().saturating_sub(window)..];
            let state = self.inflate_state();
            state.reset(false);
            state
                .set_dictionary(history)
                .map_err(|_| InflateFailure::Corrupt("cannot keep the window after a final block"))?;
        }
        self.ended = false;
        Ok(())
    }

    fn run(
        &mut self,
        mut input: &[u8],
        out: &mut Vec<u8>,
        limit: usize,
        flush: InflateFlush,
    ) -> std::result::Result<(), InflateFailure> {
        loop {
            // One byte beyond the limit tells "exactly at the limit" from "over it".
            let room = (limit + 1).saturating_sub(out.len());
            if room == 0 {
                return Err(InflateFailure::TooBig);
            }
            let step = self.step(input, out, room, flush)?;
            if out.len() > limit {
                return Err(InflateFailure::TooBig);
            }
            input = &input[step.consumed..];
            if step.done {
                return Ok(());
            }
        }
    }

    /// One bounded step of inflating: appends at most `max_out` bytes to
    /// `out` (growing it with what is produced, never with what might be).
    /// `done` once no more output can come from `input` without more input.
    pub fn step(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
        max_out: usize,
        flush: InflateFlush,
    ) -> std::result::Result<Step, InflateFailure> {
        if self.ended {
            // After a final block the DEFLATE stream is over; zlib ignores the rest.
            return Ok(Step {
                consumed: input.len(),
                produced: 0,
                done: true,
            });
        }
        let step = max_out.min(input.len().saturating_mul(4).clamp(4096, 256 * 1024));
        let at = out.len();
        // Geometric growth, never past what this call may append.
        crate::bounded::reserve(out, step, at.saturating_add(max_out) as u64);
        out.resize(at + step, 0);
        let state = self.inflate_state();
        let (before_in, before_out) = (state.total_in(), state.total_out());
        let status = state.decompress(input, &mut out[at..], flush);
        let consumed = (state.total_in() - before_in) as usize;
        let produced = (state.total_out() - before_out) as usize;
        out.truncate(at + produced);
        let status = status.map_err(|_| InflateFailure::Corrupt("invalid DEFLATE data"))?;
        if let Some(history) = self.history.as_mut() {
            remember(history, &out[at..], 1 << self.window_bits);
        }
        let done = match status {
            Status::StreamEnd => {
                self.ended = true;
                true
            }
            // All input taken and the output was not filled: nothing is pending.
            _ if consumed == input.len() && produced < step => true,
            // No progress is possible without more input.
            Status::BufError if consumed == 0 && produced == 0 => true,
            _ => false,
        };
        Ok(Step {
            consumed,
            produced,
            done,
        })
    }

    /// Keeps the last window of output from now on, so that a message
    /// delivered in pieces (and not kept) can still be referred to after a
    /// final block (see [`Decompressor::finish`]). Only with context takeover.
    pub fn keep_history(&mut self) {
        if !self.no_context_takeover && self.history.is_none() {
            self.history = Some(Vec::new());
        }
    }

    /// Ends a message delivered in pieces (see [`Decompressor::keep_history`]):
    /// the tail step is run with [`Decompressor::step`] and `SyncFlush` by
    /// the caller; this forgets or keeps the window as [`Decompressor::finish`] does.
    pub fn end_message(&mut self) -> std::result::Result<(), InflateFailure> {
        if self.no_context_takeover {
            if let Some(state) = self.state.as_mut() {
                state.reset(false);
            }
        } else if self.ended {
            let history = self.history.take().unwrap_or_default();
            let state = self.inflate_state();
            state.reset(false);
            let set = state.set_dictionary(&history);
            self.history = Some(history);
            set.map_err(|_| InflateFailure::Corrupt("cannot keep the window after a final block"))?;
        }
        self.ended = false;
        Ok(())
    }
}

/// Appends `data` to `history`, keeping only its last `window` bytes.
fn remember(history: &mut Vec<u8>, data: &[u8], window: usize) {
    if data.len() >= window {
        history.clear();
        history.extend_from_slice(&data[data.len() - window..]);
        return;
    }
    let excess = (history.len() + data.len()).saturating_sub(window);
    history.drain(..excess);
    history.extend_from_slice(data);
}

/// Inflates one whole compressed message payload, for callers that have it
/// whole (the inspector): appends the tail, caps the output at `limit`.
pub fn inflate_message(
    decompressor: &mut Decompressor,
    payload: &[u8],
    limit: usize,
) -> std::result::Result<Vec<u8>, InflateFailure> {
    let mut out = Vec::new();
    decompressor.inflate(payload, &mut out, limit)?;
    decompressor.finish(&mut out, limit, 0)?;
    Ok(out)
}
