//! [`run`]: activity image + density + structures → dose map and per-structure metrics.
//!
//! Steps (the dose grid is the activity image's own grid, never resampled: counts and Bq/mL keep
//! their totals):
//! 1. structures on the dose grid with partial-volume fractions ([`crate::pipeline::structures`]);
//! 2. density on the dose grid ([`crate::pipeline::density`]);
//! 3. activity map A₀ (`crate::physics::activity`, A1–A3): MAA-predictive (whole liver, or one
//!    calibration per perfused territory, each holding A_i (1 − LSF_i)), PET decay-corrected to
//!    the administration, or self-calibrated to the delivered activity in liver + lungs;
//! 4. dose by the chosen engine (E2 LDM, or E3 DVK with the Y-90 kernel integrated for the dose
//!    grid's voxel size from the Graves dose point kernel scaled to 1.04 g/mL);
//! 5. per structure: mass-weighted DVH and metrics (H1–H4) and the partition-model value from
//!    the same masks, D_part = K · A_s / M_s with A_s = Σ f a and M_s = Σ f ρ V (with LDM the
//!    mass-weighted voxel mean equals it exactly; with a kernel the difference is the energy that
//!    crosses the structure's border, shown per structure).

use crate::physics::activity::{
    CalibrationReport, maa_predictive, pet_decay_corrected, self_calibrated,
};
use crate::physics::beta::{BetaSpectrum, ScaledElectronKernel};
use crate::physics::dvh::{Dvh, dvh};
use crate::physics::engine::{
    ActivityMap, DoseEngine, DoseMap, KernelConvolution, LocalDeposition,
};
use crate::physics::kernel::{PointKernel, VoxelKernel};
use crate::pipeline::DosimetryError;
use crate::pipeline::density::{DensityInput, density_on};
use crate::pipeline::structures::Structure;
use crate::pipeline::structures::{OnGrid, Role, SMALL_LESION_ML, find, on_grid};
use sirt_geometry::{FractionalMask, Image, Rigid};
use sirt_nuclides::{Coefficient, Nuclide};
use sirt_units::{Activity, Fraction, Instant};

/// Density of the soft-tissue medium the Y-90 water dose point kernel is scaled to (g/mL): ICRP
/// 110 / ICRU 44 soft tissue ≈ 1.04, the medium of the Lanconelli et al. 2012 voxel S values
/// (Phys Med Biol 57:517, doi:10.1088/0031-9155/57/2/517) against which the kernel is validated.
pub const KERNEL_MEDIUM_G_PER_ML: f64 = 1.04;

/// One perfused territory of an MAA-predictive map: the counts inside the territory structure
/// are scaled so that it holds `administered` · (1 − `lsf`).
#[derive(Debug, Clone, PartialEq)]
pub struct Territory {
    /// The name of the [`Role::Territory`] structure.
    pub structure: String,
    /// Activity administered into it.
    pub administered: Activity,
    /// Its lung shunt fraction.
    pub lsf: Fraction,
}

/// Where the activity comes from.
#[derive(Debug, Clone)]
pub enum ActivityInput<'a> {
    /// 99mTc-MAA SPECT counts as a prediction (A1). Without territories the liver structure
    /// holds `administered` · (1 − `lsf`); with territories each holds its own share, and
    /// counts outside every territory are left out (reported).
    MaaPredictive {
        /// SPECT counts.
        counts: &'a Image<f32>,
        /// Administered activity (all injections of the session).
        administered: Activity,
        /// Lung shunt fraction.
        lsf: Fraction,
        /// Per-territory calibration (optional).
        territories: Vec<Territory>,
    },
    /// Y-90 PET in Bq/mL referenced to `reference` (A2).
    Pet {
        /// Bq/mL.
        bq_per_ml: &'a Image<f32>,
        /// The instant the values refer to (decay-correction reference, or scan start).
        reference: Instant,
        /// The administration.
        administration: Instant,
    },
    /// Any image scaled so that liver + lungs hold the delivered activity (A3; bremsstrahlung
    /// SPECT, Ho-166 SPECT, or a PET without reliable calibration).
    SelfCalibrated {
        /// Counts or Bq/mL.
        image: &'a Image<f32>,
        /// Delivered activity (vial − residual, decayed to the administration).
        delivered: Activity,
    },
}

