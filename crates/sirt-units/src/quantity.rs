//! The scalar quantities: one macro writes the parsing, printing, arithmetic and serde of each
//! (also of the laboratory quantities in `labs`).

use std::ops::{Div, Mul};

macro_rules! quantity_impl {
    (
        $(#[$meta:meta])*
        $name:ident {
            base: $base:literal,
            from_base: $from:ident,
            to_base: $to:ident,
            units: $units:expr,
            what: $what:literal,
            example: $example:literal,
            signed: $signed:literal
            $(, short_display: $short:literal)? $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
        pub struct $name {
            base: f64,
        }

        impl $name {
            /// Accepted unit symbols and their factor to the base unit.
            pub const UNITS: $crate::parse::UnitTable = $units;
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

            /// True when the value is finite and strictly positive.
            pub fn is_positive(self) -> bool {
                self.base.is_finite() && self.base > 0.0
            }

            /// The larger of two values.
            pub fn max(self, other: Self) -> Self {
                Self { base: self.base.max(other.base) }
            }

            /// The smaller of two values.
            pub fn min(self, other: Self) -> Self {
                Self { base: self.base.min(other.base) }
            }

            /// Total order on the value (IEEE 754 `totalOrder`).
            pub fn total_cmp(&self, other: &Self) -> ::std::cmp::Ordering {
                self.base.total_cmp(&other.base)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::parse::ParseQuantityError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $crate::parse::parse_with_units(s, Self::UNITS, $what, $example, $signed).map(Self::$from)
            }
        }

        impl ::std::fmt::Display for $name {
            /// Prints in the base unit; honours a precision (`{:.2}`), else the shortest exact form
            /// (with `short_display: true`, at most 4 decimals: [`short`](crate::short)).
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                let short = $crate::quantity::short_display!($($short)?);
                match f.precision() {
                    Some(p) => write!(f, "{:.*} {}", p, self.base, $base),
                    None if short => write!(f, "{} {}", $crate::short(self.base), $base),
                    None => write!(f, "{} {}", self.base, $base),
                }
            }
        }

        impl ::std::ops::Add for $name {
            type Output = Self;
            fn add(self, rhs: Self) -> Self {
                Self { base: self.base + rhs.base }
            }
        }

        impl ::std::ops::AddAssign for $name {
            fn add_assign(&mut self, rhs: Self) {
                self.base += rhs.base;
            }
        }

        impl ::std::ops::Sub for $name {
            type Output = Self;
            fn sub(self, rhs: Self) -> Self {
                Self { base: self.base - rhs.base }
            }
        }

        impl ::std::ops::Mul<f64> for $name {
            type Output = Self;
            fn mul(self, rhs: f64) -> Self {
                Self { base: self.base * rhs }
            }
        }

        impl ::std::ops::Mul<$name> for f64 {
            type Output = $name;
            fn mul(self, rhs: $name) -> $name {
                $name { base: self * rhs.base }
            }
        }

        impl ::std::ops::Div<f64> for $name {
            type Output = Self;
            fn div(self, rhs: f64) -> Self {
                Self { base: self.base / rhs }
            }
        }

        impl ::std::ops::Div for $name {
            type Output = f64;
            fn div(self, rhs: Self) -> f64 {
                self.base / rhs.base
            }
        }

        impl std::iter::Sum for $name {
            fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
                Self { base: iter.fold(0.0, |acc, q| acc + q.base) }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        write!(f, "{} written as a string with its unit, e.g. \"{}\"", $what, $example)
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        v.parse().map_err(E::custom)
                    }
                    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<$name, E> {
                        Err(E::custom(format!(
                            "expected {} with a unit, e.g. \"{}\"; found the bare number {}",
                            $what, $example, v
                        )))
                    }
                    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<$name, E> {
                        self.visit_f64(v as f64)
                    }
                    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<$name, E> {
                        self.visit_f64(v as f64)
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}

/// `short_display` of [`quantity_impl`]: false unless given.
macro_rules! short_display {
    () => {
        false
    };
    ($short:literal) => {
        $short
    };
}

pub(crate) use quantity_impl as quantity;
pub(crate) use short_display;

/// Exact number of becquerel in one millicurie: 1 Ci = 3.7 × 10¹⁰ Bq by definition
/// (BIPM, *The International System of Units*, 9th ed. 2019, Table 8; NIST SP 811 §B.8).
pub const BQ_PER_MCI: f64 = 3.7e7;

quantity_impl! {
    /// Activity, stored in becquerel. Parses `GBq`, `MBq`, `kBq`, `Bq`, `Ci`, `mCi`, `µCi`/`uCi`.
    ///
    /// ```
    /// use sirt_units::Activity;
    /// let a: Activity = "86 mCi".parse().unwrap();
    /// assert!((a.gbq() - 3.182).abs() < 1e-12);
    /// ```
    Activity {
        base: "Bq",
        from_base: from_bq,
        to_base: bq,
        units: &[
            ("GBq", 1e9),
            ("MBq", 1e6),
            ("kBq", 1e3),
            ("Bq", 1.0),
            ("Ci", BQ_PER_MCI * 1e3),
            ("mCi", BQ_PER_MCI),
            ("µCi", BQ_PER_MCI * 1e-3),
            ("uCi", BQ_PER_MCI * 1e-3),
        ],
        what: "an activity",
        example: "3.2 GBq",
        signed: false,
    }
}

impl Activity {
    /// Makes an activity from GBq.
    pub const fn from_gbq(gbq: f64) -> Self {
        Self::from_bq(gbq * 1e9)
    }
    /// Makes an activity from MBq.
    pub const fn from_mbq(mbq: f64) -> Self {
        Self::from_bq(mbq * 1e6)
    }
    /// Makes an activity from mCi (1 mCi = 37 MBq).
    pub const fn from_mci(mci: f64) -> Self {
        Self::from_bq(mci * BQ_PER_MCI)
    }
    /// The activity in GBq.
    pub const fn gbq(self) -> f64 {
        self.bq() / 1e9
    }
    /// The activity in MBq.
    pub const fn mbq(self) -> f64 {
        self.bq() / 1e6
    }
    /// The activity in mCi (1 mCi = 37 MBq).
    pub const fn mci(self) -> f64 {
        self.bq() / BQ_PER_MCI
    }
    /// "3.200 GBq (86.49 mCi)" with `gbq_decimals` decimals in GBq and two in mCi.
    pub fn gbq_and_mci(self, gbq_decimals: usize) -> String {
        format!(
            "{:.*} GBq ({:.2} mCi)",
            gbq_decimals,
            self.gbq(),
            self.mci()
        )
    }
}

quantity_impl! {
    /// Absorbed dose, stored in gray. Parses `Gy`, `cGy`, `mGy`.
    AbsorbedDose {
        base: "Gy",
        from_base: from_gy,
        to_base: gy,
        units: &[("Gy", 1.0), ("cGy", 1e-2), ("mGy", 1e-3)],
        what: "an absorbed dose",
        example: "150 Gy",
        signed: false,
    }
}

quantity_impl! {
    /// Mass, stored in kilograms. Parses `kg`, `g`.
    Mass {
        base: "kg",
        from_base: from_kg,
        to_base: kg,
        units: &[("kg", 1.0), ("g", 1e-3)],
        what: "a mass",
        example: "1.5 kg",
        signed: false,
    }
}

impl Mass {
    /// Makes a mass from grams.
    pub const fn from_g(g: f64) -> Self {
        Self::from_kg(g / 1e3)
    }
}

quantity_impl! {
    /// Volume, stored in millilitres. Parses `mL`, `ml`, `L`, `cm3`, `cm³`, `cc`.
    Volume {
        base: "mL",
        from_base: from_ml,
        to_base: ml,
        units: &[("mL", 1.0), ("ml", 1.0), ("L", 1e3), ("cm3", 1.0), ("cm³", 1.0), ("cc", 1.0)],
        what: "a volume",
        example: "1200 mL",
        signed: false,
    }
}

quantity_impl! {
    /// Mass density, stored in g/mL. Parses `g/mL`, `g/ml`, `g/cm3`, `g/cm³`, `kg/L`, `kg/m3`.
    Density {
        base: "g/mL",
        from_base: from_g_per_ml,
        to_base: g_per_ml,
        units: &[
            ("g/mL", 1.0),
            ("g/ml", 1.0),
            ("g/cm3", 1.0),
            ("g/cm³", 1.0),
            ("kg/L", 1.0),
            ("kg/m3", 1e-3),
            ("kg/m³", 1e-3),
        ],
        what: "a density",
        example: "1.05 g/mL",
        signed: false,
    }
}

quantity_impl! {
    /// Length, stored in metres (body height, diameters). Parses `m`, `cm`, `mm`.
    Length {
        base: "m",
        from_base: from_m,
        to_base: m,
        units: &[("m", 1.0), ("cm", 1e-2), ("mm", 1e-3)],
        what: "a length",
        example: "1.75 m",
        signed: false,
    }
}

quantity_impl! {
    /// Energy, stored in joules (absorbed energy, J = Gy·kg).
    Energy {
        base: "J",
        from_base: from_j,
        to_base: j,
        units: &[("J", 1.0), ("mJ", 1e-3)],
        what: "an energy",
        example: "12 J",
        signed: false,
    }
}

quantity_impl! {
    /// A span of time, stored in seconds. Parses `s`, `min`, `h`, `d`, `wk` (7 d).
    TimeSpan {
        base: "s",
        from_base: from_seconds,
        to_base: seconds,
        units: &[("s", 1.0), ("min", 60.0), ("h", 3600.0), ("d", 86400.0), ("wk", 604_800.0)],
        what: "a time span",
        example: "64.1 h",
        signed: true,
    }
}

impl TimeSpan {
    /// Makes a span from hours.
    pub const fn from_hours(h: f64) -> Self {
        Self::from_seconds(h * 3600.0)
    }
    /// Makes a span from days of 24 h.
    pub const fn from_days(d: f64) -> Self {
        Self::from_seconds(d * 86400.0)
    }
    /// The span in hours.
    pub const fn hours(self) -> f64 {
        self.seconds() / 3600.0
    }
    /// The span in days of 24 h.
    pub const fn days(self) -> f64 {
        self.seconds() / 86400.0
    }
}

impl Mul<Density> for Volume {
    type Output = Mass;
    /// mass = volume × density (1 mL × 1 g/mL = 1 g).
    fn mul(self, rhs: Density) -> Mass {
        Mass::from_g(self.ml() * rhs.g_per_ml())
    }
}

impl Div<Volume> for Mass {
    type Output = Density;
    fn div(self, rhs: Volume) -> Density {
        Density::from_g_per_ml(self.kg() * 1e3 / rhs.ml())
    }
}

impl Div<Density> for Mass {
    type Output = Volume;
    fn div(self, rhs: Density) -> Volume {
        Volume::from_ml(self.kg() * 1e3 / rhs.g_per_ml())
    }
}

impl Div<Mass> for Energy {
    type Output = AbsorbedDose;
    /// Absorbed dose = energy / mass (1 Gy = 1 J/kg).
    fn div(self, rhs: Mass) -> AbsorbedDose {
        AbsorbedDose::from_gy(self.j() / rhs.kg())
    }
}

impl Mul<Mass> for AbsorbedDose {
    type Output = Energy;
    fn mul(self, rhs: Mass) -> Energy {
        Energy::from_j(self.gy() * rhs.kg())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activity_units() {
        let a: Activity = "3.2 GBq".parse().unwrap();
        assert_eq!(a.bq(), 3.2e9);
        let b: Activity = "86 mCi".parse().unwrap();
        assert_eq!(b.mbq(), 86.0 * 37.0);
        let c: Activity = "500 MBq".parse().unwrap();
        assert_eq!(c.gbq(), 0.5);
        assert_eq!(Activity::from_mci(1.0).mbq(), 37.0);
        assert_eq!("1 Ci".parse::<Activity>().unwrap().gbq(), 37.0);
        assert_eq!("27 mCi".parse::<Activity>().unwrap().gbq(), 0.999);
        assert_eq!(
            Activity::from_gbq(3.2).gbq_and_mci(3),
            "3.200 GBq (86.49 mCi)"
        );
    }

    #[test]
    fn other_units() {
        assert_eq!("1.5 kg".parse::<Mass>().unwrap().kg(), 1.5);
        assert_eq!("300 g".parse::<Mass>().unwrap().kg(), 0.3);
        assert_eq!("1200 mL".parse::<Volume>().unwrap().ml(), 1200.0);
        assert_eq!("1.2 L".parse::<Volume>().unwrap().ml(), 1200.0);
        assert_eq!("175 cm".parse::<Length>().unwrap().m(), 1.75);
        assert_eq!("3 d".parse::<TimeSpan>().unwrap().hours(), 72.0);
        assert_eq!("150 Gy".parse::<AbsorbedDose>().unwrap().gy(), 150.0);
        assert_eq!("1.05 g/cm3".parse::<Density>().unwrap().g_per_ml(), 1.05);
    }

    #[test]
    fn units_of_another_quantity_are_refused() {
        assert!("3 kg".parse::<Activity>().is_err());
        assert!("3 GBq".parse::<Mass>().is_err());
        assert!("3".parse::<AbsorbedDose>().is_err());
        assert!("3 gbq".parse::<Activity>().is_err());
        assert!("3 GBq + 2 mCi".parse::<Activity>().is_err());
    }

    #[test]
    fn derived_quantities() {
        let m = Volume::from_ml(1000.0) * Density::from_g_per_ml(1.05);
        assert!((m.kg() - 1.05).abs() < 1e-12);
        let d = Energy::from_j(60.0) / Mass::from_kg(1.5);
        assert_eq!(d.gy(), 40.0);
    }

    #[test]
    fn display_and_serde_round_trip() {
        let a = Activity::from_gbq(3.25);
        assert_eq!(format!("{a:.1}"), "3250000000.0 Bq");
        let m = Mass::from_kg(1.5);
        assert_eq!(m.to_string(), "1.5 kg");
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, "\"1.5 kg\"");
        let back: Mass = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
        let err = serde_json::from_str::<Mass>("1.5").unwrap_err().to_string();
        assert!(err.contains("bare number"), "{err}");
    }

    proptest::proptest! {
        #[test]
        fn activity_print_parse_round_trip(bq in 0.0f64..1e13) {
            let a = Activity::from_bq(bq);
            let back: Activity = a.to_string().parse().unwrap();
            proptest::prop_assert_eq!(a, back);
        }

        #[test]
        fn parser_never_panics(s in "\\PC{0,24}") {
            let _ = s.parse::<Activity>();
            let _ = s.parse::<Volume>();
        }
    }
}
