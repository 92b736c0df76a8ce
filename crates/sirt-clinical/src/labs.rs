//! Laboratory quantities with their unit in the type, and the parsing of `"1.2 mg/dL"`.
//!
//! Bilirubin is [`sirt_units::Bilirubin`] (mg/dL, µmol/L ÷ 17.104); the others are local:
//! [`Albumin`] (g/L, g/dL × 10), [`Creatinine`] (mg/dL, µmol/L ÷ 88.4), [`Inr`] (a ratio),
//! [`CellCount`] (10⁹/L), [`EnzymeActivity`] (U/L), [`Sodium`] (mmol/L), [`Gfr`] (mL/min).
//! A bare number (except INR), an unknown unit or a negative value is a
//! [`ParseQuantityError`] that quotes the text and lists the accepted units.

use sirt_units::{Bilirubin, ParseQuantityError};
use std::fmt;

pub use sirt_units::UnitTable;

/// Parses a non-negative finite quantity (`sirt_units::parse_with_unit_index`): the value in the
/// base unit and the index of the unit symbol used in `units`.
pub fn parse_with_units(
    input: &str,
    units: UnitTable,
    what: &'static str,
    example: &'static str,
) -> Result<(f64, usize), ParseQuantityError> {
    sirt_units::parse_with_unit_index(input, units, what, example, false)
}

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

/// [`signif`] with the 15 digits admiral uses.
pub fn signif15(x: f64) -> f64 {
    signif(x, 15)
}

macro_rules! lab_quantity {
    (
        $(#[$meta:meta])*
        $name:ident {
            base: $base:literal,
            from_base: $from:ident,
            to_base: $to:ident,
            units: $units:expr,
            what: $what:literal,
            example: $example:literal $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
        pub struct $name {
            base: f64,
        }

        impl $name {
            /// Accepted unit symbols and their factor to the base unit.
            pub const UNITS: UnitTable = $units;
            /// The base unit symbol, in which the value is stored.
            pub const BASE_UNIT: &'static str = $base;
            /// What the quantity is, as error messages name it.
            pub const WHAT: &'static str = $what;

            #[doc = concat!("Makes the quantity from a value in ", $base, ".")]
            pub const fn $from(value: f64) -> Self {
                Self { base: value }
            }

            #[doc = concat!("The value in ", $base, ".")]
            pub const fn $to(self) -> f64 {
                self.base
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ParseQuantityError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                parse_with_units(s, Self::UNITS, $what, $example).map(|(v, _)| Self::$from(v))
            }
        }

        impl fmt::Display for $name {
            /// Prints in the base unit; honours a precision, else at most 4 decimals.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match f.precision() {
                    Some(p) => write!(f, "{:.*} {}", p, self.base, $base),
                    None => write!(f, "{} {}", short(self.base), $base),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
    };
}

/// g/L of albumin in 1 g/dL (1 dL = 0.1 L; exact).
pub const ALBUMIN_G_PER_L_PER_G_PER_DL: f64 = 10.0;

/// µmol/L of creatinine in 1 mg/dL: 10 mg/L ÷ 113.12 g/mol (molar mass of creatinine,
/// C₄H₇N₃O, PubChem CID 588) = 88.40 µmol/L; the factor 88.4 of the KDIGO 2012 CKD guideline
/// (Kidney Int Suppl 2013;3:1–150, "Conversion factors").
pub const CREATININE_UMOL_PER_L_PER_MG_PER_DL: f64 = 88.4;

lab_quantity! {
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
    }
}

impl Albumin {
    /// The concentration in g/dL.
    pub fn g_per_dl(self) -> f64 {
        self.g_per_l() / ALBUMIN_G_PER_L_PER_G_PER_DL
    }
}

lab_quantity! {
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
    }
}

impl Creatinine {
    /// The concentration in µmol/L.
    pub fn umol_per_l(self) -> f64 {
        self.mg_per_dl() * CREATININE_UMOL_PER_L_PER_MG_PER_DL
    }
}

lab_quantity! {
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
    }
}

