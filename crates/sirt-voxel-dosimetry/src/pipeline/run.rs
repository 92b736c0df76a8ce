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
//!    the same masks, D_part = K · A_s / M_s with A_s = Σ f a and M_s = Σ f ρ_s V, ρ_s the
//!    density of the structure's part of each voxel (`crate::pipeline::density`, D2). Within a
//!    dose voxel the energy per mL is taken as uniform (the image cannot resolve it), so the
//!    structure's part of voxel v receives the dose D_s(v) = D(v) ρ̄(v) / ρ_s(v) (its energy f E_v
//!    over its own mass f ρ_s V): the mean Σ f E_v / M_s is the structure's energy over its mass.
//!    With LDM it equals D_part exactly; with a kernel the difference is the energy that crosses
//!    the structure's border, shown per structure.

use crate::physics::activity::{
    CalibrationReport, MaaAccounting, MaaRegions, MaaZone, maa_accounted, pet_decay_corrected,
    self_calibrated,
};
use crate::physics::beta::{BetaSpectrum, ScaledElectronKernel};
use crate::physics::dvh::{Dvh, dvh_of};
use crate::physics::engine::{
    ActivityMap, DoseEngine, DoseMap, KernelConvolution, LocalDeposition,
};
use crate::physics::kernel::{PointKernel, VoxelKernel};
use crate::pipeline::DosimetryError;
use crate::pipeline::density::{DensityInput, DensityMap, density_on, part_density};
use crate::pipeline::structures::Structure;
use crate::pipeline::structures::{OnGrid, Role, SMALL_LESION_ML, find, margin_zone, on_grid};
use sirt_geometry::{FractionalMask, Grid, Image, Rigid};
use sirt_nuclides::{Coefficient, Nuclide};
use sirt_units::{AbsorbedDose, Activity, Fraction, Instant, Length, Mass};

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
    /// 99mTc-MAA SPECT counts as a prediction (A1, `maa_accounted`). Without territories the
    /// liver and the counts within `liver_margin` of it hold `administered` · (1 − `lsf` − f_EH);
    /// with territories each holds its own share (no margin: counts outside every territory are
    /// left out). The lungs hold A · LSF, each [`Role::Extrahepatic`] structure A · f_i; other
    /// counts are left out (reported).
    MaaPredictive {
        /// SPECT counts.
        counts: &'a Image<f32>,
        /// Administered activity (all injections of the session).
        administered: Activity,
        /// Lung shunt fraction.
        lsf: Fraction,
        /// Per-territory calibration (optional).
        territories: Vec<Territory>,
        /// Counts within this distance of the liver count as liver (SPECT spill-out); a site
        /// setting (`sirt_settings::SiteSettings::maa_liver_margin`).
        liver_margin: Length,
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

/// The uptake of one named extrahepatic structure ([`Role::Extrahepatic`]) in a dose map: what a
/// check of extrahepatic deposition reads.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ExtrahepaticUptake {
    /// The structure's name.
    pub structure: String,
    /// Activity in it at administration: for an MAA prediction its share of the counts as
    /// microspheres, A · f_i (A1); for a PET or self-calibrated map Σ f a over its voxels.
    pub activity: Activity,
    /// Its share of the administered activity (MAA, self-calibrated: of the activity the map
    /// was scaled to; PET: of the activity in the map).
    pub fraction_of_administered: Fraction,
    /// Its mean absorbed dose in the map (energy / mass, D2), by the plan's engine.
    pub mean_dose: AbsorbedDose,
    /// K · activity / mass: the local-deposition estimate of its mean dose.
    pub local_deposition_dose: AbsorbedDose,
    /// Its mass on the dose grid (Σ f ρ_s V, D2).
    pub mass: Mass,
    /// Its share of the SPECT counts (MAA predictions only).
    pub counts_fraction: Option<Fraction>,
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
    /// Provenance and corrections, for the report (rendered in the reader's language; JSON:
    /// English).
    pub notes: Vec<sirt_i18n::Text>,
    /// Per named extrahepatic structure, in the order given.
    pub extrahepatic: Vec<ExtrahepaticUptake>,
}

