//! A digital SIRT phantom with known truth: the test bed of voxel dosimetry and the demo images.
//!
//! | module | what |
//! |---|---|
//! | [`anatomy`] | analytic abdomen: body, spine, liver (two lobes, Couinaud segments by planes), lungs, stomach, tumours (one with a necrotic core, two below 2 mL), a gastric MAA deposit |
//! | [`rng`] | deterministic xoshiro256** with normal and Poisson samples |
//! | [`territories`] | the lobar perfused territories (right lobe V–VIII, left lobe II–IV) from the segments: [`Phantom::lobar_territories`] |
//! | this module | [`generate`]: CT (HU) and label maps on the CT grid; MAA and Y-90 activity maps; a 99mTc-MAA SPECT (own grid and offset, Gaussian blur, Poisson counts) and a Y-90 PET (Bq/mL, blur, noise) of a *different* delivered distribution; the [`GroundTruth`] |
//!
//! Truth is exact by construction: activity is assigned per CT voxel from the voxel's tissue,
//! so the activity of each compartment is the sum over its CT voxels, and the emission images are
//! made from those same voxels (binned onto the SPECT/PET grid, which conserves activity, then
//! blurred with a normalised kernel and given noise).
//!
//! ```
//! let p = sirt_phantom::generate(sirt_phantom::Preset::Small, 7).unwrap();
//! let t = &p.truth.maa;
//! let lsf = t.lung_mbq / (t.lung_mbq + t.liver_mbq);
//! assert!((lsf - t.lsf).abs() < 1e-12);
//! ```

pub mod anatomy;
pub mod rng;

use anatomy::{Anatomy, Tissue};
use rayon::prelude::*;
use rng::Rng;
use sirt_geometry::{
    ContinuousIndex, FrameOfReference, GeometryError, Grid, Image, PointLps, Rigid, bin_sum,
};

/// Frame of reference UID shared by the phantom's CT, SPECT and PET (a hybrid scanner frame);
/// the emission grids have their own spacing and a known offset.
pub const FRAME_OF_REFERENCE_UID: &str = "2.25.310544712301553846519374627914587162";

/// Half-life of Y-90 used for the PET decay, h (ICRP-107; as sirt-nuclides).
const Y90_HALF_LIFE_H: f64 = 64.1;
/// Y-90 positrons per decay, 31.86 × 10⁻⁶ (Selwyn et al., Med Phys 2007;34:3919) — sets the
/// PET noise level.
pub const Y90_POSITRON_YIELD: f64 = 31.86e-6;

/// Label values of the phantom's label map.
pub mod labels {
    /// Outside the body.
    pub const AIR: u16 = 0;
    /// Other body tissue.
    pub const BODY: u16 = 1;
    /// Spine.
    pub const BONE: u16 = 2;
    /// Lungs.
    pub const LUNG: u16 = 3;
    /// Stomach.
    pub const STOMACH: u16 = 4;
    /// Non-tumoural liver.
    pub const LIVER: u16 = 5;
    /// Viable tumour n is `TUMOUR_BASE + n` (n from 0).
    pub const TUMOUR_BASE: u16 = 10;
    /// Necrotic core of tumour n is `NECROSIS_BASE + n`.
    pub const NECROSIS_BASE: u16 = 30;
}

/// The lobar perfused territories of the phantom's liver, from its Couinaud segments: the
/// territory of a right and of a left hepatic artery injection. The label values of
/// [`Phantom::lobar_territories`].
pub mod territories {
    /// Right lobe: Couinaud segments V–VIII (right of Cantlie's line).
    pub const RIGHT_LOBE: u16 = 1;
    /// Left lobe: Couinaud segments II–IV (left of Cantlie's line).
    pub const LEFT_LOBE: u16 = 2;
    /// The right lobe's structure name (RT Struct ROI, SEG segment, case file).
    pub const RIGHT_LOBE_NAME: &str = "right lobe";
    /// The left lobe's structure name.
    pub const LEFT_LOBE_NAME: &str = "left lobe";