/// The dose engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EngineChoice {
    /// E2.
    LocalDeposition,
    /// E3, Y-90 only.
    Kernel,
}

/// A voxel dosimetry request.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// Activity.
    pub activity: ActivityInput<'a>,
    /// Density.
    pub density: DensityInput<'a>,
    /// Structures (binary, on their own grids).
    pub structures: &'a [Structure],
    /// Registration between the structures' / CT's frame and the activity image's frame, when
    /// they differ (either direction).
    pub registration: Option<&'a Rigid>,
    /// K and its convention (LDM coefficient, kernel normalisation).
    pub k: Coefficient,
    /// Engine.
    pub engine: EngineChoice,
    /// DVH bin width, Gy.
    pub bin_gy: f64,
    /// D_x levels, %.
    pub dx_percent: Vec<f64>,
    /// V_x levels, Gy.
    pub vx_gy: Vec<f64>,
}

/// The dose of one structure.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StructureDose {
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Volume as drawn (on its own grid), mL.
    pub drawn_volume_ml: f64,
    /// Activity inside it (Σ f a), MBq at administration.
    pub activity_mbq: f64,
    /// Partition-model dose from the same masks, K · A / M, Gy.
    pub partition_gy: f64,
    /// (voxel mean − partition) / partition.
    pub voxel_vs_partition: f64,
    /// DVH and metrics on the dose grid (mass-weighted).
    pub dvh: Dvh,
    /// Below [`SMALL_LESION_ML`]: partial volume biases its dose (tumours only).
    pub small_lesion: bool,
}

/// The result of [`run`].
#[derive(Debug, Clone)]
pub struct VoxelDosimetry {
    /// The activity map (A₀).
    pub activity: ActivityMap,
    /// How it was calibrated.
    pub calibration: CalibrationReport,
    /// The dose map and its energy balance.
    pub dose: DoseMap,
    /// Density on the dose grid, g/mL.
    pub density: Image<f32>,
    /// Per structure (in the order given, then the derived normal liver).
    pub structures: Vec<StructureDose>,
    /// The structures' fractions on the dose grid (same order).
    pub fractions: Vec<FractionalMask>,
    /// Provenance and corrections, for the report.
    pub notes: Vec<String>,
}

impl VoxelDosimetry {
    /// The dose of the structure named `name`.
    pub fn structure(&self, name: &str) -> Option<&StructureDose> {
        self.structures.iter().find(|s| s.name == name)
    }
}

fn union(a: &FractionalMask, b: Option<&FractionalMask>) -> Result<FractionalMask, DosimetryError> {
    let data = match b {
        Some(b) => a
            .data()
            .iter()
            .zip(b.data())
            .map(|(x, y)| (x + y).min(1.0))
            .collect(),
        None => a.data().to_vec(),
    };
    Ok(Image::new(a.grid().clone(), data)?)
}

