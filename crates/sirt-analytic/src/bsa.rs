//! The body-surface-area method for resin microspheres (Kennedy et al., Int J Radiat Oncol Biol
//! Phys 2007;68:13–23, consensus; SIR-Spheres IFU) [R: constants from memory of these sources,
//! shared/domain/primer.md §5 — the LSF bands are parameters, see [`LsfBands`]].
//!
//! - (B1) BSA (m²) = 0.20247 · H(m)^0.725 · W(kg)^0.425 (Du Bois & Du Bois, Arch Intern Med
//!   1916;17:863, in SI units: 0.007184 · H(cm)^0.725 · W^0.425)
//! - (B2) A (GBq) = (BSA − 0.2) + V_tumour / V_liver, V_liver the **total** liver volume
//!   including tumour (the tumour involvement fraction)
//! - (B3) lobar or segmental: A · V_perfused / V_liver
//! - (B4) A · f(LSF), f from the reduction bands; in the contraindicated band there is no
//!   activity but a contraindication result.

use crate::error::{ModelError, positive};
use sirt_units::{Activity, Fraction, Length, Mass, Volume};

/// Du Bois coefficient in SI units, 0.20247 = 0.007184 × 100^0.725 (Du Bois & Du Bois 1916).
pub const DU_BOIS_COEFFICIENT: f64 = 0.20247;
/// Du Bois height exponent.
pub const DU_BOIS_HEIGHT_EXPONENT: f64 = 0.725;
/// Du Bois weight exponent.
pub const DU_BOIS_WEIGHT_EXPONENT: f64 = 0.425;
/// The 0.2 GBq·m⁻² offset… written as 0.2 in (B2) (Kennedy 2007; SIR-Spheres IFU) [R].
pub const BSA_OFFSET_GBQ: f64 = 0.2;

/// Plausibility bounds of a body height, m: a value outside is a typing error (unit or digit),
/// not a patient (sirtplan input check, not a clinical limit).
pub const HEIGHT_PLAUSIBLE_M: (f64, f64) = (0.3, 2.6);
/// Plausibility bounds of a body weight, kg (sirtplan input check, not a clinical limit).
pub const WEIGHT_PLAUSIBLE_KG: (f64, f64) = (1.0, 500.0);

/// Body surface area by Du Bois (B1), in m².
pub fn bsa_du_bois_m2(height: Length, weight: Mass) -> Result<f64, ModelError> {
    let (hl, hh) = HEIGHT_PLAUSIBLE_M;
    if !(height.m() >= hl && height.m() <= hh) {
        return Err(ModelError::new(
            "height",
            format!("a body height from {hl} to {hh} m"),
            height,
        ));
    }
    let (wl, wh) = WEIGHT_PLAUSIBLE_KG;
    if !(weight.kg() >= wl && weight.kg() <= wh) {
        return Err(ModelError::new(
            "weight",
            format!("a body weight from {wl} to {wh} kg"),
            weight,
        ));
    }
    Ok(DU_BOIS_COEFFICIENT
        * height.m().powf(DU_BOIS_HEIGHT_EXPONENT)
        * weight.kg().powf(DU_BOIS_WEIGHT_EXPONENT))
}

/// One LSF band: the activity factor for LSF in [lower, upper] with the stated inclusivity.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LsfBand {
    /// Lower bound of LSF (fraction).
    pub lower: f64,
    /// Whether LSF = lower belongs to this band.
    pub lower_inclusive: bool,
    /// Upper bound of LSF (fraction).
    pub upper: f64,
    /// Whether LSF = upper belongs to this band.
    pub upper_inclusive: bool,
    /// Multiplier of the activity; `None` means treatment is contraindicated.
    pub factor: Option<f64>,
}

impl LsfBand {
    fn contains(&self, lsf: f64) -> bool {
        let above = if self.lower_inclusive {
            lsf >= self.lower
        } else {
            lsf > self.lower
        };
        let below = if self.upper_inclusive {
            lsf <= self.upper
        } else {
            lsf < self.upper
        };
        above && below
    }
}

