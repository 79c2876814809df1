//! Streaming UTF-8 validation (RFC 3629, RFC 6455 §8.1).
//!
//! Text arrives in pieces: split across TCP chunks, frames and fragments. The
//! validator fails as soon as the bytes seen so far can no longer be the
//! start of valid UTF-8 (overlong forms, surrogates, code points above
//! U+10FFFF, stray continuation bytes), not at the end of the message, and
//! reports the offset of the first byte that cannot be valid. It carries at most three
//! bytes of an incomplete sequence between pieces; `simdutf8` does the bulk.

use crate::error::{Error, ErrorKind, Result};
use simdutf8::compat::from_utf8;

/// Incremental validator for one text (one message, or one close reason).
#[derive(Clone, Debug, Default)]
pub struct Utf8Validator {
    /// The bytes of a sequence cut off by the end of the previous piece.
    pending: [u8; 4],
    pending_len: usize,
    /// Bytes fed so far (offsets in errors count from the first byte fed).
    fed: u64,
}

/// Length of the sequence a lead byte starts (0 if it cannot start one).
fn sequence_len(lead: u8) -> usize {
    match lead {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => 0,
    }
}

impl Utf8Validator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes fed so far.
    pub fn position(&self) -> u64 {
        self.fed
    }

    /// True if the text so far ends inside a multi-byte sequence.
    pub fn is_incomplete(&self) -> bool {
        self.pending_len != 0
    }

    /// Bytes of the unfinished sequence at the end of the text so far (0-3).
    pub fn pending_len(&self) -> usize {
        self.pending_len
    }

    /// Validates the next piece of text. On error, the offset is that of the
    /// first byte that cannot follow what came before it; it always lies in
    /// `data`, because every earlier byte was accepted when it was fed.
    pub fn feed(&mut self, mut data: &[u8]) -> Result<()> {
        let base = self.fed;
        self.fed += data.len() as u64;
        let mut done = 0;
        if self.pending_len > 0 {
            // Finish the sequence left over from the last piece first.
            // `pending` always starts with a lead byte; `max` keeps this total anyway.
            let need = sequence_len(self.pending[0]).max(self.pending_len);
            let take = (need - self.pending_len).min(data.len());
            let mut seq = [0u8; 4];
            seq[..self.pending_len].copy_from_slice(&self.pending[..self.pending_len]);
            seq[self.pending_len..self.pending_len + take].copy_from_slice(&data[..take]);
            let have = self.pending_len + take;
            if let Err(e) = from_utf8(&seq[..have]) {
                if let Some(culprit) = culprit(&seq[..have], &e) {
                    return Err(invalid(base + (culprit - self.pending_len) as u64));
                }
                // Still incomplete, and everything so far can still be valid.
                self.pending[..have].copy_from_slice(&seq[..have]);
                self.pending_len = have;
                return Ok(());
            }
            self.pending_len = 0;
            data = &data[take..];
            done = take;
        }
        match from_utf8(data) {
            Ok(_) => Ok(()),
            Err(e) => match culprit(data, &e) {
                Some(at) => Err(invalid(base + (done + at) as u64)),
                None => {
                    // A sequence cut off by the end of this piece: a valid
                    // prefix of at most three bytes.
                    let tail = &data[e.valid_up_to()..];
                    self.pending[..tail.len()].copy_from_slice(tail);
                    self.pending_len = tail.len();
                    Ok(())
                }
            },
        }
    }

    /// Call at the end of the text: an error if it ended inside a sequence.
    pub fn finish(&self) -> Result<()> {
        if self.pending_len == 0 {
            Ok(())
        } else {
            Err(Error::at(
                ErrorKind::InvalidUtf8,
                self.fed - self.pending_len as u64,
                "text ends inside a multi-byte UTF-8 sequence",
            ))
        }
    }

    /// Forgets everything, ready for the next text.
    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

/// Index of the first byte of `data` that cannot follow the bytes before it,
/// or `None` if `data` is only cut short. std reports where the bad sequence
/// starts and how long its longest valid prefix is: the culprit is the byte
/// after that prefix, or the first byte itself if it cannot start a sequence.
fn culprit(data: &[u8], e: &simdutf8::compat::Utf8Error) -> Option<usize> {
    let start = e.valid_up_to();
    let prefix = e.error_len()?;
    Some(if sequence_len(data[start]) > 1 {
        start + prefix
    } else {
        start
    })
}

fn invalid(offset: u64) -> Error {
    Error::at(ErrorKind::InvalidUtf8, offset, "invalid UTF-8")
}

