//! Fast skipping to the next byte that can start an entity.
//!
//! Prose is mostly bytes that cannot start anything, so the extractor jumps between trigger
//! bytes with a table look-up per byte, eight bytes per branch.

/// The set of bytes a scan stops at, as a 256-entry table (built once per extractor).
pub(super) type Triggers = [bool; 256];

/// A trigger table holding `bytes`.
pub(super) fn triggers(bytes: &[u8]) -> Triggers {
    let mut t = [false; 256];
    for &b in bytes {
        t[usize::from(b)] = true;
    }
    t
}

/// Position of the first byte at or after `from` that is in `t`.
///
/// Eight table look-ups per step, or-ed together so the common case (no trigger in the
/// word) costs one well-predicted branch; then the exact byte is found one at a time.
#[inline]
pub(super) fn find_any(h: &[u8], from: usize, t: &Triggers) -> Option<usize> {
    let hit = |x: u8| t[usize::from(x)];
    let mut i = from;
    while let Some(c) = h.get(i..i + 8).and_then(|c| <&[u8; 8]>::try_from(c).ok()) {
        if hit(c[0])
            | hit(c[1])
            | hit(c[2])
            | hit(c[3])
            | hit(c[4])
            | hit(c[5])
            | hit(c[6])
            | hit(c[7])
        {
            break;
        }
        i += 8;
    }
    while let Some(&x) = h.get(i) {
        if hit(x) {
            return Some(i);
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_position() {
        let set = [b'#', b'@', b'$', b'.', 0xEF];
        let t = triggers(&set);
        let g: Vec<u8> = (0..200u32)
            .map(|i| {
                if i % 37 == 3 {
                    set[(i % 5) as usize]
                } else {
                    b'a'
                }
            })
            .collect();
        for from in 0..=g.len() + 1 {
            let want = g
                .iter()
                .skip(from)
                .position(|x| set.contains(x))
                .map(|p| p + from);
            assert_eq!(find_any(&g, from, &t), want);
        }
        assert_eq!(find_any(&[0x80; 40], 0, &t), None);
        assert_eq!(find_any(b"", 0, &t), None);
    }
}