    /// The lobar territory of a Couinaud segment (1–8): V–VIII right, II–IV left. The caudate
    /// lobe (I) is in neither: it is supplied by branches of both the right and the left
    /// hepatic artery (Couinaud's functional anatomy), so a lobar injection is not taken to
    /// perfuse it — a design choice of the phantom.
    pub fn of_segment(segment: u16) -> Option<u16> {
        match segment {
            5..=8 => Some(RIGHT_LOBE),
            2..=4 => Some(LEFT_LOBE),
            _ => None,
        }
    }
}

/// Size presets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// 4 mm CT: fast, for tests.
    Small,
    /// 2 mm × 2 mm × 2.5 mm CT: the demo.
    Standard,
    /// 512 × 512 × 300 CT (0.78 × 0.6 × 1.0 mm): for loading and resampling benchmarks.
    Large,
}

impl std::str::FromStr for Preset {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "small" => Ok(Preset::Small),
            "standard" => Ok(Preset::Standard),
            "large" => Ok(Preset::Large),
            other => Err(format!(
                "unknown preset \"{other}\"; presets: small, standard, large"
            )),
        }
    }
}

/// Acquisition parameters (stated in the truth file).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Acquisition {
    /// MAA activity in the patient at the SPECT acquisition, MBq.
    pub maa_mbq: f64,
    /// MAA lung shunt fraction: lung / (lung + liver).
    pub maa_lsf: f64,
    /// Fraction of the MAA activity in the gastric deposit.
    pub maa_gi_fraction: f64,
    /// SPECT voxel spacing, mm.
    pub spect_spacing_mm: f64,
    /// SPECT resolution (FWHM of the Gaussian blur), mm.
    pub spect_fwhm_mm: f64,
    /// SPECT counts per MBq per second in the reconstruction (system sensitivity).
    pub spect_sensitivity_cps_per_mbq: f64,
    /// SPECT acquisition duration, s.
    pub spect_duration_s: f64,
    /// SPECT grid offset from the CT grid centre, mm.
    pub spect_offset_mm: [f64; 3],
    /// Y-90 activity delivered at administration, GBq.
    pub y90_gbq: f64,
    /// Y-90 lung shunt fraction of the delivered distribution.
    pub y90_lsf: f64,
    /// PET acquisition start after administration, h.
    pub pet_delay_h: f64,
    /// PET voxel spacing, mm.
    pub pet_spacing_mm: f64,
    /// PET resolution (FWHM), mm.
    pub pet_fwhm_mm: f64,
    /// Detected fraction of the positrons (scanner efficiency) [assumed].
    pub pet_efficiency: f64,
    /// PET duration, s.
    pub pet_duration_s: f64,
    /// PET grid offset from the CT grid centre, mm.
    pub pet_offset_mm: [f64; 3],
    /// CT noise (standard deviation), HU.
    pub ct_noise_hu: f64,
}

impl Default for Acquisition {
    fn default() -> Self {
        Self {
            maa_mbq: 150.0,
            maa_lsf: 0.06,
            maa_gi_fraction: 0.008,
            spect_spacing_mm: 4.42,
            spect_fwhm_mm: 13.0,
            spect_sensitivity_cps_per_mbq: 9.5,
            spect_duration_s: 1200.0,
            spect_offset_mm: [1.7, -2.3, 3.1],
            y90_gbq: 1.9,
            y90_lsf: 0.045,
            pet_delay_h: 20.0,
            pet_spacing_mm: 4.0,
            pet_fwhm_mm: 8.0,
            pet_efficiency: 0.05,
            pet_duration_s: 1800.0,
            pet_offset_mm: [-1.1, 0.9, -2.0],
            ct_noise_hu: 12.0,
        }
    }
}

