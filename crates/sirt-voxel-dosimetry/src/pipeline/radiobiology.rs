//! The radiobiology of a dosimetry, as information: per structure with tissue parameters, the
//! BED of each voxel of its part (Dale's formula for a permanent implant of the dosimetry's
//! nuclide, `sirt_clinical::bed_voxels`), its BED-volume histogram made by the DVH code with
//! the DVH's weights and bins ([`dvh`]: mass-weighted, the structure's part dose and part
//! density, D2), mean BED and EQD2, Niemierko's gEUD of the BED with the tissue's `a`; and the
//! published fits (NTCP on the non-tumoural liver, response on tumours) with their values and,
//! when the source gives a slope, their probability. Nothing here is a rule.
//!
//! - (R1) BED_i = D_i + D_i² · T_rep / ((T_rep + T_phys) · α/β) per voxel, D_i the dose of the
//!   structure's part of voxel i to full decay, T_phys the nuclide's half-life (microspheres:
//!   no biological washout).
//! - (R2) BED-volume histogram: [`dvh`] of the BED map with the structure's fractions and part
//!   densities: the same bins (`bin_gy`), D_x and V_x conventions as its DVH.
//! - (R3) mean EQD2 = mean BED / (1 + 2 Gy / (α/β)) (EQD2 is linear in BED).
//! - (R4) gEUD = (Σ wᵢ BEDᵢ^a / Σ wᵢ)^(1/a), wᵢ = fᵢ ρ_s,i V (the DVH's weights).

use crate::physics::DoseError;
use crate::physics::dvh::{Dvh, dvh_of};
use crate::pipeline::run::{Prepared, VoxelDosimetry, part_dose_of};
use crate::pipeline::{DosimetryError, Role};
use sirt_clinical::{
    DaleFactor, Fit, FitKind, FitQuantity, LqParameters, RadiobiologyError, TissueRecord,
    TissueRole, Weighted, bed_voxels, eqd2, geud,
};
use sirt_geometry::Image;
use sirt_nuclides::Nuclide;
use sirt_units::{AbsorbedDose, TimeSpan};

/// The data records these computations read, re-exported for callers of this module.
pub use sirt_clinical::{RadiobiologyData, RadiobiologyDataError};

/// What the radiobiology of a dosimetry is computed with.
#[derive(Debug, Clone, Copy)]
pub struct RadiobiologyRequest<'a> {
    /// Tissue records and fits.
    pub data: &'a RadiobiologyData,
    /// The sphere material of the session's device ("glass", "resin", "PLLA"): which fits apply.
    pub device_material: &'a str,
    /// BED-volume histogram bin, Gy (the DVH's).
    pub bin_gy: f64,
    /// D_x levels, %.
    pub dx_percent: &'a [f64],
    /// V_x levels, Gy of BED.
    pub vx_gy: &'a [f64],
}

/// A fit evaluated on a structure.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FitValue {
    /// The fit, with its source, evidence and confidence.
    pub fit: Fit,
    /// The structure's value of the fit's quantity, Gy (None: not available, e.g. a gEUD for a
    /// tissue without `a`).
    pub value_gy: Option<f64>,
    /// The probability (None: the source gives no slope, or no value).
    pub probability: Option<f64>,
}

/// The radiobiology of one structure.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StructureRadiobiology {
    /// The structure's name.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// The tissue record used (id).
    pub tissue: String,
    /// Its wording.
    pub tissue_title: String,
    /// Its French wording, when given.
    pub tissue_title_fr: Option<String>,
    /// α/β, T_rep and their source.
    pub parameters: LqParameters,
    /// The record's evidence label.
    pub evidence: String,
    /// Mean absorbed dose, Gy (the DVH's).
    pub mean_dose_gy: f64,
    /// Mean BED, Gy (R2, the histogram's mean).
    pub mean_bed_gy: f64,
    /// Mean EQD2, Gy (R3).
    pub mean_eqd2_gy: f64,
    /// gEUD of the BED, Gy (R4), when the tissue has an `a`.
    pub geud_bed_gy: Option<f64>,
    /// The `a` used.
    pub eud_a: Option<f64>,
    /// Where `a` comes from.
    pub eud_a_source: Option<String>,
    /// The BED-volume histogram (R2).
    pub bvh: Dvh,
    /// The fits that apply, with their values.
    pub fits: Vec<FitValue>,
}

