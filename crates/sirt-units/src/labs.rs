//! Laboratory quantities with their unit in the type, defined like the physical ones.
//!
//! [`Bilirubin`] (mg/dL, µmol/L ÷ 17.104), [`Albumin`] (g/L, g/dL × 10), [`Creatinine`] (mg/dL,
//! µmol/L ÷ 88.4), [`CellCount`] (10⁹/L), [`EnzymeActivity`] (U/L), [`Sodium`] (mmol/L), [`Gfr`]
//! (mL/min) and [`Inr`] (a ratio without unit). A bare number (except INR), an unknown unit or a
//! negative value is a [`ParseQuantityError`] that quotes the text and lists the accepted units.
//! All but bilirubin print with at most 4 decimals ([`short`](crate::short)).

use crate::parse::ParseQuantityError;
use std::fmt;

/// µmol/L of bilirubin in 1 mg/dL: 10 mg/L ÷ 584.66 g/mol (molar mass of bilirubin IXα,
/// C₃₃H₃₆N₄O₆, PubChem CID 5280352) = 17.104 µmol/L (clinical-rules.md §2.2).
pub const BILIRUBIN_UMOL_PER_L_PER_MG_PER_DL: f64 = 17.104;

crate::quantity::quantity! {
    /// Serum total bilirubin, stored in mg/dL. Parses `mg/dL` and `µmol/L` (÷ 17.104).
    Bilirubin {
        base: "mg/dL",
        from_base: from_mg_per_dl,
        to_base: mg_per_dl,
        units: &[
            ("mg/dL", 1.0),
            ("mg/dl", 1.0),
            ("µmol/L", 1.0 / BILIRUBIN_UMOL_PER_L_PER_MG_PER_DL),
            ("umol/L", 1.0 / BILIRUBIN_UMOL_PER_L_PER_MG_PER_DL),
        ],
        what: "a bilirubin concentration",
        example: "1.2 mg/dL",
        signed: false,
    }
}

impl Bilirubin {
    /// The concentration in µmol/L.
    pub fn umol_per_l(self) -> f64 {
        self.mg_per_dl() * BILIRUBIN_UMOL_PER_L_PER_MG_PER_DL
    }
}

/// g/L of albumin in 1 g/dL (1 dL = 0.1 L; exact).
pub const ALBUMIN_G_PER_L_PER_G_PER_DL: f64 = 10.0;

/// µmol/L of creatinine in 1 mg/dL: 10 mg/L ÷ 113.12 g/mol (molar mass of creatinine,
/// C₄H₇N₃O, PubChem CID 588) = 88.40 µmol/L; the factor 88.4 of the KDIGO 2012 CKD guideline
/// (Kidney Int Suppl 2013;3:1–150, "Conversion factors").
pub const CREATININE_UMOL_PER_L_PER_MG_PER_DL: f64 = 88.4;

crate::quantity::quantity! {
    /// Serum albumin, stored in g/L. Parses `g/L` and `g/dL` (× 10).
    Albumin {
        base: "g/L",
        from_base: from_g_per_l,
        to_base: g_per_l,
        units: &[
            ("g/L", 1.0),
            ("g/l", 1.0),
            ("g/dL", ALBUMIN_G_PER_L_PER_G_PER_DL),
            ("g/dl", ALBUMIN_G_PER_L_PER_G_PER_DL),
        ],
        what: "an albumin concentration",
        example: "38 g/L",
        signed: false,
        short_display: true,
    }
}

impl Albumin {
    /// The concentration in g/dL.
    pub fn g_per_dl(self) -> f64 {
        self.g_per_l() / ALBUMIN_G_PER_L_PER_G_PER_DL
    }
}

crate::quantity::quantity! {
    /// Serum creatinine, stored in mg/dL. Parses `mg/dL` and `µmol/L` (÷ 88.4).
    Creatinine {
        base: "mg/dL",
        from_base: from_mg_per_dl,
        to_base: mg_per_dl,
        units: &[
            ("mg/dL", 1.0),
            ("mg/dl", 1.0),
            ("µmol/L", 1.0 / CREATININE_UMOL_PER_L_PER_MG_PER_DL),
            ("umol/L", 1.0 / CREATININE_UMOL_PER_L_PER_MG_PER_DL),
        ],
        what: "a creatinine concentration",
        example: "0.9 mg/dL",
        signed: false,
        short_display: true,
    }
}

impl Creatinine {
    /// The concentration in µmol/L.
    pub fn umol_per_l(self) -> f64 {
        self.mg_per_dl() * CREATININE_UMOL_PER_L_PER_MG_PER_DL
    }
}