/// One compartment of an activity distribution.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Compartment {
    /// Name ("liver", "T1", "lungs", "gi_deposit").
    pub name: String,
    /// Label value in the label map (the GI deposit lies in the stomach).
    pub label: u16,
    /// Volume on the CT grid, mL.
    pub volume_ml: f64,
    /// Activity, MBq.
    pub activity_mbq: f64,
    /// Concentration, MBq/mL.
    pub concentration_mbq_per_ml: f64,
}

/// The truth of one distribution.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DistributionTruth {
    /// Total activity, MBq.
    pub total_mbq: f64,
    /// Activity in the liver (normal liver + tumours), MBq.
    pub liver_mbq: f64,
    /// Activity in the lungs, MBq.
    pub lung_mbq: f64,
    /// Lung shunt fraction lung / (lung + liver).
    pub lsf: f64,
    /// Compartments.
    pub compartments: Vec<Compartment>,
    /// Tumour-to-normal ratio of each viable tumour (concentration ratio).
    pub tnr: Vec<(String, f64)>,
}

/// Everything known about the phantom.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GroundTruth {
    /// Research-use notice.
    pub notice: String,
    /// Preset.
    pub preset: Preset,
    /// Seed.
    pub seed: u64,
    /// Frame of reference UID of all images.
    pub frame_of_reference_uid: String,
    /// The anatomy (shapes in LPS mm).
    pub anatomy: Anatomy,
    /// Acquisition parameters.
    pub acquisition: Acquisition,
    /// Structure volumes on the CT grid, mL.
    pub volumes_ml: Vec<(String, f64)>,
    /// MAA distribution at the SPECT acquisition.
    pub maa: DistributionTruth,
    /// Y-90 distribution at administration.
    pub y90: DistributionTruth,
    /// Expected and actual SPECT total counts.
    pub spect_counts: (f64, f64),
}

/// A generated phantom.
#[derive(Debug, Clone)]
pub struct Phantom {
    /// CT, HU.
    pub ct: Image<f32>,
    /// Labels (see [`labels`]).
    pub labels: Image<u16>,
    /// Couinaud segments of the liver (1–8, 0 outside the liver).
    pub segments: Image<u16>,
    /// True MAA activity per CT voxel, MBq (at acquisition).
    pub maa_activity: Image<f32>,
    /// True Y-90 activity per CT voxel, MBq (at administration).
    pub y90_activity: Image<f32>,
    /// MAA SPECT, counts per voxel.
    pub spect: Image<f32>,
    /// Y-90 PET, Bq/mL at the scan start (not decay corrected).
    pub pet: Image<f32>,
    /// Truth.
    pub truth: GroundTruth,
}

impl Phantom {
    /// The lobar territories on the CT grid ([`territories`]: 1 right lobe, segments V–VIII;
    /// 2 left lobe, II–IV; 0 elsewhere, the caudate lobe included), from [`Phantom::segments`].
    pub fn lobar_territories(&self) -> Image<u16> {
        self.segments
            .map(|s| territories::of_segment(s).unwrap_or(0))
    }
}

/// A failure to generate: a grid or an image of the phantom that cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("phantom: cannot build {what}")]
pub struct PhantomError {
    /// What could not be built (`the CT grid`, `the SPECT image`, ...).
    pub what: &'static str,
    /// Why the grid or the image was refused.
    #[source]
    pub source: GeometryError,
}

/// The error of `what` that its geometry refused.
fn cannot_build(what: &'static str) -> impl FnOnce(GeometryError) -> PhantomError {
    move |source| PhantomError { what, source }
}

fn ct_grid(preset: Preset, frame: &FrameOfReference) -> Result<Grid, PhantomError> {
    let (dims, spacing) = match preset {
        Preset::Small => ([88, 64, 60], [4.0, 4.0, 4.0]),
        Preset::Standard => ([176, 128, 96], [2.0, 2.0, 2.5]),
        Preset::Large => ([512, 512, 300], [0.78, 0.6, 1.0]),
    };
    centred_grid(dims, spacing, [0.0, 5.0, 0.0], frame, "the CT grid")
}