lab_quantity! {
    /// A serum enzyme activity (AST, ALT, ALP, GGT), stored in U/L (= IU/L; 1 µkat/L = 60 U/L,
    /// since 1 U = 1 µmol/min and 1 kat = 1 mol/s).
    EnzymeActivity {
        base: "U/L",
        from_base: from_u_per_l,
        to_base: u_per_l,
        units: &[("U/L", 1.0), ("IU/L", 1.0), ("µkat/L", 60.0), ("ukat/L", 60.0)],
        what: "an enzyme activity",
        example: "35 U/L",
    }
}

lab_quantity! {
    /// Serum sodium, stored in mmol/L (= mEq/L for a monovalent ion).
    Sodium {
        base: "mmol/L",
        from_base: from_mmol_per_l,
        to_base: mmol_per_l,
        units: &[("mmol/L", 1.0), ("mmol/l", 1.0), ("mEq/L", 1.0)],
        what: "a sodium concentration",
        example: "139 mmol/L",
    }
}

lab_quantity! {
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
            None => write!(f, "{}", short(self.0)),
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

/// The unit a bilirubin value was written in: scores whose published cut-offs exist in both
/// units (Child-Pugh) compare in the unit of the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum BilirubinUnit {
    /// mg/dL.
    #[serde(rename = "mg/dL")]
    MgPerDl,
    /// µmol/L.
    #[serde(rename = "µmol/L")]
    UmolPerL,
}

/// A bilirubin result with the unit it was written in.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct BilirubinValue {
    /// The concentration.
    pub value: Bilirubin,
    /// The unit of the record.
    pub unit: BilirubinUnit,
}

impl BilirubinValue {
    /// A value written in mg/dL.
    pub fn mg_per_dl(v: f64) -> Self {
        Self {
            value: Bilirubin::from_mg_per_dl(v),
            unit: BilirubinUnit::MgPerDl,
        }
    }

    /// A value written in µmol/L (stored as µmol/L ÷ 17.104 mg/dL).
    pub fn umol_per_l(v: f64) -> Self {
        Self {
            value: Bilirubin::from_mg_per_dl(v / sirt_units::BILIRUBIN_UMOL_PER_L_PER_MG_PER_DL),
            unit: BilirubinUnit::UmolPerL,
        }
    }

    /// The value in the unit it was written in.
    pub fn in_written_unit(self) -> f64 {
        match self.unit {
            BilirubinUnit::MgPerDl => self.value.mg_per_dl(),
            BilirubinUnit::UmolPerL => signif15(self.value.umol_per_l()),
        }
    }
}

impl fmt::Display for BilirubinValue {
    /// In the unit it was written in.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            BilirubinUnit::MgPerDl => "mg/dL",
            BilirubinUnit::UmolPerL => "µmol/L",
        };
        write!(f, "{} {unit}", short(self.in_written_unit()))
    }
}

impl std::str::FromStr for BilirubinValue {
    type Err = ParseQuantityError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (mg, index) = parse_with_units(
            s,
            Bilirubin::UNITS,
            "a bilirubin concentration",
            "1.2 mg/dL",
        )?;
        let unit = if Bilirubin::UNITS[index].0.starts_with("mg") {
            BilirubinUnit::MgPerDl
        } else {
            BilirubinUnit::UmolPerL
        };
        Ok(Self {
            value: Bilirubin::from_mg_per_dl(mg),
            unit,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn signif_rounds_to_15_digits() {
        assert_eq!(signif15(0.1 + 0.2), 0.3);
        assert_eq!(signif15(1.5 * 0.8), 1.2);
        assert_eq!(signif(123.456, 2), 120.0);
        assert_eq!(signif15(0.0), 0.0);
    }

    #[test]
    fn bilirubin_keeps_its_unit() {
        let b: BilirubinValue = "34.2 µmol/L".parse().unwrap();
        assert_eq!(b.unit, BilirubinUnit::UmolPerL);
        assert_eq!(b.in_written_unit(), 34.2);
        let b: BilirubinValue = "2 mg/dL".parse().unwrap();
        assert_eq!(b.unit, BilirubinUnit::MgPerDl);
    }
}
