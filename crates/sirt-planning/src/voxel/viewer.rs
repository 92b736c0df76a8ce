//! The volumes a viewer shows, all on one grid, the CT's ([`VoxelPlan::viewer_volumes`]).
//!
//! The dosimetry computes each dose map on its activity image's own grid (the MAA SPECT's for a
//! prediction, the PET's for the delivered dose; `sirt-voxel-dosimetry` never resamples the activity).
//! For display they are interpolated trilinearly onto the CT grid through the plan's registration
//! (`sirt_geometry::resample_linear`, X2: dose and counts per voxel are intensive, so
//! interpolation, as `sirt_voxel_dosimetry::compare` does for its difference map); points outside the
//! source grid take 0. Structure masks already on the CT grid are kept; a label map's masks on
//! another grid are resampled by nearest neighbour (X3).
//!
//! Memory: each `f32` volume takes 4 bytes per CT voxel and each mask 1 byte (the standard demo
//! phantom's CT, 176 × 128 × 96 voxels: 8.7 MB per volume, 2.2 MB per mask).

use crate::voxel::VoxelPlan;
use crate::voxel::VoxelPlanError;
use sirt_geometry::{
    Grid, Image, Mask, Rigid, resample_linear, resample_nearest, source_from_target,
};
use sirt_voxel_dosimetry::Role;
use std::sync::Arc;

/// What a dose volume is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DoseKind {
    /// The MAA prediction of a session at its planned activities.
    Predicted,
    /// The delivered dose, from the Y-90 PET.
    Delivered,
    /// The MAA prediction at the delivered activity of the case's delivery record.
    PredictedAtDelivered,
}

/// One dose map on the CT grid.
#[derive(Debug, Clone, PartialEq)]
pub struct DoseVolume {
    /// The session id of the case.
    pub session: String,
    /// Which dose.
    pub kind: DoseKind,
    /// Absorbed dose, Gy, on the CT grid.
    pub gy: Image<f32>,
}

/// One structure on the CT grid.
#[derive(Debug, Clone, PartialEq)]
pub struct StructureMask {
    /// Name (the RT Struct ROI name, SEG segment label or label-map name of the case).
    pub name: String,
    /// What it is for.
    pub role: Role,
    /// The binary mask on the CT grid.
    pub mask: Mask,
}

/// CT, activity images, dose maps and structures, all on the CT grid ([`ViewerVolumes::grid`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ViewerVolumes {
    /// The common grid: the CT's.
    pub grid: Grid,
    /// The CT, HU (shared with the plan and the images the process keeps).
    pub ct_hu: Arc<Image<f32>>,
    /// The MAA SPECT as loaded (counts per SPECT voxel, not the calibrated activity map),
    /// interpolated onto the CT grid; None without a SPECT.
    pub maa_spect_counts: Option<Arc<Image<f32>>>,
    /// The Y-90 PET as loaded (Bq/mL at its reference time), interpolated onto the CT grid; None
    /// without a PET.
    pub y90_pet_bq_per_ml: Option<Arc<Image<f32>>>,
    /// The dose maps: each predicted session in order, then the delivered dose and the
    /// prediction at the delivered activity when there are.
    pub doses: Vec<DoseVolume>,
    /// The structures as loaded, in the plan's order (the derived normal liver is not among
    /// them: it is liver minus tumours); kept with the loaded images.
    pub structures: Arc<Vec<StructureMask>>,
}

/// `image` on `ct` (trilinear, 0 outside), through `ct_from_image` when the frames differ.
fn onto_ct(
    image: &Image<f32>,
    ct: &Grid,
    ct_from_image: Option<&Rigid>,
) -> Result<Image<f32>, VoxelPlanError> {
    if image.grid().same_as(ct) {
        return Ok(image.clone());
    }
    let t = source_from_target(&image.grid().frame, &ct.frame, ct_from_image)?;
    Ok(resample_linear(image, ct, &t, 0.0)?)
}

impl VoxelPlan {
    /// The volumes of a viewer on the CT grid: the CT, the MAA SPECT and the Y-90 PET, each dose
    /// map (predicted per session, delivered, predicted at the delivered activity) and the
    /// structure masks. Computed on the first call (the resampling takes a fraction of a second
    /// on the demo phantom) and kept with the plan: the report's slice figures and a viewer share
    /// them. Errors are internal.
    pub fn viewer_volumes(&self) -> Result<Arc<ViewerVolumes>, VoxelPlanError> {
        if let Some(v) = self.viewer.get() {
            return Ok(v.clone());
        }
        let v = Arc::new(self.compute_viewer_volumes()?);
        Ok(self.viewer.get_or_init(|| v).clone())
    }