fn centred_grid(
    dims: [usize; 3],
    spacing: [f64; 3],
    centre: [f64; 3],
    frame: &FrameOfReference,
    what: &'static str,
) -> Result<Grid, PhantomError> {
    let origin = PointLps::new(
        centre[0] - (dims[0] as f64 - 1.0) * spacing[0] / 2.0,
        centre[1] - (dims[1] as f64 - 1.0) * spacing[1] / 2.0,
        centre[2] - (dims[2] as f64 - 1.0) * spacing[2] / 2.0,
    );
    Grid::axis_aligned(dims, spacing, origin, frame.clone()).map_err(cannot_build(what))
}

/// An emission grid (`what` names it) covering the CT extent with `spacing`, shifted by
/// `offset`.
fn emission_grid(
    ct: &Grid,
    spacing: f64,
    offset: [f64; 3],
    what: &'static str,
) -> Result<Grid, PhantomError> {
    let mut dims = [0usize; 3];
    let mut centre = [0.0; 3];
    let o = ct.origin.to_array();
    for c in 0..3 {
        let extent = ct.dims[c] as f64 * ct.spacing_mm[c];
        dims[c] = (extent / spacing).ceil() as usize + 2;
        centre[c] = o[c] + (ct.dims[c] as f64 - 1.0) * ct.spacing_mm[c] / 2.0 + offset[c];
    }
    centred_grid(dims, [spacing; 3], centre, &ct.frame, what)
}

fn label_of(t: Tissue) -> u16 {
    match t {
        Tissue::Air => labels::AIR,
        Tissue::Body => labels::BODY,
        Tissue::Bone => labels::BONE,
        Tissue::Lung => labels::LUNG,
        Tissue::Stomach => labels::STOMACH,
        Tissue::Liver => labels::LIVER,
        Tissue::Tumour(n) => labels::TUMOUR_BASE + n as u16,
        Tissue::Necrosis(n) => labels::NECROSIS_BASE + n as u16,
    }
}

/// HU of a tissue (contrast-enhanced arterial phase; illustrative values).
fn hu_of(label: u16) -> f64 {
    match label {
        labels::AIR => -1000.0,
        labels::BODY => 35.0,
        labels::BONE => 700.0,
        labels::LUNG => -820.0,
        labels::STOMACH => 25.0,
        labels::LIVER => 60.0,
        l if (labels::TUMOUR_BASE..labels::NECROSIS_BASE).contains(&l) => 95.0,
        _ => 15.0,
    }
}

/// Runs `f(i, j, k, point)` for every voxel of `grid`, slices in parallel.
fn per_voxel<T: Send + Copy + Default>(grid: &Grid, f: impl Fn(PointLps) -> T + Sync) -> Vec<T> {
    let [nx, ny, _] = grid.dims;
    let mut out = vec![T::default(); grid.len()];
    out.par_chunks_mut(nx * ny)
        .enumerate()
        .for_each(|(k, slice)| {
            for j in 0..ny {
                for i in 0..nx {
                    slice[i + nx * j] =
                        f(grid.patient_from_index(ContinuousIndex::of_voxel(i, j, k)));
                }
            }
        });
    out
}

/// Concentration per label and the per-voxel activity (MBq) of a distribution.
struct Distribution {
    truth: DistributionTruth,
    per_voxel_mbq: Vec<f32>,
}