crate::quantity::quantity! {
    /// A blood cell count (platelets, leukocytes, granulocytes), stored in 10⁹/L.
    /// 10³/µL and G/L are the same unit; /µL and /mm³ are 10⁻³ × 10⁹/L.
    CellCount {
        base: "10^9/L",
        from_base: from_per_nl,
        to_base: per_nl,
        units: &[
            ("10^9/L", 1.0),
            ("10⁹/L", 1.0),
            ("x10^9/L", 1.0),
            ("×10^9/L", 1.0),
            ("G/L", 1.0),
            ("10^3/µL", 1.0),
            ("10^3/uL", 1.0),
            ("/µL", 1e-3),
            ("/uL", 1e-3),
            ("/mm3", 1e-3),
            ("/mm³", 1e-3),
        ],
        what: "a cell count",
        example: "180 10^9/L",
        signed: false,
        short_display: true,
    }
}

crate::quantity::quantity! {
    /// A serum enzyme activity (AST, ALT, ALP, GGT), stored in U/L (= IU/L; 1 µkat/L = 60 U/L,
    /// since 1 U = 1 µmol/min and 1 kat = 1 mol/s).
    EnzymeActivity {
        base: "U/L",
        from_base: from_u_per_l,
        to_base: u_per_l,
        units: &[("U/L", 1.0), ("IU/L", 1.0), ("µkat/L", 60.0), ("ukat/L", 60.0)],
        what: "an enzyme activity",
        example: "35 U/L",
        signed: false,
        short_display: true,
    }
}

crate::quantity::quantity! {
    /// Serum sodium, stored in mmol/L (= mEq/L for a monovalent ion).
    Sodium {
        base: "mmol/L",
        from_base: from_mmol_per_l,
        to_base: mmol_per_l,
        units: &[("mmol/L", 1.0), ("mmol/l", 1.0), ("mEq/L", 1.0)],
        what: "a sodium concentration",
        example: "139 mmol/L",
        signed: false,
        short_display: true,
    }
}

crate::quantity::quantity! {
    /// Glomerular filtration rate, stored in mL/min. A value normalised to 1.73 m² body surface
    /// (eGFR, mL/min/1.73 m²) is read as the same number: the Utrecht limit (35 mL/min) does not
    /// say which it means.
    Gfr {
        base: "mL/min",
        from_base: from_ml_per_min,
        to_base: ml_per_min,
        units: &[
            ("mL/min", 1.0),
            ("ml/min", 1.0),
            ("mL/min/1.73m²", 1.0),
            ("mL/min/1.73 m²", 1.0),
            ("mL/min/1.73m2", 1.0),
            ("mL/min/1.73 m2", 1.0),
        ],
        what: "a glomerular filtration rate",
        example: "80 mL/min",
        signed: false,
        short_display: true,
    }
}

/// International normalised ratio (dimensionless).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, serde::Serialize)]
#[serde(transparent)]
pub struct Inr(f64);

impl Inr {
    /// An INR from a finite, non-negative number.
    pub fn new(value: f64) -> Option<Self> {
        (value.is_finite() && value >= 0.0).then_some(Self(value))
    }

    /// The ratio.
    pub const fn value(self) -> f64 {
        self.0
    }
}

impl fmt::Display for Inr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match f.precision() {
            Some(p) => write!(f, "{:.*}", p, self.0),
            None => write!(f, "{}", crate::short(self.0)),
        }
    }
}

impl std::str::FromStr for Inr {
    type Err = ParseQuantityError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.is_empty() {
            return Err(ParseQuantityError::Empty {
                what: "an INR",
                example: "1.1",
            });
        }
        let v: f64 = t.parse().map_err(|_| ParseQuantityError::BadNumber {
            input: s.to_owned(),
            what: "an INR (a ratio without unit)",
            example: "1.1",
        })?;
        Inr::new(v).ok_or_else(|| ParseQuantityError::OutOfRange {
            input: s.to_owned(),
            what: "an INR",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bilirubin_units() {
        let b: Bilirubin = "34.208 µmol/L".parse().unwrap();
        assert!((b.mg_per_dl() - 2.0).abs() < 1e-12);
    }

    #[test]
    fn lab_units_and_printing() {
        let c: Creatinine = "88 µmol/L".parse().unwrap();
        assert_eq!(c.to_string(), "0.9955 mg/dL");
        assert_eq!(format!("{c:.2}"), "1.00 mg/dL");
        assert_eq!("3.8 g/dL".parse::<Albumin>().unwrap().g_per_l(), 38.0);
        assert_eq!("180000 /µL".parse::<CellCount>().unwrap().per_nl(), 180.0);
        assert_eq!(
            "1 µkat/L".parse::<EnzymeActivity>().unwrap().u_per_l(),
            60.0
        );
        assert!("139".parse::<Sodium>().is_err());
        assert_eq!(Gfr::WHAT, "a glomerular filtration rate");
        assert_eq!("1.1".parse::<Inr>().unwrap().value(), 1.1);
        assert!("-1".parse::<Inr>().is_err());
    }
}
