//! Buffer growth that respects a limit: geometric, so appends stay cheap,
//! but never reserving past the limit (a plain `Vec` doubling could reserve
//! twice what the limit allows).

/// Makes room for `additional` more bytes in `buffer`, growing its capacity
/// geometrically but never past `limit` (unless `len + additional` itself is
/// past it: the caller checks limits, this only avoids over-reserving).
pub(crate) fn reserve(buffer: &mut Vec<u8>, additional: usize, limit: u64) {
    let needed = buffer.len() + additional;
    if needed > buffer.capacity() {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX).max(needed);
        let target = buffer.capacity().saturating_mul(2).max(needed).min(limit);
        buffer.reserve_exact(target - buffer.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn grows_geometrically_up_to_the_limit() {
        let mut b = Vec::new();
        reserve(&mut b, 10, 100);
        assert!(b.capacity() >= 10);
        b.extend([0; 10]);
        reserve(&mut b, 50, 100);
        assert!(b.capacity() >= 60 && b.capacity() <= 100);
        b.extend([0; 50]);
        reserve(&mut b, 40, 100);
        assert_eq!(b.capacity(), 100);
    }
}
