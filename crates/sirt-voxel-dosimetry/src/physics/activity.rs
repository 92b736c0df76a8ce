//! Activity maps from images: always A₀, the activity at the administration instant.
//!
//! - (A1) MAA-predictive: SPECT counts scaled so that the liver (or perfused territory) region
//!   holds A · (1 − LSF) of the planned administered activity A: s = A (1 − LSF) / Σ_liver f·c;
//!   every voxel gets s·c (extrahepatic counts keep the same scale and are reported); with a
//!   lung mask, the lungs hold A · LSF spread uniformly (SPECT lung counts are unreliable).
//! - (A2) PET: A₀ = C · V · exp(λ Δt), C in Bq/mL at the image's reference instant, Δt from the
//!   administration to that instant: a scan read as-is 24 h later would understate every dose by
//!   23 % for Y-90.
//! - (A3) Self-calibration: counts or Bq/mL scaled so that a region (the body, or liver and lungs)
//!   holds the delivered activity.
//!
//! Negative voxels (reconstruction noise) are set to 0 and the clamped amount is reported.

use crate::physics::DoseError;
use crate::physics::engine::ActivityMap;
use sirt_geometry::{FractionalMask, Image};
use sirt_nuclides::{Coefficient, Nuclide};
use sirt_units::{Activity, Fraction, Instant};

/// What the calibration found, for the report.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CalibrationReport {
    /// MBq per image unit (per count, or per Bq in the voxel).
    pub scale: f64,
    /// Fraction of the (clamped) image total outside the calibration region and lungs: the
    /// extrahepatic deposition for MAA.
    pub outside_fraction: f64,
    /// Sum of the negative voxels set to 0, in image units × voxel volume where applicable.
    pub clamped_negative: f64,
    /// Lines for the provenance of the map.
    pub notes: Vec<String>,
}

fn clamp(values: &[f32]) -> Result<(Vec<f64>, f64), DoseError> {
    let mut clamped = 0.0;
    let mut out = Vec::with_capacity(values.len());
    for (n, &v) in values.iter().enumerate() {
        if !v.is_finite() {
            return Err(DoseError::Input(format!("image voxel {n} is {v}")));
        }
        if v < 0.0 {
            clamped += f64::from(-v);
            out.push(0.0);
        } else {
            out.push(f64::from(v));
        }
    }
    Ok((out, clamped))
}

fn same_grid(image: &Image<f32>, mask: &FractionalMask, what: &str) -> Result<(), DoseError> {
    if image.grid().same_as(mask.grid()) {
        Ok(())
    } else {
        Err(DoseError::Input(format!(
            "the {what} mask is not on the image grid: resample it (fractionally) first"
        )))
    }
}

/// (A1) MAA-predictive activity map from SPECT counts.
#[allow(clippy::too_many_arguments)]
pub fn maa_predictive(
    counts: &Image<f32>,
    liver: &FractionalMask,
    lungs: Option<&FractionalMask>,
    administered: Activity,
    lsf: Fraction,
    nuclide: Nuclide,
    k: Coefficient,
) -> Result<(ActivityMap, CalibrationReport), DoseError> {
    same_grid(counts, liver, "liver")?;
    if let Some(l) = lungs {
        same_grid(counts, l, "lung")?;
    }
    if !administered.is_positive() || lsf.value() >= 1.0 {
        return Err(DoseError::Input(format!(
            "administered activity must be above 0 and LSF below 1, found {} and {}",
            administered,
            lsf.value()
        )));
    }
    let (c, clamped) = clamp(counts.data())?;
    let liver_counts: f64 = c
        .iter()
        .zip(liver.data())
        .map(|(x, &f)| x * f64::from(f.clamp(0.0, 1.0)))
        .sum();
    if liver_counts.is_nan() || liver_counts <= 0.0 {
        return Err(DoseError::Input(
            "the SPECT has no counts in the liver region: cannot scale it".into(),
        ));
    }
    let a_liver = administered.mbq() * lsf.complement();
    let s = a_liver / liver_counts;
    let total: f64 = c.iter().sum();
    let lung_frac: Vec<f64> = match lungs {
        Some(l) => l
            .data()
            .iter()
            .map(|&f| f64::from(f.clamp(0.0, 1.0)))
            .collect(),
        None => vec![0.0; c.len()],
    };
    let lung_weight: f64 = lung_frac.iter().sum();
    let in_liver_or_lung: f64 = c
        .iter()
        .zip(liver.data())
        .zip(&lung_frac)
        .map(|((x, &f), &g)| x * (f64::from(f.clamp(0.0, 1.0)) + g).min(1.0))
        .sum();
    let mut notes = vec![format!(
        "MAA-predictive: counts scaled by {s:.6e} MBq/count so that the liver region holds A(1 − LSF) = {a_liver:.3} MBq (A {:.3} MBq, LSF {:.4})",
        administered.mbq(),
        lsf.value()
    )];
    let lung_mbq = administered.mbq() * lsf.value();
    let mbq: Vec<f32> = c
        .iter()
        .zip(&lung_frac)
        .map(|(&x, &g)| {
            if lungs.is_some() && g > 0.0 {
                // Lungs: A · LSF uniformly over the lung mask (by fraction), replacing the counts.
                (lung_mbq * g / lung_weight + x * s * (1.0 - g)) as f32
            } else {
                (x * s) as f32
            }
        })
        .collect();
    if lungs.is_some() {
        notes.push(format!(
            "lungs hold A · LSF = {lung_mbq:.3} MBq uniformly over the lung mask"
        ));
    } else {
        notes.push("no lung mask: lung counts keep the liver scale; the lung dose comes from the LSF model".into());
    }
    let outside = if total > 0.0 {
        (total - in_liver_or_lung) / total
    } else {
        0.0
    };
    notes.push(format!(
        "{:.2} % of the counts lie outside the liver and lungs (extrahepatic deposition, and spill-out by the SPECT resolution)",
        outside * 100.0
    ));
    if clamped > 0.0 {
        notes.push(format!("{clamped:.1} negative counts set to 0"));
    }
    Ok((
        ActivityMap {
            mbq: Image::new(counts.grid().clone(), mbq)
                .map_err(|e| DoseError::Input(e.to_string()))?,
            nuclide,
            k,
            provenance: notes.clone(),
        },
        CalibrationReport {
            scale: s,
            outside_fraction: outside,
            clamped_negative: clamped,
            notes,
        },
    ))
}

