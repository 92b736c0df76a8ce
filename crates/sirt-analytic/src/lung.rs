//! Lung shunt fraction, lung mass and lung dose.
//!
//! - (L1) LSF = C_lung / (C_lung + C_liver) on 99mTc-MAA (primer §2; clinical-rules.md §3.2);
//!   from planar images, each count is the geometric mean √(anterior · posterior).
//! - (L2) D_lung = K · A · LSF / M_lung (primer §5).

use crate::error::{ModelError, positive};
use sirt_units::{Density, Fraction, Mass, Volume};

/// Lung mass of the TheraSphere IFU convention, 1 kg (TheraSphere package insert v12; primer §4).
pub const LUNG_MASS_CONVENTION_KG: f64 = 1.0;

/// Default density for a CT-derived lung mass, 0.3 g/mL (primer §4, "CT-derived with ~0.3 g/mL";
/// [R] a parameter the case may override).
pub const LUNG_DENSITY_CT_DEFAULT_G_PER_ML: f64 = 0.3;

/// Where the lung mass came from; printed with the lung dose.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(tag = "basis", rename_all = "snake_case")]
pub enum LungMassBasis {
    /// 1 kg by the TheraSphere IFU convention.
    Convention,
    /// CT lung volume × density.
    CtVolume {
        /// Lung volume from CT.
        volume: Volume,
        /// Density used.
        density: Density,
    },
    /// A mass stated in the case.
    Stated,
}

/// The lung side of an injection: shunt fraction and lung mass.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Lung {
    /// Lung shunt fraction, in [0, 1).
    pub lsf: Fraction,
    /// Lung mass used for the dose.
    pub mass: Mass,
    /// How the mass was obtained.
    pub basis: LungMassBasis,
}

impl Lung {
    /// Lung with the 1 kg IFU convention.
    pub fn convention(lsf: Fraction) -> Self {
        Self {
            lsf,
            mass: Mass::from_kg(LUNG_MASS_CONVENTION_KG),
            basis: LungMassBasis::Convention,
        }
    }

    /// Lung with a stated mass.
    pub fn with_mass(lsf: Fraction, mass: Mass) -> Self {
        Self {
            lsf,
            mass,
            basis: LungMassBasis::Stated,
        }
    }

    /// Lung mass from a CT lung volume and a density.
    pub fn from_ct_volume(lsf: Fraction, volume: Volume, density: Density) -> Self {
        Self {
            lsf,
            mass: volume * density,
            basis: LungMassBasis::CtVolume { volume, density },
        }
    }

    /// LSF in [0, 1), mass > 0.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.lsf.value() >= 1.0 {
            return Err(ModelError::new(
                "lung shunt fraction",
                "a fraction in [0, 1)",
                self.lsf.value(),
            ));
        }
        positive("lung mass", self.mass.kg(), self.mass)
    }
}

/// Planar MAA counts for the geometric-mean LSF.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PlanarCounts {
    /// Lung ROI counts, anterior view.
    pub lung_anterior: f64,
    /// Lung ROI counts, posterior view.
    pub lung_posterior: f64,
    /// Liver ROI counts, anterior view.
    pub liver_anterior: f64,
    /// Liver ROI counts, posterior view.
    pub liver_posterior: f64,
}

impl PlanarCounts {
    /// LSF by (L1) with geometric means of the conjugate views.
    pub fn lsf(&self) -> Result<Fraction, ModelError> {
        for (name, v) in [
            ("lung anterior counts", self.lung_anterior),
            ("lung posterior counts", self.lung_posterior),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(ModelError::new(name, "a count ≥ 0", v));
            }
        }
        positive(
            "liver anterior counts",
            self.liver_anterior,
            self.liver_anterior,
        )?;
        positive(
            "liver posterior counts",
            self.liver_posterior,
            self.liver_posterior,
        )?;
        let lung = (self.lung_anterior * self.lung_posterior).sqrt();
        let liver = (self.liver_anterior * self.liver_posterior).sqrt();
        let f = lung / (lung + liver);
        Fraction::new(f).ok_or_else(|| ModelError::new("planar LSF", "a fraction in [0, 1)", f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometric_mean_lsf_by_hand() {
        // GM lung = √(12000·8000) = 9797.96; GM liver = √(150000·90000) = 116189.5;
        // LSF = 9797.96 / 125987.46 = 0.0777700…
        let c = PlanarCounts {
            lung_anterior: 12000.0,
            lung_posterior: 8000.0,
            liver_anterior: 150000.0,
            liver_posterior: 90000.0,
        };
        let lsf = c.lsf().unwrap().value();
        let hand = 96e6f64.sqrt() / (96e6f64.sqrt() + 1.35e10f64.sqrt());
        assert!((lsf - hand).abs() < 1e-15);
        assert!((lsf - 0.07777).abs() < 1e-5);
    }

    #[test]
    fn zero_liver_counts_refused() {
        let c = PlanarCounts {
            lung_anterior: 1.0,
            lung_posterior: 1.0,
            liver_anterior: 0.0,
            liver_posterior: 1.0,
        };
        assert!(c.lsf().is_err());
    }

    #[test]
    fn ct_lung_mass() {
        let l = Lung::from_ct_volume(
            Fraction::new(0.1).unwrap(),
            Volume::from_ml(3000.0),
            Density::from_g_per_ml(LUNG_DENSITY_CT_DEFAULT_G_PER_ML),
        );
        assert!((l.mass.kg() - 0.9).abs() < 1e-12);
    }
}
