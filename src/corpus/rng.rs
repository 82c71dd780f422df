//! The generator's randomness and the little floating-point maths it needs, written so that
//! a seed gives the same bytes on every machine and with every Rust version: our own
//! SplitMix64 (a `rand` upgrade may change its streams), and `ln`/`exp` from `+ - * /` only
//! (IEEE 754 rounds those exactly; the platform's `libm` may differ in the last bit, and one
//! bit is enough to pick another word).

/// SplitMix64: small, fast, and good enough for synthetic data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

/// FNV-1a over bytes: turns a stream's label into part of its seed.
fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

impl Rng {
    /// A generator seeded with `seed` directly.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// An independent stream for one part of the corpus (`label`, e.g. `"people"`, and an
    /// index such as the tenant's), so that changing how much one part draws does not shift
    /// every other part.
    pub fn stream(seed: u64, label: &str, index: u64) -> Rng {
        let mut r = Rng(seed ^ fnv(label.as_bytes()).rotate_left(17) ^ index.wrapping_mul(0x9E37));
        // Decorrelates streams whose seeds differ in a few bits only.
        r.0 = r.next_u64();
        r
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`; 0 when `n` is 0. Multiply-shift: no division, and its bias
    /// (below 2⁻³² for our `n`) does not matter for synthetic data.
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// A float in `[0, 1)`, with 53 random bits.
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// An index drawn with the given small integer weights.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut x = self.below(total as usize) as u32;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len().saturating_sub(1)
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Approximately standard normal: the sum of twelve uniforms minus six (Irwin–Hall),
    /// which needs no `sin`, `cos` or `sqrt`.
    pub fn normal(&mut self) -> f64 {
        let mut s = 0.0;
        for _ in 0..12 {
            s += self.f64();
        }
        s - 6.0
    }

    /// Log-normal with the given parameters of the underlying normal.
    pub fn lognormal(&mut self, mu: f64, sigma: f64) -> f64 {
        exp(mu + sigma * self.normal())
    }

    /// Pareto with scale 1 and shape `alpha` (Python's `paretovariate`).
    pub fn pareto(&mut self, alpha: f64) -> f64 {
        let u = 1.0 - self.f64(); // (0, 1]
        exp(-ln(u) / alpha)
    }

    /// `k` distinct indices of `0..n` (all of them when `k >= n`), in draw order.
    pub fn distinct(&mut self, n: usize, k: usize) -> Vec<usize> {
        let k = k.min(n);
        if k * 4 >= n {
            // Dense: a partial Fisher–Yates shuffle of the whole range.
            let mut all: Vec<usize> = (0..n).collect();
            for i in 0..k {
                let j = i + self.below(n - i);
                all.swap(i, j);
            }
            all.truncate(k);
            all
        } else {
            // Sparse (k is at most a few dozen here): rejection.
            let mut out = Vec::with_capacity(k);
            while out.len() < k {
                let x = self.below(n);
                if !out.contains(&x) {
                    out.push(x);
                }
            }
            out
        }
    }

    /// Shuffles `items` in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// Draws indices with probability proportional to fixed weights: the cumulative weights and
/// a binary search, O(log n) a draw.
#[derive(Debug, Clone)]
pub struct Weighted {
    cumulative: Vec<f64>,
}

impl Weighted {
    /// Weights must be non-negative; an empty list draws index 0.
    pub fn new(weights: impl IntoIterator<Item = f64>) -> Weighted {
        let mut total = 0.0;
        let cumulative = weights
            .into_iter()
            .map(|w| {
                total += w;
                total
            })
            .collect();
        Weighted { cumulative }
    }

    /// Zipf weights `1 / (rank + 1)^s` for `n` ranks.
    pub fn zipf(n: usize, s: f64) -> Weighted {
        Weighted::new((0..n).map(|i| 1.0 / pow((i + 1) as f64, s)))
    }

    /// An index in `0..len`.
    pub fn sample(&self, rng: &mut Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let x = rng.f64() * total;
        self.cumulative
            .partition_point(|c| *c <= x)
            .min(self.cumulative.len().saturating_sub(1))
    }
}

const LN2: f64 = core::f64::consts::LN_2;
const SQRT2: f64 = core::f64::consts::SQRT_2;

/// Natural logarithm of a positive, normal `x` (the generator's inputs are), from basic
/// arithmetic only: `x = m·2^e` with `m` near 1, then `ln m = 2·atanh((m-1)/(m+1))`.
pub fn ln(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    let bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    if m > SQRT2 {
        m /= 2.0;
        e += 1;
    }
    let s = (m - 1.0) / (m + 1.0); // |s| < 0.172
    let s2 = s * s;
    let mut term = s;
    let mut sum = 0.0;
    for k in 0..14 {
        sum += term / f64::from(2 * k + 1);
        term *= s2;
    }
    2.0 * sum + e as f64 * LN2
}

/// `e^x`, from basic arithmetic only: `x = k·ln 2 + r` with `|r| ≤ ln 2 / 2`, a Taylor
/// series for `e^r`, and the exponent bits for `2^k`.
pub fn exp(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    let x = x.clamp(-700.0, 700.0);
    let k = (x / LN2).round();
    let r = x - k * LN2;
    let mut term = 1.0;
    let mut sum = 1.0;
    for n in 1..20 {
        term *= r / f64::from(n);
        sum += term;
    }
    sum * f64::from_bits(((k as i64 + 1023) as u64) << 52)
}

/// `x^y` for positive `x`.
pub fn pow(x: f64, y: f64) -> f64 {
    exp(y * ln(x))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_and_exp_agree_with_the_platform_to_a_few_ulps() {
        for x in [
            1e-12, 0.001, 0.3, 0.5, 0.7072, 1.0, 1.5, 2.0, 10.0, 12345.678, 1e15,
        ] {
            let (ours, std) = (ln(x), x.ln());
            assert!(
                (ours - std).abs() <= 4.0 * f64::EPSILON * std.abs().max(1.0),
                "ln {x}"
            );
        }
        for x in [-30.0, -1.0, -0.1, 0.0, 0.2, 1.0, 2.8, 5.0, 30.0] {
            let (ours, std) = (exp(x), x.exp());
            assert!((ours - std).abs() <= 8.0 * f64::EPSILON * std, "exp {x}");
        }
    }
}
