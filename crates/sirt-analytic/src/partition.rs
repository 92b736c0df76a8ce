//! The partition model (Ho et al., Eur J Nucl Med 1996;23:947–952), generalised to any number of
//! tumour compartments, each with its tumour-to-normal ratio of activity concentration (TNR).
//!
//! With A the administered activity, LSF the lung shunt fraction and, in the perfused territory,
//! tumours i of mass Mᵢ and ratio TNRᵢ plus non-tumoural liver of mass M_N (primer §5):
//!
//! - (P1) A_liver = A · (1 − LSF)
//! - (P2) S = Σᵢ TNRᵢ · Mᵢ + M_N
//! - (P3) Aᵢ = A_liver · TNRᵢ · Mᵢ / S,  A_N = A_liver · M_N / S
//! - (P4) Dᵢ = K · Aᵢ / Mᵢ = K · A_liver · TNRᵢ / S,  D_N = K · A_liver / S
//! - (P5) D_perfused = K · A_liver / (Σᵢ Mᵢ + M_N)
//! - (P6) D_lung = K · A · LSF / M_lung
//!
//! With no tumour compartment the model is the MIRD single compartment (uniform uptake).
//! Every dose is linear in A, so [`Territory::dose_per_activity`] returns the doses for 1 GBq
//! and inverses divide a target by it.

use crate::error::{ModelError, positive};
use crate::lung::Lung;
use sirt_units::{AbsorbedDose, Activity, DepositionCoefficient, Energy, Mass};

/// One tumour compartment of a perfused territory.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TumourCompartment {
    /// The tumour's identifier in the case.
    pub id: String,
    /// The part of the tumour's mass inside this territory.
    pub mass: Mass,
    /// Tumour-to-normal ratio of activity concentration (MAA), > 0.
    pub tnr: f64,
}

/// A perfused territory: what one injection irrigates.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Territory {
    /// Tumour compartments (may be empty: single compartment).
    pub tumours: Vec<TumourCompartment>,
    /// Mass of non-tumoural liver in the territory, > 0.
    pub normal_liver: Mass,
}

/// Energy, activity and mean dose of one compartment.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct CompartmentDose {
    /// Activity that lodges in the compartment.
    pub activity: Activity,
    /// Energy absorbed to full decay.
    pub energy: Energy,
    /// Mass of the compartment.
    pub mass: Mass,
    /// Mean absorbed dose.
    pub dose: AbsorbedDose,
}

impl CompartmentDose {
    fn new(k: DepositionCoefficient, activity: Activity, mass: Mass) -> Self {
        let energy = k.energy(activity);
        Self {
            activity,
            energy,
            mass,
            dose: energy / mass,
        }
    }
}

/// The doses of one injection, by compartment.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PartitionDoses {
    /// The administered activity they come from.
    pub administered: Activity,
    /// One entry per tumour compartment, in the territory's order.
    pub tumours: Vec<(String, CompartmentDose)>,
    /// All tumours of the territory together (mass-weighted mean dose); `None` without tumours.
    pub tumours_combined: Option<CompartmentDose>,
    /// Non-tumoural liver of the territory (the perfused normal-liver dose).
    pub normal_liver: CompartmentDose,
    /// The whole perfused territory (tumours + normal liver).
    pub perfused: CompartmentDose,
    /// Lungs.
    pub lung: CompartmentDose,
}

impl Territory {
    /// Checks masses and ratios.
    pub fn validate(&self) -> Result<(), ModelError> {
        positive(
            "perfused non-tumoural liver mass",
            self.normal_liver.kg(),
            self.normal_liver,
        )?;
        for t in &self.tumours {
            positive(&format!("tumour {} mass", t.id), t.mass.kg(), t.mass)?;
            positive(&format!("tumour {} TNR", t.id), t.tnr, t.tnr)?;
        }
        Ok(())
    }

    /// Total mass of the territory (tumours + normal liver).
    pub fn perfused_mass(&self) -> Mass {
        self.tumours.iter().map(|t| t.mass).sum::<Mass>() + self.normal_liver
    }

    /// Total tumour mass of the territory.
    pub fn tumour_mass(&self) -> Mass {
        self.tumours.iter().map(|t| t.mass).sum()
    }