#[allow(clippy::too_many_arguments)]
/// Builds a distribution: `liver_mbq` over normal liver and viable tumours by `tnr`, `lung_mbq`
/// uniform in the lungs, `gi_mbq` uniform in the gastric deposit voxels.
fn distribute(
    anatomy: &Anatomy,
    labels: &[u16],
    gi_voxels: &[bool],
    voxel_ml: f64,
    liver_mbq: f64,
    lung_mbq: f64,
    gi_mbq: f64,
    tnr: &[f64],
) -> Distribution {
    let count = |l: u16| labels.iter().filter(|&&x| x == l).count() as f64;
    let v_normal = count(labels::LIVER) * voxel_ml;
    let v_tumours: Vec<f64> = (0..anatomy.tumours.len())
        .map(|n| count(labels::TUMOUR_BASE + n as u16) * voxel_ml)
        .collect();
    let v_lung = count(labels::LUNG) * voxel_ml;
    let v_gi = gi_voxels.iter().filter(|&&b| b).count() as f64 * voxel_ml;
    let weighted = v_normal + v_tumours.iter().zip(tnr).map(|(v, t)| v * t).sum::<f64>();
    let c_normal = liver_mbq / weighted;
    let c_lung = if v_lung > 0.0 { lung_mbq / v_lung } else { 0.0 };
    let c_gi = if v_gi > 0.0 { gi_mbq / v_gi } else { 0.0 };
    let per_voxel_mbq: Vec<f32> = labels
        .iter()
        .zip(gi_voxels)
        .map(|(&l, &gi)| {
            let c = if gi {
                c_gi
            } else if l == labels::LIVER {
                c_normal
            } else if l == labels::LUNG {
                c_lung
            } else if (labels::TUMOUR_BASE..labels::NECROSIS_BASE).contains(&l) {
                c_normal * tnr[(l - labels::TUMOUR_BASE) as usize]
            } else {
                0.0
            };
            (c * voxel_ml) as f32
        })
        .collect();
    // Truth from the voxels themselves (f64 sums of the f32 voxel values).
    let sum_where = |pred: &dyn Fn(usize) -> bool| -> f64 {
        per_voxel_mbq
            .iter()
            .enumerate()
            .filter(|(n, _)| pred(*n))
            .map(|(_, &a)| f64::from(a))
            .sum()
    };
    let mut compartments = vec![];
    let normal_a = sum_where(&|n| labels[n] == labels::LIVER && !gi_voxels[n]);
    compartments.push(Compartment {
        name: "normal_liver".into(),
        label: labels::LIVER,
        volume_ml: v_normal,
        activity_mbq: normal_a,
        concentration_mbq_per_ml: normal_a / v_normal,
    });
    let mut tumour_total = 0.0;
    for (n, t) in anatomy.tumours.iter().enumerate() {
        let l = labels::TUMOUR_BASE + n as u16;
        let a = sum_where(&|m| labels[m] == l);
        tumour_total += a;
        compartments.push(Compartment {
            name: t.id.clone(),
            label: l,
            volume_ml: v_tumours[n],
            activity_mbq: a,
            concentration_mbq_per_ml: if v_tumours[n] > 0.0 {
                a / v_tumours[n]
            } else {
                0.0
            },
        });
    }
    let lung_a = sum_where(&|n| labels[n] == labels::LUNG && !gi_voxels[n]);
    compartments.push(Compartment {
        name: "lungs".into(),
        label: labels::LUNG,
        volume_ml: v_lung,
        activity_mbq: lung_a,
        concentration_mbq_per_ml: if v_lung > 0.0 { lung_a / v_lung } else { 0.0 },
    });
    let gi_a = sum_where(&|n| gi_voxels[n]);
    compartments.push(Compartment {
        name: "gi_deposit".into(),
        label: labels::STOMACH,
        volume_ml: v_gi,
        activity_mbq: gi_a,
        concentration_mbq_per_ml: if v_gi > 0.0 { gi_a / v_gi } else { 0.0 },
    });
    let liver_total = normal_a + tumour_total;
    let total = liver_total + lung_a + gi_a;
    let tnr_truth = anatomy
        .tumours
        .iter()
        .enumerate()
        .map(|(n, t)| {
            (
                t.id.clone(),
                compartments[n + 1].concentration_mbq_per_ml
                    / compartments[0].concentration_mbq_per_ml,
            )
        })
        .collect();
    Distribution {
        truth: DistributionTruth {
            total_mbq: total,
            liver_mbq: liver_total,
            lung_mbq: lung_a,
            lsf: lung_a / (lung_a + liver_total),
            compartments,
            tnr: tnr_truth,
        },
        per_voxel_mbq,
    }
}

