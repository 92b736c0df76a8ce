//! Physical quantities with the unit in the type, for SIRT planning.
//!
//! | module | what |
//! |---|---|
//! | [`quantity`](crate::Activity) | [`Activity`] (Bq; GBq, MBq, mCi), [`AbsorbedDose`] (Gy), [`Mass`], [`Volume`], [`Density`], [`Length`], [`Energy`], [`TimeSpan`] |
//! | `time` | [`Instant`]: a date-time that always carries its zone |
//! | `extra` | [`Fraction`] (LSF, residual, burden), [`DepositionCoefficient`] K in Gy·kg/GBq |
//! | `labs` | laboratory quantities: [`Bilirubin`], [`Albumin`], [`Creatinine`], [`CellCount`], [`EnzymeActivity`], [`Sodium`], [`Gfr`] (same macro as the physical ones), [`Inr`] |
//! | `round` | [`signif`], [`signif15`] (R's `signif`, for comparisons at a boundary), [`short`] (at most 4 decimals, for reports) |
//! | `parse` | [`ParseQuantityError`]: every parse failure quotes the input and names the accepted units |
//!
//! Numbers never travel without their unit: a case file or a flag says `"3.2 GBq"`, `"86 mCi"`,
//! `"1.5 kg"`, `"1200 mL"`; a bare number, a unit of another quantity, or two units mixed in
//! one value is an error.
//!
//! ```
//! use sirt_units::{Activity, DepositionCoefficient, Mass, Volume, Density};
//! let a: Activity = "86 mCi".parse().unwrap();
//! let m: Mass = "1.5 kg".parse().unwrap();
//! let k = DepositionCoefficient::from_gy_kg_per_gbq(50.0);
//! let dose = k.dose(a, m);
//! assert!((dose.gy() - 50.0 * 3.182 / 1.5).abs() < 1e-9);
//! let liver: Volume = "1200 mL".parse().unwrap();
//! let mass = liver * "1.05 g/mL".parse::<Density>().unwrap();
//! assert!((mass.kg() - 1.26).abs() < 1e-12);
//! assert!("3.2".parse::<Activity>().is_err());
//! ```

mod extra;
mod labs;
mod parse;
mod quantity;
mod round;
mod time;

/// The research-use notice every report, table and figure of sirtplan carries, in one wording.
/// It lives in this crate because every crate that renders something for people depends on it.
pub const RESEARCH_NOTICE: &str = "Research use only. sirtplan is not a medical device and has no \
     clinical clearance; every number must be checked by a qualified professional.";

pub use extra::{DepositionCoefficient, Fraction};
pub use labs::{
    ALBUMIN_G_PER_L_PER_G_PER_DL, Albumin, BILIRUBIN_UMOL_PER_L_PER_MG_PER_DL, Bilirubin,
    CREATININE_UMOL_PER_L_PER_MG_PER_DL, CellCount, Creatinine, EnzymeActivity, Gfr, Inr, Sodium,
};
pub use parse::{ParseQuantityError, UnitTable, parse_with_unit_index};
pub use quantity::{
    AbsorbedDose, Activity, BQ_PER_MCI, Density, Energy, Length, Mass, TimeSpan, Volume,
};
pub use round::{short, signif, signif15};
pub use time::{Instant, ParseInstantError};