impl VoxelDosimetry {
    /// The activity accounting of an MAA-predictive map (administered, in the map, liver, lungs,
    /// extrahepatic structures, excluded counts); None for a PET or self-calibrated map.
    pub fn accounting(&self) -> Option<&MaaAccounting> {
        self.calibration.accounting.as_ref()
    }

    /// The activity in the map, at administration.
    pub fn activity_in_map(&self) -> Activity {
        Activity::from_mbq(self.activity.total_mbq())
    }

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
            liver_margin,
        } => {
            let liver = find(on, Role::Liver)?;
            let zones = maa_zones(on, liver, *administered, *lsf, territories)?;
            let margin = territories
                .is_empty()
                .then(|| margin_zone(&liver.fractions, *liver_margin));
            let regions = MaaRegions {
                lungs,
                extrahepatic: on
                    .iter()
                    .filter(|s| s.role == Role::Extrahepatic)
                    .map(|s| (s.name.as_str(), &s.fractions))
                    .collect(),
                zones,
                margin: margin.as_deref(),
                margin_width: if territories.is_empty() {
                    *liver_margin
                } else {
                    Length::from_m(0.0)
                },
            };
            Ok(maa_accounted(counts, &regions, nuclide, k.clone())?)
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

/// Least share of a perfused territory's volume that must lie in the liver: 90 % (design
/// choice: a territory drawn on the cone-beam CT is a part of the liver; its border voxels,
/// partly outside at the SPECT's 4–5 mm voxels, take a few per cent, a wrong structure most; issue
/// 16, "a territory outside the liver is refused").
pub const MIN_TERRITORY_IN_LIVER: f64 = 0.9;

/// The share of a structure's partial-volume fractions that lies in the liver's:
/// Σ min(f_structure, f_liver) / Σ f_structure (0 for an empty structure).
pub fn share_in_liver(structure: &[f32], liver: &[f32]) -> f64 {
    let (mut inside, mut all) = (0.0_f64, 0.0_f64);
    for (a, b) in structure.iter().zip(liver) {
        inside += f64::from(a.min(*b));
        all += f64::from(*a);
    }
    if all > 0.0 { inside / all } else { 0.0 }
}

/// The calibration zones of an MAA map: the whole liver, or each named perfused territory
/// (each lying at least [`MIN_TERRITORY_IN_LIVER`] inside the liver).
fn maa_zones<'a>(
    on: &'a [OnGrid],
    liver: &'a OnGrid,
    administered: Activity,
    lsf: Fraction,
    territories: &[Territory],
) -> Result<Vec<MaaZone<'a>>, DosimetryError> {
    if territories.is_empty() {
        return Ok(vec![MaaZone {
            fractions: &liver.fractions,
            administered,
            lsf,
        }]);
    }
    territories
        .iter()
        .map(|t| {
            let s = on
                .iter()
                .find(|s| s.name == t.structure && s.role == Role::Territory)
                .ok_or_else(|| DosimetryError::Structure {
                    name: t.structure.clone(),
                    what:
                        "is named as a perfused territory but no territory structure has this name"
                            .into(),
                })?;
            let share = share_in_liver(s.fractions.data(), liver.fractions.data());
            if share < MIN_TERRITORY_IN_LIVER {
                return Err(DosimetryError::Structure {
                    name: t.structure.clone(),
                    what: format!(
                        "is named as a perfused territory but lies {:.1} % inside the liver \"{}\" (activity grid), expected at least {:.0} %: a perfused territory is a part of the liver",
                        100.0 * share,
                        liver.name,
                        100.0 * MIN_TERRITORY_IN_LIVER
                    ),
                });
            }
            Ok(MaaZone {
                fractions: &s.fractions,
                administered: t.administered,
                lsf: t.lsf,
            })
        })
        .collect()
}

