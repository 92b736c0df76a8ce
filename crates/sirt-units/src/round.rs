//! Rounding to significant digits, for comparisons at a boundary and for printing.

/// `x` rounded to `digits` significant digits (R's `signif`).
///
/// CTCAE boundaries are compared after `signif(x, 15)` on both sides, as admiral does
/// (`pharmaverse/admiral` `derive_var_atoxgr`, `signif_dig = 15`; clinical-rules.md §2.1), so
/// that 3 × 40.000000000000001 does not move a boundary.
pub fn signif(x: f64, digits: usize) -> f64 {
    if x == 0.0 || !x.is_finite() || digits == 0 {
        return x;
    }
    format!("{:.*e}", digits - 1, x).parse().unwrap_or(x)
}

/// [`signif`] with the 15 digits admiral uses.
pub fn signif15(x: f64) -> f64 {
    signif(x, 15)
}

/// A value for reports: at most 4 decimals, trailing zeros removed ("0.905", "12", "1.05").
pub fn short(x: f64) -> String {
    let s = format!("{:.4}", signif15(x));
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    };
    if s == "-0" { "0".to_owned() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signif_rounds_to_15_digits() {
        assert_eq!(signif15(0.1 + 0.2), 0.3);
        assert_eq!(signif15(1.5 * 0.8), 1.2);
        assert_eq!(signif(123.456, 2), 120.0);
        assert_eq!(signif15(0.0), 0.0);
    }

    #[test]
    fn short_keeps_at_most_four_decimals() {
        assert_eq!(short(0.905), "0.905");
        assert_eq!(short(12.0), "12");
        assert_eq!(short(88.0 / 88.4), "0.9955");
        assert_eq!(short(-0.00001), "0");
    }
}