/// Separable Gaussian blur (normalised kernel truncated at 4σ, zero outside the grid).
pub fn gaussian_blur(grid: &Grid, data: &[f64], fwhm_mm: f64) -> Vec<f64> {
    let mut cur = data.to_vec();
    for axis in 0..3 {
        let sigma = fwhm_mm / (2.0 * (2.0 * 2f64.ln()).sqrt()) / grid.spacing_mm[axis];
        let radius = (4.0 * sigma).ceil() as isize;
        let kernel: Vec<f64> = (-radius..=radius)
            .map(|d| (-(d as f64).powi(2) / (2.0 * sigma * sigma)).exp())
            .collect();
        let norm: f64 = kernel.iter().sum();
        let kernel: Vec<f64> = kernel.iter().map(|k| k / norm).collect();
        let [nx, ny, nz] = grid.dims;
        let n = [nx, ny, nz][axis] as isize;
        let stride = [1, nx, nx * ny][axis];
        let mut next = vec![0.0; cur.len()];
        next.par_iter_mut().enumerate().for_each(|(o, out)| {
            let pos = ((o / stride) % n as usize) as isize;
            let mut acc = 0.0;
            for (m, &kv) in kernel.iter().enumerate() {
                let q = pos + m as isize - radius;
                if q >= 0 && q < n {
                    let src = (o as isize + (q - pos) * stride as isize) as usize;
                    acc += kv * cur[src];
                }
            }
            *out = acc;
        });
        cur = next;
    }
    cur
}

/// Generates a phantom.
pub fn generate(preset: Preset, seed: u64) -> Result<Phantom, PhantomError> {
    let anatomy = Anatomy::standard();
    let acq = Acquisition::default();
    let frame = FrameOfReference(FRAME_OF_REFERENCE_UID.to_owned());
    let ct_grid = ct_grid(preset, &frame)?;
    let voxel_ml = ct_grid.voxel_volume_mm3() / 1000.0;
    let rng = Rng::new(seed);

    let label_data: Vec<u16> = per_voxel(&ct_grid, |p| label_of(anatomy.tissue_at(p)));
    let segment_data: Vec<u16> = per_voxel(&ct_grid, |p| match anatomy.tissue_at(p) {
        Tissue::Liver | Tissue::Tumour(_) | Tissue::Necrosis(_) => u16::from(anatomy.segment_at(p)),
        _ => 0,
    });
    let gi_voxels: Vec<bool> = per_voxel(&ct_grid, |p| {
        anatomy.gi_deposit.contains(p) && anatomy.tissue_at(p) == Tissue::Stomach
    });
    let ct_data = ct_hu(&ct_grid, &label_data, &acq, &rng);

    // MAA: GI deposit, then LSF = lung / (lung + liver) of the rest.
    let maa_gi = acq.maa_mbq * acq.maa_gi_fraction;
    let maa_rest = acq.maa_mbq - maa_gi;
    let tnr_maa: Vec<f64> = anatomy.tumours.iter().map(|t| t.tnr_maa).collect();
    let maa = distribute(
        &anatomy,
        &label_data,
        &gi_voxels,
        voxel_ml,
        maa_rest * (1.0 - acq.maa_lsf),
        maa_rest * acq.maa_lsf,
        maa_gi,
        &tnr_maa,
    );
    // Y-90 delivered: its own TNR and LSF, no GI deposit.
    let y90_mbq = acq.y90_gbq * 1000.0;
    let tnr_y90: Vec<f64> = anatomy.tumours.iter().map(|t| t.tnr_y90).collect();
    let no_gi = vec![false; label_data.len()];
    let y90 = distribute(
        &anatomy,
        &label_data,
        &no_gi,
        voxel_ml,
        y90_mbq * (1.0 - acq.y90_lsf),
        y90_mbq * acq.y90_lsf,
        0.0,
        &tnr_y90,
    );

    let (spect_grid, spect_data) = simulate_spect(&ct_grid, &maa.per_voxel_mbq, &acq, &rng)?;
    let counts_per_mbq = acq.spect_sensitivity_cps_per_mbq * acq.spect_duration_s;
    let expected_counts = maa.truth.total_mbq * counts_per_mbq;
    let actual_counts: f64 = spect_data.iter().map(|&c| f64::from(c)).sum();
    let (pet_grid, pet_data) = simulate_pet(&ct_grid, &y90.per_voxel_mbq, &acq, &rng)?;
    let volumes_ml = structure_volumes(&anatomy, &label_data, &segment_data, voxel_ml);

    let img = |what: &'static str, g: &Grid, d: Vec<f32>| {
        Image::new(g.clone(), d).map_err(cannot_build(what))
    };
    let truth = GroundTruth {
        notice: "sirtplan digital phantom, synthetic data for research and testing only".into(),
        preset,
        seed,
        frame_of_reference_uid: FRAME_OF_REFERENCE_UID.into(),
        anatomy: anatomy.clone(),
        acquisition: acq,
        volumes_ml,
        maa: maa.truth,
        y90: y90.truth,
        spect_counts: (expected_counts, actual_counts),
    };
    Ok(Phantom {
        ct: img("the CT image", &ct_grid, ct_data)?,
        labels: Image::new(ct_grid.clone(), label_data).map_err(cannot_build("the label map"))?,
        segments: Image::new(ct_grid.clone(), segment_data)
            .map_err(cannot_build("the segment map"))?,
        maa_activity: img("the MAA activity image", &ct_grid, maa.per_voxel_mbq)?,
        y90_activity: img("the Y-90 activity image", &ct_grid, y90.per_voxel_mbq)?,
        spect: img("the SPECT image", &spect_grid, spect_data)?,
        pet: img("the PET image", &pet_grid, pet_data)?,
        truth,
    })
}