/// The radiobiology of a dosimetry.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Radiobiology {
    /// The nuclide.
    pub nuclide: Nuclide,
    /// Its half-life (= the effective one: no washout of microspheres).
    pub half_life: TimeSpan,
    /// The device's sphere material.
    pub device_material: String,
    /// Per structure with tissue parameters, in the dosimetry's order.
    pub structures: Vec<StructureRadiobiology>,
    /// The structures without tissue parameters (no record for their role).
    pub without_parameters: Vec<String>,
}

fn tissue_role(role: Role) -> Option<TissueRole> {
    match role {
        Role::Tumour => Some(TissueRole::Tumour),
        Role::NormalLiver => Some(TissueRole::NormalLiver),
        Role::Liver => Some(TissueRole::Liver),
        Role::Territory => Some(TissueRole::Territory),
        Role::Lungs => Some(TissueRole::Lungs),
        Role::Extrahepatic => Some(TissueRole::Extrahepatic),
        Role::Other => None,
    }
}

/// Computes the radiobiology of `d`, made on `prepared` (the geometry its dose was computed
/// on: [`crate::prepare`] / [`crate::run_prepared`]); other geometry is refused.
pub fn radiobiology(
    d: &VoxelDosimetry,
    prepared: &Prepared,
    request: &RadiobiologyRequest<'_>,
) -> Result<Radiobiology, DosimetryError> {
    let grid = d.dose.gy.grid();
    let same = grid.same_as(prepared.grid())
        && prepared.structures().len() == d.structures.len()
        && prepared
            .structures()
            .iter()
            .zip(&d.structures)
            .all(|(p, s)| p.name == s.name);
    if !same {
        return Err(DosimetryError::Geometry(
            "radiobiology: the prepared structures are not those the dose was computed on".into(),
        ));
    }
    let nuclide = d.activity.k.nuclide;
    let half_life = nuclide.half_life();
    let has_normal_liver = d.structures.iter().any(|s| s.role == Role::NormalLiver);
    let mut structures = Vec::new();
    let mut without_parameters = Vec::new();
    for (i, s) in d.structures.iter().enumerate() {
        let Some(tissue) = tissue_role(s.role).and_then(|r| request.data.tissue_for(r)) else {
            without_parameters.push(s.name.clone());
            continue;
        };
        let part = &prepared.part_densities()[i];
        let on = StructureInput {
            name: &s.name,
            fractions: &d.fractions[i],
            part,
            dose: &d.dose.gy,
            mean_density: &d.density,
        };
        let mut r = structure(&on, s.role, s.dvh.mean_gy, tissue, half_life, request)?;
        // NTCP fits read the non-tumoural liver: the derived one, else the liver.
        let ntcp_here = match s.role {
            Role::NormalLiver => true,
            Role::Liver => !has_normal_liver,
            _ => false,
        };
        let kind = if s.role == Role::Tumour {
            Some(FitKind::Response)
        } else if ntcp_here {
            Some(FitKind::Ntcp)
        } else {
            None
        };
        if let Some(kind) = kind {
            r.fits = request
                .data
                .fits_for(kind, &tissue.id, request.device_material)
                .map(|f| evaluate(f, &r))
                .collect();
        }
        structures.push(r);
    }
    Ok(Radiobiology {
        nuclide,
        half_life,
        device_material: request.device_material.to_owned(),
        structures,
        without_parameters,
    })
}

/// A structure on the dose grid: fractions and part density, with the dose and mean density
/// its part dose is derived from (D2, [`part_dose_of`]).
struct StructureInput<'a> {
    name: &'a str,
    fractions: &'a Image<f32>,
    part: &'a Image<f32>,
    dose: &'a Image<f32>,
    mean_density: &'a Image<f32>,
}

fn structure_error(name: &str, e: impl std::fmt::Display) -> DosimetryError {
    DosimetryError::Structure {
        name: name.to_owned(),
        what: e.to_string(),
    }
}