fn activity_grid<'a>(input: &'a ActivityInput<'_>) -> &'a Image<f32> {
    input.image()
}

impl<'a> ActivityInput<'a> {
    /// The image the activity comes from: its grid is the dose grid.
    pub fn image(&self) -> &'a Image<f32> {
        match self {
            ActivityInput::MaaPredictive { counts, .. } => counts,
            ActivityInput::Pet { bq_per_ml, .. } => bq_per_ml,
            ActivityInput::SelfCalibrated { image, .. } => image,
        }
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

/// The dose of a structure's part of each dose voxel (D2): D_s = D ρ̄ / ρ_s where the structure
/// has a fraction, else D.
pub fn part_dose(
    dose: &Image<f32>,
    mean: &Image<f32>,
    part: &Image<f32>,
) -> Result<Image<f32>, DosimetryError> {
    let data = dose
        .data()
        .iter()
        .zip(mean.data())
        .zip(part.data())
        .map(|((&d, &m), &p)| part_dose_of(d, m, p))
        .collect();
    Ok(Image::new(dose.grid().clone(), data)?)
}

/// [`part_dose`] of one voxel: dose `d`, mean density `m`, the part's density `p`.
#[inline]
pub(crate) fn part_dose_of(d: f32, m: f32, p: f32) -> f32 {
    if p > 0.0 { d * m / p } else { d }
}

/// The DVH, activity, mass and partition value of one structure on the dose grid, with `part`
/// the density of its part of each voxel (D2).
fn structure_dose(
    s: &OnGrid,
    part: &Image<f32>,
    dose: &DoseMap,
    density: &DensityMap,
    activity: &ActivityMap,
    request: &Request<'_>,
) -> Result<StructureDose, DosimetryError> {
    let k = request.k.k.gy_kg_per_gbq();
    let voxel_ml = dose.gy.grid().voxel_volume_mm3() / 1000.0;
    let (gy, mean) = (dose.gy.data(), density.g_per_ml.data());
    let same = dose.gy.grid().same_as(s.fractions.grid())
        && dose.gy.grid().same_as(part.grid())
        && dose.gy.grid().same_as(density.g_per_ml.grid());
    if !same {
        return Err(DosimetryError::Geometry(format!(
            "structure {}: its fractions, part density and the dose are not on one grid",
            s.name
        )));
    }
    // The part dose (D2) of the structure's voxels only: no map of the whole grid.
    let part_gy = |n: usize| {
        let d = part_dose_of(gy[n], mean[n], part.data()[n]);
        if d.is_finite() {
            Ok(f64::from(d))
        } else {
            Err(crate::physics::DoseError::Input(format!(
                "dose voxel {n} is {d}"
            )))
        }
    };
    let h = dvh_of(
        &s.fractions,
        Some(part),
        part_gy,
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
        .zip(part.data())
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
    Ok(StructureDose {
        small_lesion: s.role == Role::Tumour && s.drawn_volume_ml < SMALL_LESION_ML,
        voxel_vs_partition: (h.mean_gy - partition) / partition,
        name: s.name.clone(),
        role: s.role,
        drawn_volume_ml: s.drawn_volume_ml,
        activity_mbq: a,
        partition_gy: partition,
        dvh: h,
    })
}

/// What a request's dose depends on besides its activity: the structures on the dose grid
/// (partial-volume fractions, step 1), the density on it (step 2) and each structure's part
/// density (D2). Computing these is most of a request's time (structures rasterised with
/// supersampling, the CT rebinned); a plan's several dose maps on one grid (the MAA prediction
/// at the planned and at the delivered activity) and a server's recomputations after a change
/// of activities, TNR, LSF or K share one [`Prepared`] ([`prepare`], [`run_prepared`]).
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The dose grid (the activity image's grid).
    grid: Grid,
    /// The structures on it, in the order given, then the derived normal liver.
    on: Vec<OnGrid>,
    /// The density on it.
    density: DensityMap,
    /// The part density of each structure of `on` (same order).
    parts: Vec<Image<f32>>,
    /// Doses computed on this geometry, for activity maps that are a multiple of theirs
    /// ([`Prepared::dose`]); shared by the clones.
    kept: std::sync::Arc<std::sync::Mutex<Vec<KeptDose>>>,
}

/// A dose computed on a [`Prepared`] geometry and the activity map it came from.
#[derive(Debug)]
struct KeptDose {
    engine: EngineChoice,
    nuclide: sirt_nuclides::Nuclide,
    k: sirt_nuclides::Coefficient,
    mbq: Image<f32>,
    dose: DoseMap,
}

/// Doses kept per prepared geometry: 4 (design choice: a plan's voxel part computes a session's
/// prediction, the delivered dose and the prediction at the delivered activity; one more for
/// the plan before).
const KEPT_DOSES: usize = 4;

/// Largest relative difference, voxel by voxel, between an activity map and a multiple of a
/// kept one for the kept dose to be scaled instead of computed: 1e-5 (design choice: a hundred
/// times the rounding of a map computed in `f32`, 6e-8; any real change of the distribution is
/// far larger).
const MULTIPLE_TOLERANCE: f64 = 1e-5;

/// `dose` times `s`: the dose of an activity map `s` times the one `dose` was computed from.
fn scaled(dose: &DoseMap, s: f64) -> DoseMap {
    let f = s as f32;
    DoseMap {
        gy: dose.gy.map(|g| g * f),
        energy_emitted_j: dose.energy_emitted_j * s,
        energy_in_tissue_j: dose.energy_in_tissue_j * s,
        energy_in_air_j: dose.energy_in_air_j * s,
        energy_outside_grid_j: dose.energy_outside_grid_j * s,
        engine: dose.engine.clone(),
    }
}

impl Prepared {
    /// The dose grid it was prepared for.
    pub fn grid(&self) -> &Grid {
        &self.grid
    }

    /// The structures on the dose grid: those given, in their order, then the derived normal
    /// liver.
    pub fn structures(&self) -> &[OnGrid] {
        &self.on
    }

    /// The density of each structure's part of every voxel (D2), in the order of
    /// [`structures`](Self::structures): the weights of its DVH.
    pub fn part_densities(&self) -> &[Image<f32>] {
        &self.parts
    }

    /// How many doses are kept (a dose scaled from a kept one adds none): for tests.
    #[doc(hidden)]
    pub fn kept_doses(&self) -> usize {
        self.kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }

    /// The dose of `activity` by `engine` on this geometry's density: a dose kept from an
    /// activity map of which `activity` is a multiple (same engine, nuclide and K), scaled —
    /// the dose is linear in the activity, so a plan whose activities change (TNR, LSF,
    /// activity, residual, treatment instant) is not convolved again —, else computed and kept.
    fn dose(
        &self,
        activity: &ActivityMap,
        engine: EngineChoice,
        kernel_nuclide: sirt_nuclides::Nuclide,
    ) -> Result<DoseMap, DosimetryError> {
        let hit = {
            let kept = self
                .kept
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            kept.iter()
                .filter(|d| d.engine == engine && d.nuclide == kernel_nuclide && d.k == activity.k)
                .find_map(|d| {
                    activity
                        .mbq
                        .multiple_of(&d.mbq, MULTIPLE_TOLERANCE)
                        .map(|s| scaled(&d.dose, s))
                })
        };
        if let Some(d) = hit {
            return Ok(d);
        }
        let dose = match engine {
            EngineChoice::LocalDeposition => {
                LocalDeposition.dose(activity, &self.density.g_per_ml)?
            }
            EngineChoice::Kernel => kernel_engine(kernel_nuclide, self.grid.spacing_mm)?
                .dose(activity, &self.density.g_per_ml)?,
        };
        let mut kept = self
            .kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if kept.len() >= KEPT_DOSES {
            kept.remove(0);
        }
        kept.push(KeptDose {
            engine,
            nuclide: kernel_nuclide,
            k: activity.k.clone(),
            mbq: activity.mbq.clone(),
            dose: dose.clone(),
        });
        Ok(dose)
    }
}

/// Prepares the geometry of requests whose activity image is on `grid` (steps 1–2 and the part
/// densities, D2): `structures` and `density` as in [`Request`], `registration` linking their
/// frame to the grid's when they differ.
pub fn prepare(
    structures: &[Structure],
    density: &DensityInput<'_>,
    grid: &Grid,
    registration: Option<&Rigid>,
) -> Result<Prepared, DosimetryError> {
    if structures.is_empty() {
        return Err(DosimetryError::Input(
            "no structures: at least the liver is needed".into(),
        ));
    }
    let on = on_grid(structures, grid, registration)?;
    let density = density_on(density, grid, registration)?;
    let mut parts = Vec::with_capacity(on.len());
    let mut liver_part: Option<Image<f32>> = None;
    for s in &on {
        let part = match structures.iter().find(|x| x.name == s.name) {
            Some(given) => part_density(&density, &given.mask, registration)?,
            // The derived normal liver: the liver's part density (normal liver and tumours are
            // both soft tissue; the lungs and air outside are what must be kept out).
            None => liver_part
                .clone()
                .unwrap_or_else(|| density.g_per_ml.clone()),
        };
        if s.role == Role::Liver {
            liver_part = Some(part.clone());
        }
        parts.push(part);
    }
    Ok(Prepared {
        grid: grid.clone(),
        on,
        density,
        parts,
        kept: std::sync::Arc::default(),
    })
}

/// Runs the pipeline: [`prepare`] then [`run_prepared`].
pub fn run(request: &Request<'_>) -> Result<VoxelDosimetry, DosimetryError> {
    let grid = activity_grid(&request.activity).grid().clone();
    let prepared = prepare(
        request.structures,
        &request.density,
        &grid,
        request.registration,
    )?;
    run_prepared(request, &prepared)
}

/// Runs the pipeline on geometry prepared for the request's activity grid ([`prepare`], with the
/// request's structures, density and registration): steps 3–5. A [`Prepared`] for another grid
/// is refused.
pub fn run_prepared(
    request: &Request<'_>,
    prepared: &Prepared,
) -> Result<VoxelDosimetry, DosimetryError> {
    if !(request.bin_gy.is_finite() && request.bin_gy > 0.0) {
        return Err(DosimetryError::Input(format!(
            "the DVH bin must be above 0 Gy, found {}",
            request.bin_gy
        )));
    }
    let grid = activity_grid(&request.activity).grid();
    if !grid.same_as(&prepared.grid) {
        return Err(DosimetryError::Geometry(
            "the prepared structures and density are on another grid than the activity image"
                .into(),
        ));
    }
    let (on, density) = (&prepared.on, &prepared.density);
    let (activity, calibration) = activity_map(&request.activity, on, &request.k)?;
    if activity.total_mbq() <= 0.0 {
        return Err(DosimetryError::Input(
            "the activity map is empty (zero total): nothing to compute".into(),
        ));
    }
    let dose = prepared.dose(&activity, request.engine, request.k.nuclide)?;
    let mut structures = Vec::with_capacity(on.len());
    for (s, part) in on.iter().zip(&prepared.parts) {
        structures.push(structure_dose(s, part, &dose, density, &activity, request)?);
    }
    let fractions = on.iter().map(|s| s.fractions.clone()).collect();
    let mut notes = calibration.notes.clone();
    notes.extend(density.notes.iter().cloned());
    notes.push(sirt_i18n::Text::with(
        "voxel-note-dose-engine",
        vec![("engine", sirt_i18n::Arg::Str(dose.engine.to_string()))],
    ));
    let emitted = dose.energy_emitted_j;
    if emitted > 0.0 {
        let percent = |j: f64| sirt_i18n::Arg::Qty {
            value: 100.0 * j / emitted,
            decimals: 2,
            unit: "%",
        };
        notes.push(sirt_i18n::Text::with(
            "voxel-note-energy",
            vec![
                (
                    "emitted",
                    sirt_i18n::Arg::Qty {
                        value: emitted,
                        decimals: 4,
                        unit: "J",
                    },
                ),
                ("tissue", percent(dose.energy_in_tissue_j)),
                ("air", percent(dose.energy_in_air_j)),
                ("outside", percent(dose.energy_outside_grid_j)),
            ],
        ));
    }
    let extrahepatic = extrahepatic_uptakes(&structures, &calibration, &activity, request);
    Ok(VoxelDosimetry {
        activity,
        calibration,
        dose,
        density: density.g_per_ml.clone(),
        structures,
        fractions,
        notes,
        extrahepatic,
    })
}

/// The activity a map's shares are taken of: the administered activity of an MAA prediction,
/// the delivered one of a self-calibrated map, the map's own total for a PET.
fn reference_activity(request: &Request<'_>, activity: &ActivityMap) -> f64 {
    match &request.activity {
        ActivityInput::MaaPredictive {
            administered,
            territories,
            ..
        } => {
            if territories.is_empty() {
                administered.mbq()
            } else {
                territories.iter().map(|t| t.administered.mbq()).sum()
            }
        }
        ActivityInput::SelfCalibrated { delivered, .. } => delivered.mbq(),
        ActivityInput::Pet { .. } => activity.total_mbq(),
    }
}

/// The uptake of each [`Role::Extrahepatic`] structure: activity from the MAA accounting when
/// there is one (else Σ f a), mean dose and mass from its [`StructureDose`].
fn extrahepatic_uptakes(
    structures: &[StructureDose],
    calibration: &CalibrationReport,
    activity: &ActivityMap,
    request: &Request<'_>,
) -> Vec<ExtrahepaticUptake> {
    let reference = reference_activity(request, activity);
    let k = request.k.k.gy_kg_per_gbq();
    structures
        .iter()
        .filter(|s| s.role == Role::Extrahepatic)
        .map(|s| {
            let share = calibration
                .accounting
                .as_ref()
                .and_then(|a| a.extrahepatic.iter().find(|e| e.structure == s.name));
            let mbq = share.map_or(s.activity_mbq, |e| e.activity.mbq());
            let kg = s.dvh.mass_kg.unwrap_or(f64::NAN);
            ExtrahepaticUptake {
                structure: s.name.clone(),
                activity: Activity::from_mbq(mbq),
                fraction_of_administered: crate::physics::activity::share(mbq, reference),
                mean_dose: AbsorbedDose::from_gy(s.dvh.mean_gy),
                local_deposition_dose: AbsorbedDose::from_gy(k * mbq / 1000.0 / kg),
                mass: Mass::from_kg(kg),
                counts_fraction: share.map(|e| e.counts_fraction),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_share_in_the_liver_is_the_overlap_over_the_structure() {
        // By hand: structure 1 + 1 + 0.5 + 0.5 = 3; overlap min() = 1 + 0 + 0.5 + 0.25 = 1.75.
        let s = [1.0, 1.0, 0.5, 0.5];
        let liver = [1.0, 0.0, 1.0, 0.25];
        assert!((share_in_liver(&s, &liver) - 1.75 / 3.0).abs() < 1e-12);
        assert_eq!(share_in_liver(&[1.0, 1.0], &[1.0, 1.0]), 1.0);
        assert_eq!(share_in_liver(&[0.0, 0.0], &[1.0, 1.0]), 0.0, "empty");
        assert_eq!(share_in_liver(&[1.0], &[0.0]), 0.0, "outside");
    }
}