/// CT: tissue HU plus Gaussian noise (one stream per slice, deterministic).
fn ct_hu(ct_grid: &Grid, label_data: &[u16], acq: &Acquisition, rng: &Rng) -> Vec<f32> {
    let [nx, ny, _] = ct_grid.dims;
    let mut ct_data = vec![0f32; ct_grid.len()];
    ct_data
        .par_chunks_mut(nx * ny)
        .enumerate()
        .for_each(|(k, slice)| {
            let mut r = rng.fork(1_000_000 + k as u64);
            for (m, v) in slice.iter_mut().enumerate() {
                let l = label_data[k * nx * ny + m];
                let noise = if l == labels::AIR {
                    0.0
                } else {
                    acq.ct_noise_hu * r.normal()
                };
                *v = (hu_of(l) + noise) as f32;
            }
        });
    ct_data
}

/// The activity on the CT grid (MBq per voxel) binned onto an emission grid and blurred.
fn binned_and_blurred(
    ct_grid: &Grid,
    mbq: &[f32],
    grid: &Grid,
    fwhm_mm: f64,
) -> Result<Vec<f64>, PhantomError> {
    let identity = Rigid::identity(ct_grid.frame.clone(), ct_grid.frame.clone());
    let on_ct = Image::new(ct_grid.clone(), mbq.to_vec())
        .map_err(cannot_build("the activity image on the CT grid"))?;
    let binned = bin_sum(&on_ct, grid, &identity)
        .map_err(cannot_build("the activity binned onto the emission grid"))?
        .into_parts()
        .1;
    Ok(gaussian_blur(grid, &binned, fwhm_mm))
}

