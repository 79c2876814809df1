//! Payload masking (RFC 6455 §5.3): XOR with a 4-byte key, in place.
//!
//! Masking is its own inverse. Every function takes the `offset` of the first
//! byte of `buf` within the whole masked payload, so a payload that arrives
//! split across chunks unmasks piece by piece to the same result.

use crate::error::{Error, ErrorKind, Result};
use std::mem::MaybeUninit;

/// XORs `buf` in place with `key`, `buf[0]` being byte `offset` of the payload.
/// Picks the widest path the target has (simd128 on wasm, else 8 bytes at a time).
#[inline]
pub fn apply_mask(buf: &mut [u8], key: [u8; 4], offset: usize) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    apply_mask_simd128(buf, key, offset);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    apply_mask_u64(buf, key, offset);
}

/// Appends `src` masked with `key` (starting at payload byte `offset`) to
/// `dst`, in one pass: each byte is read, XORed and written once.
pub fn extend_masked(dst: &mut Vec<u8>, src: &[u8], key: [u8; 4], offset: usize) {
    dst.reserve(src.len());
    let start = dst.len();
    masked_copy(
        &mut dst.spare_capacity_mut()[..src.len()],
        src,
        rotate_key(key, offset),
    );
    // SAFETY: `masked_copy` wrote all `src.len()` bytes that follow `start`
    // (tested for every length 0..=300 and offset 0..3 against the byte loop).
    unsafe { dst.set_len(start + src.len()) };
}

/// Writes `src[i] ^ k[i % 4]` to every `out[i]`; `out` and `src` have the same length.
fn masked_copy(out: &mut [MaybeUninit<u8>], src: &[u8], k: [u8; 4]) {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let done = {
        use core::arch::wasm32::{u32x4_splat, v128, v128_load, v128_store, v128_xor};
        let wide = u32x4_splat(u32::from_ne_bytes(k));
        for (o, s) in out.chunks_exact_mut(16).zip(src.chunks_exact(16)) {
            // SAFETY: `s` and `o` are 16 bytes each, inside `src` and `out`;
            // v128.load/v128.store have no alignment requirement.
            unsafe {
                v128_store(
                    o.as_mut_ptr() as *mut v128,
                    v128_xor(v128_load(s.as_ptr() as *const v128), wide),
                )
            };
        }
        src.len() / 16 * 16
    };
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    let done = 0;
    let wide = u64::from_ne_bytes([k[0], k[1], k[2], k[3], k[0], k[1], k[2], k[3]]);
    let (out, src) = (&mut out[done..], &src[done..]);
    let mut words = 0;
    for (o, s) in out.chunks_exact_mut(8).zip(src.chunks_exact(8)) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(s);
        for (slot, b) in o.iter_mut().zip((u64::from_ne_bytes(bytes) ^ wide).to_ne_bytes()) {
            slot.write(b);
        }
        words += 8;
    }
    // `done` and `words` are multiples of 4: the tail starts at key phase 0.
    for (i, (slot, b)) in out[words..].iter_mut().zip(&src[words..]).enumerate() {
        slot.write(b ^ k[i % 4]);
    }
}

/// The key as seen by a buffer that starts `offset` bytes into the payload.
#[inline]
fn rotate_key(key: [u8; 4], offset: usize) -> [u8; 4] {
    let mut rotated = key;
    rotated.rotate_left(offset % 4);
    rotated
}

/// The reference implementation: one byte at a time.
pub fn apply_mask_bytewise(buf: &mut [u8], key: [u8; 4], offset: usize) {
    for (i, byte) in buf.iter_mut().enumerate() {
        *byte ^= key[(offset + i) % 4];
    }
}

/// Eight bytes per step with a u64 built from the key twice; portable.
pub fn apply_mask_u64(buf: &mut [u8], key: [u8; 4], offset: usize) {
    let k = rotate_key(key, offset);
    let wide = u64::from_ne_bytes([k[0], k[1], k[2], k[3], k[0], k[1], k[2], k[3]]);
    let mut words = buf.chunks_exact_mut(8);
    for word in &mut words {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        word.copy_from_slice(&(u64::from_ne_bytes(bytes) ^ wide).to_ne_bytes());
    }
    // Each word is a multiple of 4 bytes, so the tail starts at key phase 0 of `k`.
    for (i, byte) in words.into_remainder().iter_mut().enumerate() {
        *byte ^= k[i % 4];
    }
}

