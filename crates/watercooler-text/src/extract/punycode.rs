//! Length of a domain label in its ASCII (IDNA, RFC 3492 punycode) form.
//!
//! twitter-text rejects URLs whose host has a label longer than 63 characters once
//! punycode-encoded, and counts the encoded host against its 4096-character URL limit. Only the
//! length is needed, so the encoder counts output digits instead of producing them.

const BASE: u64 = 36;
const TMIN: u64 = 1;
const TMAX: u64 = 26;
const SKEW: u64 = 38;
const DAMP: u64 = 700;
const INITIAL_BIAS: u64 = 72;
const INITIAL_N: u64 = 128;

/// Longest label DNS allows.
pub(super) const MAX_LABEL: usize = 63;

fn adapt(mut delta: u64, num_points: u64, first_time: bool) -> u64 {
    delta /= if first_time { DAMP } else { 2 };
    delta += delta / num_points.max(1);
    let mut k = 0;
    while delta > ((BASE - TMIN) * TMAX) / 2 {
        delta /= BASE - TMIN;
        k += BASE;
    }
    k + (BASE - TMIN + 1) * delta / (delta + SKEW)
}

/// Length of `"xn--" + punycode(label)` for a label that contains non-ASCII characters, or
/// `None` when it is certainly longer than [`MAX_LABEL`] (every input character yields at
/// least one output character, so only labels of at most 63 characters are encoded: the work
/// per label is bounded whatever the input).
pub(super) fn encoded_len(label: &str) -> Option<usize> {
    let mut cps = [0u32; MAX_LABEL];
    let mut n_cps = 0;
    for c in label.chars() {
        *cps.get_mut(n_cps)? = c as u32;
        n_cps += 1;
    }
    let cps = cps.get(..n_cps)?;
    let basic = cps.iter().filter(|&&c| c < 0x80).count();
    let mut out = 4 + basic + usize::from(basic > 0);
    let mut n = INITIAL_N;
    let mut delta: u64 = 0;
    let mut bias = INITIAL_BIAS;
    let mut h = basic as u64;
    let total = cps.len() as u64;
    while h < total {
        let m = cps
            .iter()
            .map(|&c| u64::from(c))
            .filter(|&c| c >= n)
            .min()?;
        delta = delta.checked_add((m - n).checked_mul(h + 1)?)?;
        n = m;
        for &c in cps {
            let c = u64::from(c);
            if c < n {
                delta += 1;
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = if k <= bias {
                        TMIN
                    } else if k >= bias + TMAX {
                        TMAX
                    } else {
                        k - bias
                    };
                    if q < t {
                        break;
                    }
                    out += 1;
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                out += 1;
                bias = adapt(delta, h + 1, h == basic as u64);
                delta = 0;
                h += 1;
            }
        }
        delta += 1;
        n += 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_known_encodings() {
        // Reference values from RFC 3492 / common IDNs.
        assert_eq!(encoded_len("bücher"), Some("xn--bcher-kva".len()));
        assert_eq!(encoded_len("münchen"), Some("xn--mnchen-3ya".len()));
        assert_eq!(encoded_len("☃"), Some("xn--n3h".len()));
        assert_eq!(encoded_len("みんな"), Some("xn--q9jyb4c".len()));
        assert_eq!(encoded_len("中国"), Some("xn--fiqs8s".len()));
        assert_eq!(encoded_len("例え"), Some("xn--r8jz45g".len()));
        assert_eq!(encoded_len(&"あ".repeat(64)), None);
    }
}