/// SPECT of the MAA activity: bin, blur, expected counts, Poisson.
fn simulate_spect(
    ct_grid: &Grid,
    maa_mbq: &[f32],
    acq: &Acquisition,
    rng: &Rng,
) -> Result<(Grid, Vec<f32>), PhantomError> {
    let spect_grid = emission_grid(
        ct_grid,
        acq.spect_spacing_mm,
        acq.spect_offset_mm,
        "the SPECT grid",
    )?;
    let blurred = binned_and_blurred(ct_grid, maa_mbq, &spect_grid, acq.spect_fwhm_mm)?;
    let counts_per_mbq = acq.spect_sensitivity_cps_per_mbq * acq.spect_duration_s;
    let mut r = rng.fork(2);
    let spect_data: Vec<f32> = blurred
        .iter()
        .map(|&a| r.poisson(a * counts_per_mbq) as f32)
        .collect();
    Ok((spect_grid, spect_data))
}

/// PET of the Y-90 activity: activity at the scan, bin, blur, counts from positrons, Poisson,
/// back to Bq/mL.
fn simulate_pet(
    ct_grid: &Grid,
    y90_mbq: &[f32],
    acq: &Acquisition,
    rng: &Rng,
) -> Result<(Grid, Vec<f32>), PhantomError> {
    let pet_grid = emission_grid(
        ct_grid,
        acq.pet_spacing_mm,
        acq.pet_offset_mm,
        "the PET grid",
    )?;
    let decay = (-(2f64.ln()) * acq.pet_delay_h / Y90_HALF_LIFE_H).exp();
    let blurred = binned_and_blurred(ct_grid, y90_mbq, &pet_grid, acq.pet_fwhm_mm)?;
    let counts_per_bq = Y90_POSITRON_YIELD * acq.pet_efficiency * acq.pet_duration_s;
    let pet_voxel_ml = pet_grid.voxel_volume_mm3() / 1000.0;
    let mut r = rng.fork(3);
    let pet_data: Vec<f32> = blurred
        .iter()
        .map(|&a_mbq| {
            let bq = a_mbq * 1e6 * decay;
            (r.poisson(bq * counts_per_bq) / counts_per_bq / pet_voxel_ml) as f32
        })
        .collect();
    Ok((pet_grid, pet_data))
}

/// Volumes of the body, liver, lungs, stomach, each tumour (necrosis included) and each
/// Couinaud segment, in mL.
fn structure_volumes(
    anatomy: &Anatomy,
    label_data: &[u16],
    segment_data: &[u16],
    voxel_ml: f64,
) -> Vec<(String, f64)> {
    let mut volumes_ml = vec![
        (
            "body".to_owned(),
            label_data.iter().filter(|&&l| l != labels::AIR).count() as f64 * voxel_ml,
        ),
        (
            "liver".to_owned(),
            label_data
                .iter()
                .filter(|&&l| l == labels::LIVER || l >= labels::TUMOUR_BASE)
                .count() as f64
                * voxel_ml,
        ),
        (
            "lungs".to_owned(),
            label_data.iter().filter(|&&l| l == labels::LUNG).count() as f64 * voxel_ml,
        ),
        (
            "stomach".to_owned(),
            label_data.iter().filter(|&&l| l == labels::STOMACH).count() as f64 * voxel_ml,
        ),
    ];
    for (n, t) in anatomy.tumours.iter().enumerate() {
        let l = labels::TUMOUR_BASE + n as u16;
        let nl = labels::NECROSIS_BASE + n as u16;
        let v = label_data.iter().filter(|&&x| x == l || x == nl).count() as f64 * voxel_ml;
        volumes_ml.push((t.id.clone(), v));
    }
    for s in 1..=8u16 {
        volumes_ml.push((
            format!("segment {s}"),
            segment_data.iter().filter(|&&x| x == s).count() as f64 * voxel_ml,
        ));
    }
    volumes_ml
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_grid_names_what_and_keeps_its_cause() {
        let frame = FrameOfReference(FRAME_OF_REFERENCE_UID.into());
        let e =
            centred_grid([4, 4, 4], [0.0, 1.0, 1.0], [0.0; 3], &frame, "the CT grid").unwrap_err();
        assert_eq!(e.to_string(), "phantom: cannot build the CT grid");
        let cause = std::error::Error::source(&e).expect("the geometry error is the source");
        assert!(!e.to_string().contains(&cause.to_string()));
    }
}
