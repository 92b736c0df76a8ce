//! Special functions for the tests' p-values and confidence limits: log-gamma, the regularized
//! incomplete gamma functions, the chi-square and normal tails and the normal quantile.
//!
//! Pure f64, no external crates. Accuracy is checked against SciPy 1.17.1 in
//! `tests/special_functions.rs`.

// The AS 241 and Lanczos coefficients are written with the digits of their publication, more
// than an f64 holds, so that they can be checked against the source.
#![allow(clippy::excessive_precision)]

/// Relative accuracy at which the incomplete-gamma series and continued fraction stop
/// (machine epsilon, as in Press et al., *Numerical Recipes* 3rd ed. §6.2 `EPS`).
const GAMMA_EPS: f64 = f64::EPSILON;

/// Iteration cap of the series and the continued fraction. Both converge in about √a + 10
/// terms (Numerical Recipes 3rd ed. §6.2); the cap only guards against non-finite input.
const GAMMA_MAX_ITER: usize = 10_000;

/// Lanczos coefficients, g = 7, n = 9 (P. Godfrey's set for the Lanczos 1964 approximation,
/// SIAM J. Numer. Anal. Ser. B 1:86–96, as reproduced in the "Lanczos approximation" literature;
/// relative error about 1e-15 for positive arguments).
const LANCZOS_G: f64 = 7.0;
/// See [`LANCZOS_G`].
const LANCZOS: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];

/// ln Γ(x) for x > 0 (Lanczos approximation, g = 7; reflection is not needed here).
pub fn ln_gamma(x: f64) -> f64 {
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1−x) = π / sin(πx).
        let s = (std::f64::consts::PI * x).sin();
        return (std::f64::consts::PI / s).abs().ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = LANCZOS[0];
    let t = x + LANCZOS_G + 0.5;
    for (i, c) in LANCZOS.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// e^(−x) x^a / Γ(a), the common prefactor of both incomplete-gamma expansions.
fn gamma_prefactor(a: f64, x: f64) -> f64 {
    (-x + a * x.ln() - ln_gamma(a)).exp()
}

/// Series for P(a, x) (Numerical Recipes 3rd ed. §6.2, eq. 6.2.5), good for x < a + 1.
fn gamma_p_series(a: f64, x: f64) -> f64 {
    let mut ap = a;
    let mut del = 1.0 / a;
    let mut sum = del;
    for _ in 0..GAMMA_MAX_ITER {
        ap += 1.0;
        del *= x / ap;
        sum += del;
        if del.abs() < sum.abs() * GAMMA_EPS {
            break;
        }
    }
    sum * gamma_prefactor(a, x)
}