fn activity_map(
    input: &ActivityInput<'_>,
    on: &[OnGrid],
    k: &Coefficient,
) -> Result<(ActivityMap, CalibrationReport), DosimetryError> {
    let nuclide = k.nuclide;
    let lungs = on
        .iter()
        .find(|s| s.role == Role::Lungs)
        .map(|s| &s.fractions);
    match input {
        ActivityInput::MaaPredictive {
            counts,
            administered,
            lsf,
            territories,
        } => {
            if territories.is_empty() {
                let liver = find(on, Role::Liver)?;
                return Ok(maa_predictive(
                    counts,
                    &liver.fractions,
                    lungs,
                    *administered,
                    *lsf,
                    nuclide,
                    k.clone(),
                )?);
            }
            // One calibration per territory, each on the counts inside it; the lungs receive the
            // sum of A_i · LSF_i (each call spreads its own share uniformly).
            let mut total: Vec<f32> = vec![0.0; counts.data().len()];
            let mut notes = Vec::new();
            let mut clamped = 0.0;
            let mut inside = 0.0f64;
            let all: f64 = counts.data().iter().map(|&c| f64::from(c.max(0.0))).sum();
            for t in territories {
                let s = on
                    .iter()
                    .find(|s| s.name == t.structure && s.role == Role::Territory)
                    .ok_or_else(|| DosimetryError::Structure {
                        name: t.structure.clone(),
                        what: "is named as a perfused territory but no territory structure has this name".into(),
                    })?;
                let masked: Vec<f32> = counts
                    .data()
                    .iter()
                    .zip(s.fractions.data())
                    .map(|(&c, &f)| c * f)
                    .collect();
                inside += masked.iter().map(|&c| f64::from(c.max(0.0))).sum::<f64>();
                let masked = Image::new(counts.grid().clone(), masked)?;
                let (m, r) = maa_predictive(
                    &masked,
                    &s.fractions,
                    lungs,
                    t.administered,
                    t.lsf,
                    nuclide,
                    k.clone(),
                )?;
                for (a, b) in total.iter_mut().zip(m.mbq.data()) {
                    *a += b;
                }
                clamped += r.clamped_negative;
                notes.push(format!(
                    "territory \"{}\": {}",
                    t.structure,
                    r.notes.join("; ")
                ));
            }
            let outside = if all > 0.0 { 1.0 - inside / all } else { 0.0 };
            notes.push(format!(
                "{:.2} % of the SPECT counts lie outside every perfused territory and are not in the map",
                outside * 100.0
            ));
            let map = ActivityMap {
                mbq: Image::new(counts.grid().clone(), total)?,
                nuclide,
                k: k.clone(),
                provenance: notes.clone(),
            };
            Ok((
                map,
                CalibrationReport {
                    scale: f64::NAN,
                    outside_fraction: outside,
                    clamped_negative: clamped,
                    notes,
                },
            ))
        }
        ActivityInput::Pet {
            bq_per_ml,
            reference,
            administration,
        } => Ok(pet_decay_corrected(
            bq_per_ml,
            reference,
            administration,
            nuclide,
            k.clone(),
        )?),
        ActivityInput::SelfCalibrated { image, delivered } => {
            let liver = find(on, Role::Liver)?;
            let region = union(&liver.fractions, lungs)?;
            Ok(self_calibrated(
                image,
                &region,
                *delivered,
                nuclide,
                k.clone(),
            )?)
        }
    }
}

fn activity_grid<'a>(input: &'a ActivityInput<'_>) -> &'a Image<f32> {
    match input {
        ActivityInput::MaaPredictive { counts, .. } => counts,
        ActivityInput::Pet { bq_per_ml, .. } => bq_per_ml,
        ActivityInput::SelfCalibrated { image, .. } => image,
    }
}

/// The dose point kernel of a nuclide in water: Y-90 the Graves et al. 2019 Monte Carlo kernel;
/// Ho-166 built from its ICRP-107 β spectrum (`crate::physics::beta`, B1–B3: the method reproduces
/// Lanconelli's Sr-89 and Re-188 voxel S values within 1 % at the centre voxel). Other nuclides
/// have none.
pub fn point_kernel(nuclide: Nuclide) -> Result<PointKernel, DosimetryError> {
    match nuclide {
        Nuclide::Y90 => Ok(PointKernel::graves_y90_water()?),
        Nuclide::Ho166 => Ok(PointKernel::from_beta_spectrum(
            &BetaSpectrum::icrp107_ho166()?,
            &ScaledElectronKernel::water()?,
            0.1,
        )?),
        other => Err(DosimetryError::Input(format!(
            "no dose point kernel for {other}: use local deposition"
        ))),
    }
}

/// Kernel engines built in this process, by nuclide and voxel size (bit patterns): integrating a
/// kernel over voxel pairs takes a good fraction of a second, and an engine keeps its kernel
/// spectra and FFT work buffer, so a plan's several dose maps (and a server's recomputations)
/// build each kernel once.
type EngineCache =
    std::collections::HashMap<(Nuclide, [u64; 3]), std::sync::Arc<KernelConvolution>>;

static ENGINES: std::sync::OnceLock<std::sync::Mutex<EngineCache>> = std::sync::OnceLock::new();