/// Validates a complete text at once (offsets as for [`Utf8Validator::feed`]).
pub fn validate(data: &[u8]) -> Result<&str> {
    from_utf8(data).map_err(|e| match culprit(data, &e) {
        Some(at) => invalid(at as u64),
        None => Error::at(
            ErrorKind::InvalidUtf8,
            e.valid_up_to() as u64,
            "text ends inside a multi-byte UTF-8 sequence",
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    // Under wasm32 the same tests run in Node through wasm-bindgen-test.
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// From std's verdict: Ok, or the first byte that cannot be valid (for a
    /// truncated end: where the unfinished sequence starts). Found by brute
    /// force: the shortest prefix std says is invalid (not just incomplete).
    fn reference(data: &[u8]) -> Result<(), u64> {
        if std::str::from_utf8(data).is_ok() {
            return Ok(());
        }
        for end in 1..=data.len() {
            if let Err(e) = std::str::from_utf8(&data[..end]) {
                if e.error_len().is_some() {
                    return Err(end as u64 - 1);
                }
            }
        }
        Err(std::str::from_utf8(data).unwrap_err().valid_up_to() as u64)
    }

    fn streamed(data: &[u8], cuts: &[usize]) -> Result<(), u64> {
        let mut v = Utf8Validator::new();
        let mut start = 0;
        for &cut in cuts.iter().chain(std::iter::once(&data.len())) {
            let cut = cut.clamp(start, data.len());
            v.feed(&data[start..cut]).map_err(|e| e.offset().unwrap())?;
            start = cut;
        }
        v.finish().map_err(|e| e.offset().unwrap())
    }

    #[test]
    fn accepts_1_to_4_byte_sequences_split_anywhere() {
        let text = "a\u{7f}\u{80}\u{7ff}\u{800}\u{fffd}\u{ffff}\u{10000}\u{10ffff}z".as_bytes();
        for cut in 0..=text.len() {
            assert_eq!(streamed(text, &[cut]), Ok(()), "cut {cut}");
            for cut2 in cut..=text.len() {
                assert_eq!(streamed(text, &[cut, cut2]), Ok(()));
            }
        }
        let mut v = Utf8Validator::new();
        for b in text {
            v.feed(std::slice::from_ref(b)).unwrap();
        }
        v.finish().unwrap();
    }

    #[test]
    fn fails_fast_before_the_sequence_is_complete() {
        for (bad, offset) in [
            (&[0xedu8, 0xa0][..], 1u64), // surrogate U+D800
            (&[0xe0, 0x80], 1),          // overlong 3-byte
            (&[0xf0, 0x80], 1),          // overlong 4-byte
            (&[0xf4, 0x90], 1),          // above U+10FFFF
            (&[0xf5], 0),                // never a lead byte
            (&[0xc0], 0),                // overlong 2-byte lead
            (&[0x80], 0),                // stray continuation
            (&[0xce, 0xba, 0xff], 2),
        ] {
            let mut v = Utf8Validator::new();
            let mut err = None;
            for b in bad {
                if let Err(e) = v.feed(std::slice::from_ref(b)) {
                    err = Some(e);
                    break;
                }
            }
            let e = err.unwrap_or_else(|| panic!("{bad:x?} accepted before completion"));
            assert_eq!(e.offset(), Some(offset), "{bad:x?}");
            assert_eq!(e.close_code(), Some(1007));
        }
    }

    #[test]
    fn truncated_end_is_an_error_at_its_start() {
        let mut v = Utf8Validator::new();
        v.feed(b"ab\xf0\x9f\x98").unwrap();
        assert!(v.is_incomplete());
        assert_eq!(v.finish().unwrap_err().offset(), Some(2));
    }

    #[test]
    fn autobahn_6_4_style_invalid_in_middle_fragment() {
        // κόσμε, then an invalid 0xf4 0x90 sequence, then the rest.
        let first = "\u{3ba}\u{1f79}\u{3c3}\u{3bc}\u{3b5}".as_bytes();
        let mut v = Utf8Validator::new();
        v.feed(first).unwrap();
        let e = v.feed(&[0xf4, 0x90, 0x80, 0x80]).unwrap_err();
        assert_eq!(e.offset(), Some(first.len() as u64 + 1));
    }

    #[test]
    fn agrees_with_std_on_tricky_inputs() {
        let samples: &[&[u8]] = &[
            b"",
            b"plain ascii",
            b"\xc2\x80\xdf\xbf",
            b"\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80",
            b"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf",
            b"\xed\xa0\x80",
            b"\xed\xbf\xbf",
            b"\xf4\x90\x80\x80",
            b"\xc1\xbf",
            b"ok\xe2\x82",
            b"\xe2\x28\xa1",
            b"\xf0\x28\x8c\xbc",
            b"a\x80b",
        ];
        for data in samples {
            for cut in 0..=data.len() {
                assert_eq!(streamed(data, &[cut]), reference(data), "{data:x?} cut {cut}");
            }
        }
    }

    #[test]
    fn one_shot_validate() {
        assert_eq!(validate("héllo".as_bytes()).unwrap(), "héllo");
        assert_eq!(validate(b"ab\xff").unwrap_err().offset(), Some(2));
        assert_eq!(validate(b"ab\xe2\x28").unwrap_err().offset(), Some(3));
    }
}
