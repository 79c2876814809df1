//! Without the `deflate` feature no compressor or decompressor can exist:
//! the types are empty, so the compiler proves that a connection never
//! reaches them (such a build never negotiates permessage-deflate).
use super::{DeflateSettings, InflateFailure, Step};
use crate::error::Result;
use crate::frame::Role;

/// No compressor or decompressor: the connection goes without.
pub fn engines(_settings: &DeflateSettings, _role: Role) -> Option<(Compressor, Decompressor)> {
    None
}

/// How far an inflate step flushes, as zlib names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InflateFlush {
    NoFlush,
    SyncFlush,
}

/// Compresses the messages one side sends: never made in this build.
pub enum Compressor {}

impl Compressor {
    pub fn compress(&mut self, _data: &[u8], _last: bool, _out: &mut Vec<u8>) -> Result<()> {
        match *self {}
    }
}

/// Decompresses the messages the peer sends: never made in this build.
pub enum Decompressor {}

impl Decompressor {
    pub fn inflate(
        &mut self,
        _input: &[u8],
        _out: &mut Vec<u8>,
        _limit: usize,
    ) -> std::result::Result<(), InflateFailure> {
        match *self {}
    }

    pub fn finish(
        &mut self,
        _out: &mut Vec<u8>,
        _limit: usize,
        _message_start: usize,
    ) -> std::result::Result<(), InflateFailure> {
        match *self {}
    }

    pub fn step(
        &mut self,
        _input: &[u8],
        _out: &mut Vec<u8>,
        _max_out: usize,
        _flush: InflateFlush,
    ) -> std::result::Result<Step, InflateFailure> {
        match *self {}
    }

    pub fn keep_history(&mut self) {
        match *self {}
    }

    pub fn end_message(&mut self) -> std::result::Result<(), InflateFailure> {
        match *self {}
    }
}