/// Sixteen bytes per step with wasm SIMD.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub fn apply_mask_simd128(buf: &mut [u8], key: [u8; 4], offset: usize) {
    use core::arch::wasm32::{u32x4_splat, v128, v128_load, v128_store, v128_xor};
    let k = rotate_key(key, offset);
    let wide = u32x4_splat(u32::from_ne_bytes(k));
    let mut blocks = buf.chunks_exact_mut(16);
    for block in &mut blocks {
        let ptr = block.as_mut_ptr() as *mut v128;
        // SAFETY: `block` is exactly 16 bytes of `buf`, which we borrow mutably;
        // wasm's v128.load/v128.store have no alignment requirement.
        unsafe { v128_store(ptr, v128_xor(v128_load(ptr), wide)) };
    }
    apply_mask_u64(blocks.into_remainder(), k, 0);
}

/// A source of masking keys for the client role: a pool filled from the
/// system's cryptographic random source, drawn four bytes at a time, so
/// sending a frame does not cost a call into the OS (or out of wasm). The
/// pool is made on the first key: a server never needs one.
pub struct MaskKeySource {
    pool: Option<Box<[u8; 256]>>,
    next: usize,
}

impl MaskKeySource {
    pub fn new() -> Self {
        MaskKeySource {
            pool: None,
            next: 256,
        }
    }

    /// Returns a fresh unpredictable key (RFC 6455 §5.3, §10.3).
    pub fn next_key(&mut self) -> Result<[u8; 4]> {
        let pool = self.pool.get_or_insert_with(|| Box::new([0; 256]));
        if self.next + 4 > pool.len() {
            getrandom::getrandom(&mut pool[..])
                .map_err(|e| Error::new(ErrorKind::RandomUnavailable, format!("no random source: {e}")))?;
            self.next = 0;
        }
        let mut key = [0u8; 4];
        key.copy_from_slice(&pool[self.next..self.next + 4]);
        self.next += 4;
        Ok(key)
    }
}

impl Default for MaskKeySource {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    // Under wasm32 the same tests run in Node through wasm-bindgen-test.
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn sample(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 + 7) as u8).collect()
    }

    const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

    #[test]
    fn rfc6455_hello() {
        let mut buf = b"Hello".to_vec();
        apply_mask(&mut buf, KEY, 0);
        assert_eq!(buf, [0x7f, 0x9f, 0x4d, 0x51, 0x58]);
        apply_mask(&mut buf, KEY, 0);
        assert_eq!(buf, b"Hello");
    }

    #[test]
    fn every_path_matches_bytewise_for_lengths_0_to_300_and_offsets_0_to_3() {
        for len in 0..=300 {
            for offset in 0..4 {
                let mut expected = sample(len);
                apply_mask_bytewise(&mut expected, KEY, offset);
                let mut got = sample(len);
                apply_mask_u64(&mut got, KEY, offset);
                assert_eq!(got, expected, "u64 len {len} offset {offset}");
                let mut got = sample(len);
                apply_mask(&mut got, KEY, offset);
                assert_eq!(got, expected, "dispatch len {len} offset {offset}");
                #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
                {
                    let mut got = sample(len);
                    apply_mask_simd128(&mut got, KEY, offset);
                    assert_eq!(got, expected, "simd128 len {len} offset {offset}");
                }
            }
        }
    }

    #[test]
    fn split_payload_unmasks_like_whole() {
        let whole_src = sample(1000);
        let mut whole = whole_src.clone();
        apply_mask(&mut whole, KEY, 0);
        for split in [0, 1, 2, 3, 5, 17, 499, 999, 1000] {
            let mut parts = whole_src.clone();
            let (a, b) = parts.split_at_mut(split);
            apply_mask(a, KEY, 0);
            apply_mask(b, KEY, split);
            assert_eq!(parts, whole, "split at {split}");
        }
    }

    #[test]
    fn extend_masked_appends() {
        let mut out = vec![1, 2];
        extend_masked(&mut out, b"Hello", KEY, 0);
        assert_eq!(out, [1, 2, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    }

    #[test]
    fn extend_masked_matches_bytewise_for_lengths_0_to_300_and_offsets_0_to_3() {
        for len in 0..=300 {
            for offset in 0..4 {
                let src = sample(len);
                let mut expected = src.clone();
                apply_mask_bytewise(&mut expected, KEY, offset);
                let mut got = vec![9u8; 3];
                extend_masked(&mut got, &src, KEY, offset);
                assert_eq!(got[..3], [9, 9, 9]);
                assert_eq!(got[3..], expected[..], "len {len} offset {offset}");
            }
        }
    }

    #[test]
    fn key_source_gives_varied_keys() {
        let mut source = MaskKeySource::new();
        let keys: Vec<[u8; 4]> = (0..200).map(|_| source.next_key().unwrap()).collect();
        let distinct: std::collections::HashSet<_> = keys.iter().collect();
        // 200 draws from 2^32 values: a repeat is a one-in-a-million event.
        assert!(distinct.len() >= 199);
    }
}