/// The kernel engine of a nuclide for a voxel size: its water DPK ([`point_kernel`]) scaled to
/// [`KERNEL_MEDIUM_G_PER_ML`], integrated over voxel pairs; built once per process and voxel size.
pub fn kernel_engine(
    nuclide: Nuclide,
    voxel_mm: [f64; 3],
) -> Result<std::sync::Arc<KernelConvolution>, DosimetryError> {
    let key = (nuclide, voxel_mm.map(f64::to_bits));
    let cache = ENGINES.get_or_init(Default::default);
    if let Some(e) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(e);
    }
    let dpk = point_kernel(nuclide)?.scaled_to_density(KERNEL_MEDIUM_G_PER_ML);
    let engine = std::sync::Arc::new(KernelConvolution::new(VoxelKernel::from_point_kernel(
        &dpk, voxel_mm,
    )?));
    if let Ok(mut c) = cache.lock() {
        c.insert(key, engine.clone());
    }
    Ok(engine)
}

/// Runs the pipeline.
pub fn run(request: &Request<'_>) -> Result<VoxelDosimetry, DosimetryError> {
    if !(request.bin_gy.is_finite() && request.bin_gy > 0.0) {
        return Err(DosimetryError::Input(format!(
            "the DVH bin must be above 0 Gy, found {}",
            request.bin_gy
        )));
    }
    if request.structures.is_empty() {
        return Err(DosimetryError::Input(
            "no structures: at least the liver is needed".into(),
        ));
    }
    let image = activity_grid(&request.activity);
    let grid = image.grid().clone();
    let on = on_grid(request.structures, &grid, request.registration)?;
    let density = density_on(&request.density, &grid, request.registration)?;
    let (activity, calibration) = activity_map(&request.activity, &on, &request.k)?;
    if activity.total_mbq() <= 0.0 {
        return Err(DosimetryError::Input(
            "the activity map is empty (zero total): nothing to compute".into(),
        ));
    }
    let dose = match request.engine {
        EngineChoice::LocalDeposition => LocalDeposition.dose(&activity, &density.g_per_ml)?,
        EngineChoice::Kernel => {
            kernel_engine(request.k.nuclide, grid.spacing_mm)?.dose(&activity, &density.g_per_ml)?
        }
    };
    let k = request.k.k.gy_kg_per_gbq();
    let voxel_ml = grid.voxel_volume_mm3() / 1000.0;
    let mut structures = Vec::with_capacity(on.len());
    let mut fractions = Vec::with_capacity(on.len());
    for s in on {
        let h = dvh(
            &dose.gy,
            &s.fractions,
            Some(&density.g_per_ml),
            request.bin_gy,
            &request.dx_percent,
            &request.vx_gy,
        )
        .map_err(|e| DosimetryError::Structure {
            name: s.name.clone(),
            what: e.to_string(),
        })?;
        let (a, m) = s
            .fractions
            .data()
            .iter()
            .zip(activity.mbq.data())
            .zip(density.g_per_ml.data())
            .fold((0.0, 0.0), |(a, m), ((&f, &x), &rho)| {
                let f = f64::from(f);
                (
                    a + f * f64::from(x),
                    m + f * f64::from(rho) * voxel_ml / 1000.0,
                )
            });
        let partition = if m > 0.0 {
            k * (a / 1000.0) / m
        } else {
            f64::NAN
        };
        structures.push(StructureDose {
            small_lesion: s.role == Role::Tumour && s.drawn_volume_ml < SMALL_LESION_ML,
            voxel_vs_partition: (h.mean_gy - partition) / partition,
            name: s.name,
            role: s.role,
            drawn_volume_ml: s.drawn_volume_ml,
            activity_mbq: a,
            partition_gy: partition,
            dvh: h,
        });
        fractions.push(s.fractions);
    }
    let mut notes = calibration.notes.clone();
    notes.extend(density.notes);
    notes.push(format!("dose engine: {}", dose.engine));
    let emitted = dose.energy_emitted_j;
    if emitted > 0.0 {
        notes.push(format!(
            "energy: {:.4} J emitted, {:.2} % deposited in tissue, {:.2} % in air, {:.2} % left the grid",
            emitted,
            100.0 * dose.energy_in_tissue_j / emitted,
            100.0 * dose.energy_in_air_j / emitted,
            100.0 * dose.energy_outside_grid_j / emitted
        ));
    }
    Ok(VoxelDosimetry {
        activity,
        calibration,
        dose,
        density: density.g_per_ml,
        structures,
        fractions,
        notes,
    })
}