    /// An image of the case (`what`: the SPECT or the PET, which no parameter changes) on the CT
    /// grid: kept with the loaded images for the next plan of the same images.
    fn image_on_ct(
        &self,
        what: &'static str,
        image: &Image<f32>,
        ct: &Grid,
        ct_from_image: Option<&Rigid>,
    ) -> Result<Arc<Image<f32>>, VoxelPlanError> {
        if let Some(i) = self
            .loaded
            .as_ref()
            .and_then(|l| l.on_ct(what, image.grid()))
        {
            return Ok(i);
        }
        let i = Arc::new(onto_ct(image, ct, ct_from_image)?);
        if let Some(l) = &self.loaded {
            l.keep_on_ct(what, image.grid(), i.clone());
        }
        Ok(i)
    }

    /// A dose map on the CT grid ([`onto_ct`]), scaled from one kept with the loaded images
    /// when it is a multiple of it (the resampling is linear).
    fn dose_on_ct(
        &self,
        dose: &Image<f32>,
        ct: &Grid,
        ct_from_image: Option<&Rigid>,
    ) -> Result<Image<f32>, VoxelPlanError> {
        match &self.loaded {
            Some(l) => l.dose_on_ct(dose, ct_from_image, |d| onto_ct(d, ct, ct_from_image)),
            None => onto_ct(dose, ct, ct_from_image),
        }
    }

    /// The structure masks on the CT grid `grid`.
    fn masks_on_ct(&self, grid: &Grid) -> Result<Vec<StructureMask>, VoxelPlanError> {
        let mut structures = Vec::with_capacity(self.structures.len());
        for s in self.structures.iter() {
            let mask = if s.mask.grid().same_as(grid) {
                s.mask.clone()
            } else {
                // A label map read in the CT's frame, on its own grid.
                let t = source_from_target(&s.mask.grid().frame, &grid.frame, None)?;
                resample_nearest(&s.mask, grid, &t, false)?
            };
            structures.push(StructureMask {
                name: s.name.clone(),
                role: s.role,
                mask,
            });
        }
        Ok(structures)
    }

    /// [`VoxelPlan::viewer_volumes`], computed.
    fn compute_viewer_volumes(&self) -> Result<ViewerVolumes, VoxelPlanError> {
        let grid = self.ct.grid().clone();
        let spect_reg = self.ct_from_spect.as_ref();
        let pet_reg = self.ct_from_pet.as_ref();
        let maa_spect_counts = match &self.maa_spect {
            Some(s) => Some(self.image_on_ct("spect", s, &grid, spect_reg)?),
            None => None,
        };
        let y90_pet_bq_per_ml = match &self.y90_pet {
            Some(p) => Some(self.image_on_ct("pet", p, &grid, pet_reg)?),
            None => None,
        };
        let mut doses = Vec::new();
        for p in &self.predicted {
            doses.push(DoseVolume {
                session: p.session.clone(),
                kind: DoseKind::Predicted,
                gy: self.dose_on_ct(&p.dosimetry.dose.gy, &grid, spect_reg)?,
            });
        }
        if let Some(dl) = &self.delivered {
            doses.push(DoseVolume {
                session: dl.session.clone(),
                kind: DoseKind::Delivered,
                gy: self.dose_on_ct(&dl.dosimetry.dose.gy, &grid, pet_reg)?,
            });
            if let Some(p) = &dl.predicted_at_delivered {
                doses.push(DoseVolume {
                    session: dl.session.clone(),
                    kind: DoseKind::PredictedAtDelivered,
                    gy: self.dose_on_ct(&p.dose.gy, &grid, spect_reg)?,
                });
            }
        }
        let structures = match &self.loaded {
            Some(l) => l.masks_on_ct(|| self.masks_on_ct(&grid))?,
            None => Arc::new(self.masks_on_ct(&grid)?),
        };
        Ok(ViewerVolumes {
            grid,
            ct_hu: self.ct.clone(),
            maa_spect_counts,
            y90_pet_bq_per_ml,
            doses,
            structures,
        })
    }
}
