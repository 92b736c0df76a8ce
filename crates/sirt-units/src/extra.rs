//! Dimensionless fractions and the energy-deposition coefficient K.

use crate::parse::ParseQuantityError;
use crate::{AbsorbedDose, Activity, Energy, Mass};
use std::fmt;
use std::str::FromStr;

/// A dimensionless fraction in [0, 1]: lung shunt fraction, residual fraction, tumour burden.
///
/// Parses a plain number ("0.08") or a percentage ("8 %", "8%").
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Fraction {
    value: f64,
}

impl Fraction {
    /// Zero.
    pub const ZERO: Fraction = Fraction { value: 0.0 };
    /// One (the whole).
    pub const ONE: Fraction = Fraction { value: 1.0 };

    /// A fraction from a number in [0, 1]; `None` outside that range or for NaN.
    pub fn new(value: f64) -> Option<Self> {
        (value.is_finite() && (0.0..=1.0).contains(&value)).then_some(Self { value })
    }

    /// The fraction as a number in [0, 1].
    pub const fn value(self) -> f64 {
        self.value
    }

    /// The fraction in percent.
    pub fn percent(self) -> f64 {
        self.value * 100.0
    }

    /// 1 − the fraction.
    pub fn complement(self) -> f64 {
        1.0 - self.value
    }
}

impl FromStr for Fraction {
    type Err = ParseQuantityError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.is_empty() {
            return Err(ParseQuantityError::Empty {
                what: "a fraction",
                example: "0.08",
            });
        }
        let (num, scale) = match t.strip_suffix('%') {
            Some(n) => (n.trim(), 0.01),
            None => (t, 1.0),
        };
        let v: f64 = num.parse().map_err(|_| ParseQuantityError::BadNumber {
            input: s.to_owned(),
            what: "a fraction (a number in [0, 1] or a percentage)",
            example: "0.08 or 8 %",
        })?;
        Fraction::new(v * scale).ok_or_else(|| ParseQuantityError::OutOfRange {
            input: s.to_owned(),
            what: "a fraction (0 to 1, or 0 % to 100 %)",
        })
    }
}

impl fmt::Display for Fraction {
    /// Prints as a percentage: "8.00 %" with a precision, else the shortest exact form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match f.precision() {
            Some(p) => write!(f, "{:.*} %", p, self.percent()),
            None => write!(f, "{} %", self.percent()),
        }
    }
}

impl serde::Serialize for Fraction {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.value)
    }
}

impl<'de> serde::Deserialize<'de> for Fraction {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Fraction;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(
                    f,
                    "a fraction: a number in [0, 1] such as 0.08, or a string \"8 %\""
                )
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Fraction, E> {
                Fraction::new(v)
                    .ok_or_else(|| E::custom(format!("expected a fraction in [0, 1], found {v}")))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Fraction, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Fraction, E> {
                self.visit_f64(v as f64)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Fraction, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

crate::quantity::quantity! {
    /// Energy-deposition coefficient K: absorbed energy per unit activity decaying completely
    /// in place, in Gy·kg/GBq (= J/GBq). D = K · A / M (primer §5).
    ///
    /// ```
    /// use sirt_units::{Activity, DepositionCoefficient, Mass};
    /// let k = DepositionCoefficient::from_gy_kg_per_gbq(50.0);
    /// let d = k.dose(Activity::from_gbq(3.6), Mass::from_kg(1.5));
    /// assert_eq!(d.gy(), 120.0);
    /// ```
    DepositionCoefficient {
        base: "Gy·kg/GBq",
        from_base: from_gy_kg_per_gbq,
        to_base: gy_kg_per_gbq,
        units: &[("Gy·kg/GBq", 1.0), ("Gy*kg/GBq", 1.0), ("Gy kg/GBq", 1.0), ("J/GBq", 1.0)],
        what: "an energy-deposition coefficient",
        example: "49.67 Gy·kg/GBq",
        signed: false,
    }
}

impl DepositionCoefficient {
    /// Energy deposited by `activity` decaying completely: E = K · A.
    pub fn energy(self, activity: Activity) -> Energy {
        Energy::from_j(self.gy_kg_per_gbq() * activity.gbq())
    }

    /// Mean absorbed dose in `mass` holding `activity` until complete decay: D = K · A / M.
    pub fn dose(self, activity: Activity, mass: Mass) -> AbsorbedDose {
        self.energy(activity) / mass
    }

    /// The activity that gives `dose` to `mass`: A = D · M / K.
    pub fn activity_for(self, dose: AbsorbedDose, mass: Mass) -> Activity {
        Activity::from_gbq(dose.gy() * mass.kg() / self.gy_kg_per_gbq())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions() {
        assert_eq!("0.08".parse::<Fraction>().unwrap().value(), 0.08);
        assert_eq!("8 %".parse::<Fraction>().unwrap().value(), 0.08);
        assert_eq!("8%".parse::<Fraction>().unwrap().value(), 0.08);
        assert!("1.2".parse::<Fraction>().is_err());
        assert!("-0.1".parse::<Fraction>().is_err());
        assert!("x".parse::<Fraction>().is_err());
        assert_eq!(format!("{:.1}", Fraction::new(0.085).unwrap()), "8.5 %");
    }

    #[test]
    fn coefficient_inverse_of_forward() {
        let k: DepositionCoefficient = "49.67 Gy·kg/GBq".parse().unwrap();
        let m = Mass::from_kg(1.8);
        let a = k.activity_for(AbsorbedDose::from_gy(120.0), m);
        assert!((k.dose(a, m).gy() - 120.0).abs() < 1e-12);
    }
}
