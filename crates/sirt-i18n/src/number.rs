//! Numbers in a language: the decimal separator and the space before a unit.

use crate::Lang;

/// The no-break space French typography puts before a unit, a percent sign, a colon.
pub const NBSP: char = '\u{a0}';

impl Lang {
    /// `v` with `decimals` digits after the separator: "3.20" in English, "3,20" in French.
    /// Not finite: "—".
    pub fn decimal(self, v: f64, decimals: usize) -> String {
        if !v.is_finite() {
            return "—".to_owned();
        }
        let s = format!("{v:.decimals$}");
        // "-0.0" is 0.
        let s = if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
            s[1..].to_owned()
        } else {
            s
        };
        match self {
            Lang::En => s,
            Lang::Fr => s.replace('.', ","),
        }
    }

    /// A number and its unit: "3.20 GBq" in English, "3,20 GBq" with a no-break space in
    /// French.
    pub fn quantity(self, v: f64, decimals: usize, unit: &str) -> String {
        self.with_unit(&self.decimal(v, decimals), unit)
    }

    /// A number text and its unit, with the language's space.
    pub fn with_unit(self, number: &str, unit: &str) -> String {
        match self {
            Lang::En => format!("{number} {unit}"),
            Lang::Fr => format!("{number}{NBSP}{unit}"),
        }
    }

    /// A fraction (0.123) as a percentage with `decimals`: "12.3 %" / "12,3 %".
    pub fn percent(self, fraction: f64, decimals: usize) -> String {
        self.quantity(fraction * 100.0, decimals, "%")
    }

    /// A text that a unit type or an English formatter made ("3.2000 GBq (86.49 mCi)",
    /// "−12.5 %", "1.5 kg × 1.05 g/mL") in this language: in French a point between two digits
    /// becomes a comma and a space after a digit, before a unit or "%", a no-break space.
    /// Only for number texts: words, identifiers, dates and versions are not number texts
    /// (a version "0.1.0" would become "0,1,0").
    pub fn numeric(self, english: &str) -> String {
        match self {
            Lang::En => english.to_owned(),
            Lang::Fr => french_numeric(english),
        }
    }
}

fn french_numeric(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let after_digit = prev.is_some_and(|p| p.is_ascii_digit());
        if c == '.' && after_digit && next.is_some_and(|n| n.is_ascii_digit()) {
            out.push(',');
        } else if c == ' ' && after_digit && next.is_some_and(starts_unit) {
            out.push(NBSP);
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether a character can start a unit after a number ("GBq", "mCi", "%", "µmol/L", "°").
fn starts_unit(c: char) -> bool {
    c.is_alphabetic() || c == '%' || c == '°' || c == 'µ'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_separator_per_language() {
        assert_eq!(Lang::En.decimal(3.2, 2), "3.20");
        assert_eq!(Lang::Fr.decimal(3.2, 2), "3,20");
        assert_eq!(Lang::Fr.decimal(-0.04, 1), "0,0");
        assert_eq!(Lang::Fr.decimal(f64::NAN, 1), "—");
        assert_eq!(Lang::Fr.decimal(120.0, 0), "120");
    }

    #[test]
    fn unit_space_per_language() {
        assert_eq!(Lang::En.quantity(43.94, 1, "Gy"), "43.9 Gy");
        assert_eq!(Lang::Fr.quantity(43.94, 1, "Gy"), "43,9\u{a0}Gy");
        assert_eq!(Lang::Fr.percent(0.1234, 1), "12,3\u{a0}%");
    }

    #[test]
    fn numeric_text_in_french() {
        assert_eq!(
            Lang::Fr.numeric("3.2000 GBq (86.49 mCi)"),
            "3,2000\u{a0}GBq (86,49\u{a0}mCi)"
        );
        assert_eq!(
            Lang::Fr.numeric("1.05 g/mL × 2 L"),
            "1,05\u{a0}g/mL × 2\u{a0}L"
        );
        // A point not between digits and a space not after a digit stay.
        assert_eq!(Lang::Fr.numeric("K. 5 Gy. x y"), "K. 5\u{a0}Gy. x y");
        assert_eq!(Lang::En.numeric("3.20 GBq"), "3.20 GBq");
    }
}