/// Continued fraction for Q(a, x) by the modified Lentz method (Numerical Recipes 3rd ed. §6.2,
/// eq. 6.2.7 and §5.2), good for x ≥ a + 1. Computing Q directly keeps tiny tail probabilities
/// (p = 1e-28) accurate in relative terms.
fn gamma_q_continued_fraction(a: f64, x: f64) -> f64 {
    let fpmin = f64::MIN_POSITIVE / f64::EPSILON;
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / fpmin;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..GAMMA_MAX_ITER {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < fpmin {
            d = fpmin;
        }
        c = b + an / c;
        if c.abs() < fpmin {
            c = fpmin;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() <= GAMMA_EPS {
            break;
        }
    }
    gamma_prefactor(a, x) * h
}

/// Regularized lower incomplete gamma P(a, x) = γ(a, x)/Γ(a), a > 0, x ≥ 0.
pub fn gamma_p(a: f64, x: f64) -> f64 {
    if x.is_nan() || a.is_nan() || a <= 0.0 {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 0.0;
    }
    if x.is_infinite() {
        return 1.0;
    }
    if x < a + 1.0 {
        gamma_p_series(a, x)
    } else {
        1.0 - gamma_q_continued_fraction(a, x)
    }
}

/// Regularized upper incomplete gamma Q(a, x) = 1 − P(a, x), computed without cancellation in
/// the upper tail.
pub fn gamma_q(a: f64, x: f64) -> f64 {
    if x.is_nan() || a.is_nan() || a <= 0.0 {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    if x.is_infinite() {
        return 0.0;
    }
    if x < a + 1.0 {
        1.0 - gamma_p_series(a, x)
    } else {
        gamma_q_continued_fraction(a, x)
    }
}

/// Upper tail of the chi-square distribution with `df` degrees of freedom:
/// P(X ≥ x) = Q(df/2, x/2).
pub fn chi2_sf(x: f64, df: f64) -> f64 {
    gamma_q(df / 2.0, x / 2.0)
}

/// Complementary error function erfc(x) = Q(1/2, x²) for x ≥ 0 and 2 − erfc(−x) below
/// (Abramowitz & Stegun 6.5.17 with 7.1.2).
pub fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x >= 0.0 {
        gamma_q(0.5, x * x)
    } else {
        1.0 + gamma_p(0.5, x * x)
    }
}

/// Standard normal upper tail 1 − Φ(z) = erfc(z/√2)/2, accurate far into the tail.
pub fn normal_sf(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// Standard normal distribution function Φ(z).
pub fn normal_cdf(z: f64) -> f64 {
    normal_sf(-z)
}

/// Two-sided normal p-value 2·(1 − Φ(|z|)).
pub fn normal_two_sided_p(z: f64) -> f64 {
    2.0 * normal_sf(z.abs())
}

/// AS 241 coefficients, central region |p − 0.5| ≤ 0.425 (Wichura MJ, "Algorithm AS 241: The
/// percentage points of the normal distribution", Applied Statistics 1988;37(3):477–484,
/// PPND16, about 1e-16 relative accuracy).
const AS241_A: [f64; 8] = [
    3.387_132_872_796_366_608,
    133.141_667_891_784_377_45,
    1_971.590_950_306_551_442_7,
    13_731.693_765_509_461_125,
    45_921.953_931_549_871_457,
    67_265.770_927_008_700_853,
    33_430.575_583_588_128_105,
    2_509.080_928_730_122_672_7,
];
/// AS 241, central region denominator (see [`AS241_A`]).
const AS241_B: [f64; 8] = [
    1.0,
    42.313_330_701_600_911_252,
    687.187_007_492_057_908_3,
    5_394.196_021_424_751_107_7,
    21_213.794_301_586_595_867,
    39_307.895_800_092_710_61,
    28_729.085_735_721_942_674,
    5_226.495_278_852_854_561,
];
/// AS 241, intermediate region r ≤ 5 numerator (see [`AS241_A`]).
const AS241_C: [f64; 8] = [
    1.423_437_110_749_683_577_34,
    4.630_337_846_156_545_295_9,
    5.769_497_221_460_691_405_5,
    3.647_848_324_763_204_605_04,
    1.270_458_252_452_368_382_58,
    0.241_780_725_177_450_611_77,
    0.022_723_844_989_269_184_583_3,
    7.745_450_142_783_414_076_4e-4,
];
/// AS 241, intermediate region denominator (see [`AS241_A`]).
const AS241_D: [f64; 8] = [
    1.0,
    2.053_191_626_637_758_821_87,
    1.676_384_830_183_803_849_4,
    0.689_767_334_985_100_004_55,
    0.148_103_976_427_480_074_59,
    0.015_198_666_563_616_457_196_6,
    5.475_938_084_995_344_946e-4,
    1.050_750_071_644_416_843_24e-9,
];
/// AS 241, far tail r > 5 numerator (see [`AS241_A`]).
const AS241_E: [f64; 8] = [
    6.657_904_643_501_103_777_2,
    5.463_784_911_164_114_369_9,
    1.784_826_539_917_291_335_8,
    0.296_560_571_828_504_891_23,
    0.026_532_189_526_576_123_093,
    0.001_242_660_947_388_078_438_6,
    2.711_555_568_743_487_578_15e-5,
    2.010_334_399_292_288_132_65e-7,
];
/// AS 241, far tail denominator (see [`AS241_A`]).
const AS241_F: [f64; 8] = [
    1.0,
    0.599_832_206_555_887_937_69,
    0.136_929_880_922_735_805_31,
    0.014_875_361_290_850_614_852_5,
    7.868_691_311_456_132_591e-4,
    1.846_318_317_510_054_681_8e-5,
    1.421_511_758_316_445_888_7e-7,
    2.044_263_103_389_939_785_64e-15,
];

fn horner(c: &[f64; 8], x: f64) -> f64 {
    c.iter().rev().fold(0.0, |acc, &k| acc * x + k)
}

/// Standard normal quantile Φ⁻¹(p) by Wichura's AS 241 (PPND16). Returns ∓∞ at p = 0 and 1 and
/// NaN outside [0, 1].
pub fn normal_quantile(p: f64) -> f64 {
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180_625 - q * q;
        return q * horner(&AS241_A, r) / horner(&AS241_B, r);
    }
    let r = if q < 0.0 { p } else { 1.0 - p };
    let r = (-r.ln()).sqrt();
    let v = if r <= 5.0 {
        let r = r - 1.6;
        horner(&AS241_C, r) / horner(&AS241_D, r)
    } else {
        let r = r - 5.0;
        horner(&AS241_E, r) / horner(&AS241_F, r)
    };
    if q < 0.0 { -v } else { v }
}

/// Two-sided critical value z_{1−α/2} for a confidence level 1 − α.
pub fn z_two_sided(alpha: f64) -> f64 {
    normal_quantile(1.0 - alpha / 2.0)
}

/// A χ² test: statistic, degrees of freedom and upper-tail p-value.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct ChiSquareTest {
    /// The statistic.
    pub statistic: f64,
    /// Degrees of freedom.
    pub df: usize,
    /// P(χ²_df ≥ statistic).
    pub p_value: f64,
}

impl ChiSquareTest {
    /// The test of `statistic` on `df` degrees of freedom.
    pub fn new(statistic: f64, df: usize) -> Self {
        ChiSquareTest {
            statistic,
            df,
            p_value: chi2_sf(statistic, df as f64),
        }
    }
}
