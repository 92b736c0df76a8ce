//! A bilirubin value with the unit it was written in, and the parsing of `"1.2 mg/dL"`.
//!
//! The laboratory quantities themselves ([`Bilirubin`], [`Albumin`](sirt_units::Albumin),
//! [`Creatinine`](sirt_units::Creatinine), [`Inr`](sirt_units::Inr), ...) live in `sirt-units`
//! beside the physical ones; this crate re-exports them.

use sirt_units::{Bilirubin, ParseQuantityError, short, signif15};
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
    fn bilirubin_keeps_its_unit() {
        let b: BilirubinValue = "34.2 µmol/L".parse().unwrap();
        assert_eq!(b.unit, BilirubinUnit::UmolPerL);
        assert_eq!(b.in_written_unit(), 34.2);
        let b: BilirubinValue = "2 mg/dL".parse().unwrap();
        assert_eq!(b.unit, BilirubinUnit::MgPerDl);
    }
}