/// The resin LSF reduction bands, a parameter set with its source.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LsfBands {
    /// Bands covering [0, 1).
    pub bands: Vec<LsfBand>,
    /// Where the bands come from.
    pub source: String,
}

impl LsfBands {
    /// The band that holds `lsf`.
    pub fn band_for(&self, lsf: Fraction) -> Result<&LsfBand, ModelError> {
        self.bands
            .iter()
            .find(|b| b.contains(lsf.value()))
            .ok_or_else(|| {
                ModelError::new(
                    "resin LSF bands",
                    "a band covering the lung shunt fraction",
                    format!("no band for LSF {}", lsf.value()),
                )
            })
    }
}

/// Inputs of the BSA method.
#[derive(Debug, Clone, PartialEq)]
pub struct BsaInputs {
    /// Body height.
    pub height: Length,
    /// Body weight.
    pub weight: Mass,
    /// Tumour volume in the whole liver.
    pub tumour_volume: Volume,
    /// Whole liver volume, tumour included.
    pub liver_volume: Volume,
    /// Perfused volume for lobar or segmental treatment; `None` for whole liver.
    pub perfused_volume: Option<Volume>,
    /// Lung shunt fraction.
    pub lsf: Fraction,
}

/// The BSA method's result, with every intermediate value.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BsaResult {
    /// BSA in m² (B1).
    pub bsa_m2: f64,
    /// V_tumour / V_liver.
    pub tumour_involvement: f64,
    /// (B2), whole liver.
    pub whole_liver_activity: Activity,
    /// V_perfused / V_liver, 1 for whole liver (B3).
    pub perfused_fraction: f64,
    /// The LSF factor applied (B4); `None` when contraindicated.
    pub lsf_factor: Option<f64>,
    /// The activity to administer; `None` when the LSF contraindicates treatment.
    pub activity: Option<Activity>,
}

impl BsaInputs {
    /// Applies (B1)–(B4).
    pub fn compute(&self, bands: &LsfBands) -> Result<BsaResult, ModelError> {
        let bsa_m2 = bsa_du_bois_m2(self.height, self.weight)?;
        positive("liver volume", self.liver_volume.ml(), self.liver_volume)?;
        let tumour_ml = self.tumour_volume.ml();
        if tumour_ml.is_nan() || tumour_ml < 0.0 || self.tumour_volume > self.liver_volume {
            return Err(ModelError::new(
                "tumour volume",
                format!(
                    "a volume from 0 to the whole liver volume ({})",
                    self.liver_volume
                ),
                self.tumour_volume,
            ));
        }
        let perfused_fraction = match self.perfused_volume {
            None => 1.0,
            Some(v) => {
                positive("perfused volume", v.ml(), v)?;
                if v > self.liver_volume {
                    return Err(ModelError::new(
                        "perfused volume",
                        format!("at most the whole liver volume ({})", self.liver_volume),
                        v,
                    ));
                }
                v / self.liver_volume
            }
        };
        let tumour_involvement = self.tumour_volume / self.liver_volume;
        let whole = Activity::from_gbq(bsa_m2 - BSA_OFFSET_GBQ + tumour_involvement);
        if !whole.is_positive() {
            return Err(ModelError::new(
                "BSA activity",
                "a positive activity (BSA above 0.2 m²)",
                format!("{:.3} GBq from BSA {bsa_m2:.3} m²", whole.gbq()),
            ));
        }
        let band = bands.band_for(self.lsf)?;
        let activity = band.factor.map(|f| whole * (perfused_fraction * f));
        Ok(BsaResult {
            bsa_m2,
            tumour_involvement,
            whole_liver_activity: whole,
            perfused_fraction,
            lsf_factor: band.factor,
            activity,
        })
    }
}