/// R1–R4 for one structure (fits added by the caller).
fn structure(
    s: &StructureInput<'_>,
    role: Role,
    mean_dose_gy: f64,
    tissue: &TissueRecord,
    half_life: TimeSpan,
    request: &RadiobiologyRequest<'_>,
) -> Result<StructureRadiobiology, DosimetryError> {
    let grid = s.dose.grid();
    if !(grid.same_as(s.fractions.grid())
        && grid.same_as(s.part.grid())
        && grid.same_as(s.mean_density.grid()))
    {
        return Err(structure_error(
            s.name,
            "its fractions, part density and the dose are not on one grid",
        ));
    }
    let dale = DaleFactor::new(half_life, &tissue.lq).map_err(|e| structure_error(s.name, e))?;
    let (dose, mean, part, fractions) = (
        s.dose.data(),
        s.mean_density.data(),
        s.part.data(),
        s.fractions.data(),
    );
    // R1 on the structure's voxels only (the BVH reads no other), each BED kept with the
    // DVH's weight f · ρ_s for the gEUD (R4).
    let mut weighted = Vec::new();
    let bed_of = |n: usize| {
        let d = part_dose_of(dose[n], mean[n], part[n]);
        if !(d.is_finite() && d >= 0.0) {
            return Err(DoseError::Input(
                RadiobiologyError::BadVoxel { index: n, found: d }.to_string(),
            ));
        }
        // As a BED map in f32 (`sirt_clinical::bed_voxels`).
        let bed = f64::from(dale.bed_gy(f64::from(d)) as f32);
        weighted.push(Weighted {
            gy: bed,
            weight: f64::from(fractions[n].min(1.0)) * f64::from(part[n]),
        });
        Ok(bed)
    };
    let bvh = dvh_of(
        s.fractions,
        Some(s.part),
        bed_of,
        request.bin_gy,
        request.dx_percent,
        request.vx_gy,
    )
    .map_err(|e| structure_error(s.name, e))?;
    let geud_bed_gy = match tissue.eud_a {
        Some(a) => Some(geud(&weighted, a).map_err(|e| structure_error(s.name, e))?),
        None => None,
    };
    let mean_eqd2_gy = eqd2(AbsorbedDose::from_gy(bvh.mean_gy), tissue.lq.alpha_beta)
        .map_err(|e| structure_error(s.name, e))?
        .gy();
    Ok(StructureRadiobiology {
        name: s.name.to_owned(),
        role,
        tissue: tissue.id.clone(),
        tissue_title: tissue.title.clone(),
        tissue_title_fr: tissue.title_fr.clone(),
        parameters: tissue.lq.clone(),
        evidence: tissue.evidence.clone(),
        mean_dose_gy,
        mean_bed_gy: bvh.mean_gy,
        mean_eqd2_gy,
        geud_bed_gy,
        eud_a: tissue.eud_a,
        eud_a_source: tissue.eud_a_source.clone(),
        bvh,
        fits: Vec::new(),
    })
}

/// A fit's value on a structure and its probability when the fit has a slope.
fn evaluate(fit: &Fit, s: &StructureRadiobiology) -> FitValue {
    let value_gy = match fit.quantity {
        FitQuantity::MeanDose => Some(s.mean_dose_gy),
        FitQuantity::MeanBed => Some(s.mean_bed_gy),
        FitQuantity::GeudBed => s.geud_bed_gy,
    };
    FitValue {
        fit: fit.clone(),
        value_gy,
        probability: value_gy.and_then(|v| fit.probability(AbsorbedDose::from_gy(v))),
    }
}

/// A BED map of a whole dosimetry for display: each voxel with the tissue parameters of the
/// tumours where tumours cover at least half of it, else those of the non-tumoural liver
/// (outside the liver the map is read with the liver's parameters: look at it inside the liver
/// only). The map's own dose (the voxel's mean dose) is used, not a structure's part dose.
/// None when the data have no record for tumours or the non-tumoural liver.
pub fn bed_map(
    d: &VoxelDosimetry,
    data: &RadiobiologyData,
) -> Result<Option<Image<f32>>, DosimetryError> {
    let (Some(liver), Some(tumour)) = (
        data.tissue_for(TissueRole::NormalLiver),
        data.tissue_for(TissueRole::Tumour),
    ) else {
        return Ok(None);
    };
    let half_life = d.activity.k.nuclide.half_life();
    let to_err = |e: sirt_clinical::RadiobiologyError| DosimetryError::Input(e.to_string());
    let as_liver = bed_voxels(d.dose.gy.data(), half_life, &liver.lq).map_err(to_err)?;
    let as_tumour = bed_voxels(d.dose.gy.data(), half_life, &tumour.lq).map_err(to_err)?;
    let mut in_tumour = vec![0.0f32; as_liver.len()];
    for (s, f) in d.structures.iter().zip(&d.fractions) {
        if s.role == Role::Tumour {
            for (t, &x) in in_tumour.iter_mut().zip(f.data()) {
                *t += x;
            }
        }
    }
    let data = as_liver
        .into_iter()
        .zip(as_tumour)
        .zip(in_tumour)
        .map(|((l, t), f)| if f >= TUMOUR_MAJORITY { t } else { l })
        .collect();
    Ok(Some(Image::new(d.dose.gy.grid().clone(), data)?))
}

/// Share of a voxel tumours must cover for [`bed_map`] to use the tumour parameters there:
/// one half (design choice: the majority tissue of the voxel).
pub const TUMOUR_MAJORITY: f32 = 0.5;