    /// S of (P2), in kg.
    fn weighted_mass_kg(&self) -> f64 {
        self.tumours
            .iter()
            .map(|t| t.tnr * t.mass.kg())
            .sum::<f64>()
            + self.normal_liver.kg()
    }

    /// Forward model: the doses of every compartment for `administered` activity (P1–P6).
    pub fn doses(
        &self,
        k: DepositionCoefficient,
        administered: Activity,
        lung: &Lung,
    ) -> Result<PartitionDoses, ModelError> {
        self.validate()?;
        lung.validate()?;
        let a_liver = administered * lung.lsf.complement();
        let s = self.weighted_mass_kg();
        let tumours: Vec<(String, CompartmentDose)> = self
            .tumours
            .iter()
            .map(|t| {
                let a = a_liver * (t.tnr * t.mass.kg() / s);
                (t.id.clone(), CompartmentDose::new(k, a, t.mass))
            })
            .collect();
        let tumours_combined = (!tumours.is_empty()).then(|| {
            let a: Activity = tumours.iter().map(|(_, c)| c.activity).sum();
            CompartmentDose::new(k, a, self.tumour_mass())
        });
        let normal_liver =
            CompartmentDose::new(k, a_liver * (self.normal_liver.kg() / s), self.normal_liver);
        let perfused = CompartmentDose::new(k, a_liver, self.perfused_mass());
        let lung_dose = CompartmentDose::new(k, administered * lung.lsf.value(), lung.mass);
        Ok(PartitionDoses {
            administered,
            tumours,
            tumours_combined,
            normal_liver,
            perfused,
            lung: lung_dose,
        })
    }

    /// The doses per GBq administered (every dose is linear in A).
    pub fn dose_per_activity(
        &self,
        k: DepositionCoefficient,
        lung: &Lung,
    ) -> Result<PartitionDoses, ModelError> {
        self.doses(k, Activity::from_gbq(1.0), lung)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sirt_units::Fraction;

    fn lung(lsf: f64) -> Lung {
        Lung::with_mass(Fraction::new(lsf).unwrap(), Mass::from_kg(1.0))
    }

    /// Hand derivation: with TNR 3, M_T 0.3 kg, M_N 1.5 kg, LSF 0.08 and K 50, the administered
    /// activity 2.0869565 GBq puts A_liver = 1.92 GBq; S = 3·0.3 + 1.5 = 2.4 kg;
    /// D_N = 50 · 1.92 / 2.4 = 40 Gy, D_T = 3 · 40 = 120 Gy, D_lung = 50 · 2.0869565 · 0.08 = 8.3478 Gy
    /// (shared/reference/derived_test_vectors, id partition_DNL40_TNR3_MT0.3_MNL1.5_LSF0.08_c50.0).
    #[test]
    fn forward_by_hand() {
        let t = Territory {
            tumours: vec![TumourCompartment {
                id: "T".into(),
                mass: Mass::from_kg(0.3),
                tnr: 3.0,
            }],
            normal_liver: Mass::from_kg(1.5),
        };
        let a = Activity::from_gbq(1.92 / 0.92);
        let d = t
            .doses(
                DepositionCoefficient::from_gy_kg_per_gbq(50.0),
                a,
                &lung(0.08),
            )
            .unwrap();
        assert!((d.normal_liver.dose.gy() - 40.0).abs() < 1e-12);
        assert!((d.tumours[0].1.dose.gy() - 120.0).abs() < 1e-12);
        assert!((d.tumours[0].1.activity.gbq() - 0.72).abs() < 1e-12);
        assert!((d.normal_liver.activity.gbq() - 1.2).abs() < 1e-12);
        assert!((d.lung.dose.gy() - 8.347826086956522).abs() < 1e-12);
        assert!((d.perfused.dose.gy() - 50.0 * 1.92 / 1.8).abs() < 1e-12);
    }

    #[test]
    fn invalid_inputs_are_named() {
        let t = Territory {
            tumours: vec![TumourCompartment {
                id: "T2".into(),
                mass: Mass::from_kg(0.1),
                tnr: 0.0,
            }],
            normal_liver: Mass::from_kg(1.0),
        };
        let e = t
            .doses(
                DepositionCoefficient::from_gy_kg_per_gbq(50.0),
                Activity::from_gbq(1.0),
                &lung(0.1),
            )
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "tumour T2 TNR: expected a value greater than zero, found 0"
        );
    }
}