/// (A2) Activity at administration from a PET in Bq/mL referenced to `image_reference` (the scan
/// start when the image is decay corrected to it or not decay corrected at all).
pub fn pet_decay_corrected(
    bq_per_ml: &Image<f32>,
    image_reference: &Instant,
    administration: &Instant,
    nuclide: Nuclide,
    k: Coefficient,
) -> Result<(ActivityMap, CalibrationReport), DoseError> {
    let dt = image_reference.since(administration);
    if dt.seconds() < 0.0 {
        return Err(DoseError::Input(format!(
            "the image reference {image_reference} is before the administration {administration}"
        )));
    }
    let (c, clamped) = clamp(bq_per_ml.data())?;
    let voxel_ml = bq_per_ml.grid().voxel_volume_mm3() / 1000.0;
    let back = 1.0 / nuclide.decay_factor(dt);
    let s = voxel_ml * back / 1e6;
    let mbq: Vec<f32> = c.iter().map(|&x| (x * s) as f32).collect();
    let notes = vec![format!(
        "PET Bq/mL × {voxel_ml:.4} mL per voxel, decay-corrected over {:.2} h from {image_reference} back to the administration {administration} (× {back:.5})",
        dt.hours()
    )];
    Ok((
        ActivityMap {
            mbq: Image::new(bq_per_ml.grid().clone(), mbq)
                .map_err(|e| DoseError::Input(e.to_string()))?,
            nuclide,
            k,
            provenance: notes.clone(),
        },
        CalibrationReport {
            scale: s,
            outside_fraction: 0.0,
            clamped_negative: clamped,
            notes,
        },
    ))
}

/// (A3) Self-calibration: the image scaled so that `region` holds `delivered`.
pub fn self_calibrated(
    image: &Image<f32>,
    region: &FractionalMask,
    delivered: Activity,
    nuclide: Nuclide,
    k: Coefficient,
) -> Result<(ActivityMap, CalibrationReport), DoseError> {
    same_grid(image, region, "calibration region")?;
    let (c, clamped) = clamp(image.data())?;
    let in_region: f64 = c
        .iter()
        .zip(region.data())
        .map(|(x, &f)| x * f64::from(f.clamp(0.0, 1.0)))
        .sum();
    if in_region.is_nan() || in_region <= 0.0 || !delivered.is_positive() {
        return Err(DoseError::Input(
            "self-calibration needs counts in the region and a delivered activity above 0".into(),
        ));
    }
    let s = delivered.mbq() / in_region;
    let total: f64 = c.iter().sum();
    let mbq: Vec<f32> = c.iter().map(|&x| (x * s) as f32).collect();
    let notes = vec![format!(
        "self-calibrated: the region holds the delivered {:.3} MBq ({s:.6e} MBq per image unit)",
        delivered.mbq()
    )];
    Ok((
        ActivityMap {
            mbq: Image::new(image.grid().clone(), mbq)
                .map_err(|e| DoseError::Input(e.to_string()))?,
            nuclide,
            k,
            provenance: notes.clone(),
        },
        CalibrationReport {
            scale: s,
            outside_fraction: (total - in_region) / total,
            clamped_negative: clamped,
            notes,
        },
    ))
}

/// A CT calibration: HU → mass density (g/mL), piecewise linear between points.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HuToDensity {
    /// (HU, g/mL), increasing HU.
    pub points: Vec<(f64, f64)>,
    /// Source of the curve.
    pub source: String,
}

impl Default for HuToDensity {
    /// A generic bilinear curve [R]: air (−1000, 0.0012), water (0, 1.0), then 1.0 + 0.00055·HU
    /// to cortical bone (1500, 1.825); a parameter to replace with the scanner's calibration.
    fn default() -> Self {
        Self {
            points: vec![
                (-1000.0, 0.0012),
                (0.0, 1.0),
                (1500.0, 1.825),
                (3000.0, 2.65),
            ],
            source: "generic bilinear CT calibration [R] (air–water–bone); set the scanner's own"
                .into(),
        }
    }
}

impl HuToDensity {
    /// The density of a HU value (clamped to the end points).
    pub fn density(&self, hu: f64) -> f64 {
        let p = &self.points;
        match p.iter().position(|&(h, _)| h >= hu) {
            Some(0) => p[0].1,
            None => p.last().map_or(1.0, |x| x.1),
            Some(n) => {
                let (h0, d0) = p[n - 1];
                let (h1, d1) = p[n];
                d0 + (d1 - d0) * (hu - h0) / (h1 - h0)
            }
        }
    }

    /// A density map of a CT.
    pub fn map(&self, ct: &Image<f32>) -> Image<f32> {
        ct.map(|hu| self.density(f64::from(hu)) as f32)
    }
}
