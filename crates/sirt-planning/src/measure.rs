//! [`measure`]: the plan's image-derived inputs measured on the MAA SPECT with the case's
//! structures — the lung shunt fraction, the tumour-to-normal ratio of each tumour and the
//! perfused volume of each injection — each with its provenance (`sirtplan measure`).
//!
//! The structures are put on the SPECT's grid with partial-volume fractions by the voxel
//! dosimetry's own step (`sirt_voxel_dosimetry::pipeline::structures::on_grid`: 27 sample
//! points per SPECT voxel, through the case's registration when the frames differ), after the
//! same image checks as a plan (`crate::consistency`: NIfTI forms, segmented volumes against
//! the site's bounds, the SPECT's counts against the body outline, liver and lungs). Counts in a
//! structure are C = Σ f · c over the SPECT voxels (f its fraction, c the counts); its volume
//! on the SPECT grid V = Σ f · v (v the voxel volume).
//!
//! - LSF = C_lungs / (C_lungs + C_liver), the liver mask with its tumours.
//! - TNR of a tumour = (C_tumour / V_tumour) / (C_normal / V_normal), normal liver = liver −
//!   tumours (fractions max(0, f_liver − Σ f_tumour)), restricted to the injection's territory
//!   when the case names its mask (fractions min(f_normal, f_territory)), else the whole liver.
//! - Perfused volume of an injection: the volume of its territory mask as drawn (on the CT
//!   grid), or none without a mask.
//! - Mass of a mask (a perfused territory, the lungs) from the CT: M = Σ ρ(HU) · v over its CT
//!   voxels, ρ the voxel dosimetry's HU → density curve (the case's `images.hu_to_density`, else
//!   [`HuToDensity::default`]); beside it the conventional mass, the volume × the liver density
//!   of the case (1.03 g/mL by default) or × 0.3 g/mL for the lungs
//!   ([`LUNG_DENSITY_CT_DEFAULT_G_PER_ML`]).
//!
//! [`measure`] needs the SPECT and the lungs (the LSF is its first figure); [`measure_images`]
//! measures whatever the case's images and masks allow and says why not for the rest: what a
//! plan measures ([`crate::plan_case`], `crate::feed`).

use crate::consistency::{Loaded as ConsistencyInputs, check_loaded};
use crate::voxel::VoxelPlanError;
use crate::voxel::cache::Loaded;
use sirt_analytic::lung::LUNG_DENSITY_CT_DEFAULT_G_PER_ML;
use sirt_case::{Case, Images, Stated};
use sirt_geometry::{FractionalMask, Grid, Image, Rigid};
use sirt_i18n::Text;
use sirt_settings::SiteSettings;
use sirt_voxel_dosimetry::Prepared;
use sirt_voxel_dosimetry::Role;
use sirt_voxel_dosimetry::physics::activity::HuToDensity;
use sirt_voxel_dosimetry::pipeline::structures::OnGrid;
use std::path::Path;
use std::sync::Arc;

/// How the LSF is measured (provenance, JSON and text).
pub const LSF_METHOD: &str =
    "counts in lung mask / (lung + liver masks), SPECT grid, partial-volume weights";

/// How a TNR is measured (provenance).
pub const TNR_METHOD: &str = "mean counts per mL in the tumour mask / mean counts per mL in normal liver (liver − tumours), within the injection's territory mask when the case names one, else the whole liver; SPECT grid, partial-volume weights";

/// How a perfused volume is measured (provenance).
pub const PERFUSED_METHOD: &str = "volume of the injection's territory mask as drawn (CT grid); for a whole-liver injection without one, the liver mask (tumours included)";

/// How a mass is measured on the CT (provenance).
pub const MASS_METHOD: &str = "sum over the mask's CT voxels of the density from the HU → density curve × the voxel volume; beside it the volume × the conventional density (liver: the case's liver.density; lungs: 0.3 g/mL)";

/// A measurement the case's images cannot give.
#[derive(Debug, thiserror::Error)]
pub enum MeasureError {
    /// Input: the case has no `[images]` table.
    #[error("case file {file}: no [images] table: measure needs a CT, structures and an MAA SPECT")]
    NoImages {
        /// The case file's name.
        file: String,
    },
    /// Input: the case names no MAA SPECT.
    #[error(
        "case file {file}: images.maa_spect is missing: the LSF and TNRs are counted on the MAA SPECT"
    )]
    NoSpect {
        /// The case file's name.
        file: String,
    },
    /// Input: the case names no lung structure.
    #[error(
        "case file {file}: images.lungs is missing: the LSF needs the lung structure (the liver is images.liver, \"{liver}\")"
    )]
    NoLungs {
        /// The case file's name.
        file: String,
        /// The liver structure's name.
        liver: String,
    },
    /// Input: a structure holds no SPECT counts, so no ratio can be formed.
    #[error(
        "structure \"{name}\": no counts of the MAA SPECT {spect} inside it (counts {counts}, volume on the SPECT grid {volume_ml:.2} mL)"
    )]
    NoCounts {
        /// The structure.
        name: String,
        /// The SPECT's path.
        spect: String,
        /// Σ f c.
        counts: f64,
        /// Σ f v, mL.
        volume_ml: f64,
    },
    /// Input: an injection's territory lies mostly outside the liver (a wrong structure named
    /// in `images.territories`): its "normal liver" would be a rim of partial-volume voxels.
    #[error(
        "images.territories.{injection}: structure \"{territory}\" lies {inside_percent:.1} % inside the liver \"{liver}\" (SPECT grid), expected at least {min_percent:.0} %: a perfused territory is a part of the liver"
    )]
    TerritoryOutsideLiver {
        /// The injection.
        injection: String,
        /// The territory's structure.
        territory: String,
        /// The liver's structure.
        liver: String,
        /// Σ min(f_territory, f_liver) / Σ f_territory, %.
        inside_percent: f64,
        /// [`MIN_TERRITORY_IN_LIVER`], %.
        min_percent: f64,
    },
    /// Input: a value the case file leaves out that its images cannot measure.
    #[error(
        "case file {file}: field `{field}` is not given and the images cannot measure it: {why}; give `{field}`{alternative}"
    )]
    NotMeasurable {
        /// The case file's name.
        file: String,
        /// The field left out (`mapping.lsf`, `injections[0].tumours[1].tnr`).
        field: String,
        /// What image or mask is missing ("images.lungs names no lung structure: the LSF is
        /// counted in the lung and liver masks on the MAA SPECT").
        why: String,
        /// The other ways to give it (", mapping.planar counts, or images.lungs").
        alternative: String,
    },
    /// Input: the case file does not read.
    #[error(transparent)]
    Case(#[from] sirt_case::CaseError),
    /// Internal: the case's MAA SPECT and the images loaded for it disagree (a SPECT named and
    /// not loaded, or loaded and not named): no other image may stand in for it.
    #[error(
        "internal: images.maa_spect is {spect} but the loaded images {} a SPECT",
        if *loaded { "hold" } else { "lack" }
    )]
    SpectNotLoaded {
        /// The case's SPECT path, or "none".
        spect: String,
        /// Whether the loaded images hold a SPECT.
        loaded: bool,
    },
    /// Internal: a mask's mass could not be measured on the CT (the CT not readable on the
    /// mask's grid).
    #[error("the mass of structure \"{structure}\" on the CT {ct}")]
    Mass {
        /// The structure.
        structure: String,
        /// The CT's path.
        ct: String,
        /// Why.
        #[source]
        source: Box<sirt_geometry::GeometryError>,
    },
    /// Loading, image checks or structures on the SPECT grid (input or internal: see
    /// [`VoxelPlanError::is_input`]).
    #[error(transparent)]
    Images(#[from] VoxelPlanError),
}

impl MeasureError {
    /// Whether the user's input is at fault (exit 2) rather than an internal failure.
    pub fn is_input(&self) -> bool {
        match self {
            Self::Images(e) => e.is_input(),
            Self::SpectNotLoaded { .. } | Self::Mass { .. } => false,
            _ => true,
        }
    }
}

/// Counts and volume of one structure on the SPECT grid.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Counted {
    /// Σ f · c.
    pub counts: f64,
    /// Σ f · v, mL.
    pub volume_ml: f64,
}

impl Counted {
    /// Counts per mL.
    pub fn per_ml(&self) -> f64 {
        self.counts / self.volume_ml
    }
}

/// Where the LSF came from.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LsfProvenance {
    /// The MAA SPECT as named in the case (relative to the case file).
    pub spect: String,
    /// Its DICOM series instance UIDs (empty for a NIfTI file).
    pub spect_series_uids: Vec<String>,
    /// The structures file as named in the case.
    pub structures_file: String,
    /// The lung mask's name.
    pub lung_mask: String,
    /// The liver mask's name (tumours included).
    pub liver_mask: String,
    /// [`LSF_METHOD`].
    pub method: String,
    /// Counts and volume in the lung mask.
    pub lungs: Counted,
    /// Counts and volume in the liver mask.
    pub liver: Counted,
    /// The LSF the case file stated (`mapping.lsf`), shown beside the measurement.
    pub stated: Option<f64>,
    /// The image checks' notes (SPECT counts against the body outline, liver and lungs;
    /// JSON: English).
    pub checks: Vec<Text>,
}

/// The TNR of one tumour (for one injection whose territory lists it, or the whole liver).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TumourTnr {
    /// The case's tumour id.
    pub tumour: String,
    /// Its mask's name.
    pub mask: String,
    /// The injection whose territory it was measured in (None: no injection lists it).
    pub injection: Option<String>,
    /// The measured TNR.
    pub tnr: f64,
    /// Counts and volume in the tumour mask.
    pub tumour_counts: Counted,
    /// Counts and volume in the normal liver of the region.
    pub normal_counts: Counted,
    /// The region of the normal liver: a territory mask's name, or "whole liver".
    pub normal_region: String,
    /// The TNR the case file stated for this tumour and injection.
    pub stated: Option<f64>,
}

/// The perfused volume of one injection.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PerfusedVolume {
    /// The injection id.
    pub injection: String,
    /// The territory mask's volume as drawn, mL (None: no territory mask).
    pub volume_ml: Option<f64>,
    /// The territory mask's name, or "no territory mask".
    pub source: String,
    /// The perfused volume the case file stated, mL.
    pub stated_ml: Option<f64>,
    /// The mask's mass from the CT densities, g ([`MASS_METHOD`]); absent without a mask.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub perfused_mass_g: Option<f64>,
    /// The mask's volume × the case's liver density, g; absent without a mask.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conventional_mass_g: Option<f64>,
}

/// The lung mass measured on the CT.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LungMass {
    /// The lung mask's name.
    pub mask: String,
    /// Its volume as drawn (CT grid), mL.
    pub volume_ml: f64,
    /// Σ ρ(HU) · v over its CT voxels, g.
    pub mass_g: f64,
    /// The volume × [`LUNG_DENSITY_CT_DEFAULT_G_PER_ML`], g.
    pub conventional_mass_g: f64,
    /// That density, g/mL.
    pub conventional_density_g_per_ml: f64,
}

/// Where the masses were measured: the CT, its series, its grid and the density curve.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MassProvenance {
    /// The CT as named in the case.
    pub ct: String,
    /// Its DICOM series instance UIDs (empty for a NIfTI file).
    pub ct_series_uids: Vec<String>,
    /// The CT grid.
    pub grid: String,
    /// The HU → density curve's source.
    pub density_curve: String,
    /// [`MASS_METHOD`].
    pub method: String,
}

/// Provenance shared by the TNRs and perfused volumes.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Method {
    /// The MAA SPECT or structures file used.
    pub source: String,
    /// How the value is measured.
    pub method: String,
}

/// Everything [`measure`] gives; serialised as `sirtplan measure --format json`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Measurement {
    /// Lung shunt fraction.
    pub lsf: f64,
    /// Where it came from.
    pub lsf_provenance: LsfProvenance,
    /// Per tumour (and injection).
    pub tnr: Vec<TumourTnr>,
    /// How the TNRs were measured.
    pub tnr_provenance: Method,
    /// Per injection.
    pub perfused_volume_ml: Vec<PerfusedVolume>,
    /// How the perfused volumes were measured.
    pub perfused_volume_provenance: Method,
    /// The lung mass from the CT, g; absent without a lung mask.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lung_mass_g: Option<f64>,
    /// How the lung mass was measured; absent without a lung mask.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lung_mass_provenance: Option<LungMass>,
    /// Where the masses were measured.
    pub mass_provenance: MassProvenance,
}

/// Σ f c and Σ f v of fractions `f` on the counts' grid.
fn counted(f: &[f32], counts: &Image<f32>) -> Counted {
    let voxel_ml = counts.grid().voxel_volume_mm3() / 1000.0;
    let (c, v) = f
        .iter()
        .zip(counts.data())
        .fold((0.0, 0.0), |(c, v), (&f, &x)| {
            (c + f64::from(f) * f64::from(x), v + f64::from(f))
        });
    Counted {
        counts: c,
        volume_ml: v * voxel_ml,
    }
}

/// The DICOM series UIDs of a series folder (none for a file).
fn series_uids(path: &Path) -> Vec<String> {
    if !path.is_dir() {
        return vec![];
    }
    sirt_dicom::scan(path)
        .studies
        .into_iter()
        .flat_map(|s| s.series)
        .map(|s| s.series_instance_uid)
        .collect()
}

/// A grid in words: "SPECT grid 88 × 64 × 60, 4.42 × 4.42 × 4.42 mm".
pub fn grid_text(what: &str, g: &Grid) -> String {
    let [x, y, z] = g.dims;
    let [a, b, c] = g.spacing_mm;
    format!("{what} grid {x} × {y} × {z}, {a:.2} × {b:.2} × {c:.2} mm")
}

/// The SPECT of a measurement with the structures on its grid, borrowed from the loaded
/// images: made only from a loaded SPECT ([`MeasureInputs::spect`]), so that no other image
/// can stand in for it.
struct OnSpect<'a> {
    /// The MAA SPECT, counts.
    spect: &'a Image<f32>,
    /// The case's SPECT path.
    path: &'a str,
    /// The structures and density on the SPECT grid.
    prepared: &'a Prepared,
}

impl<'a> OnSpect<'a> {
    /// The MAA SPECT, counts.
    fn spect(&self) -> &'a Image<f32> {
        self.spect
    }

    /// The structures on the SPECT grid.
    fn on(&self) -> &'a [OnGrid] {
        self.prepared.structures()
    }
}

/// The loaded images of a measurement.
struct MeasureInputs {
    /// The CT, structures, registration and SPECT (shared with the plan of the same images).
    loaded: Arc<Loaded>,
    /// The case's SPECT path and the structures on the SPECT grid, when the SPECT is loaded.
    on_spect: Option<(String, Arc<Prepared>)>,
    notes: Vec<Text>,
}

impl MeasureInputs {
    /// The series UIDs under `path` ([`series_uids`]), scanned once per loaded images.
    fn series_uids(&self, path: &Path) -> Vec<String> {
        self.loaded.series_uids(path, || series_uids(path))
    }

    /// The volume of a drawn structure, mL, counted once per loaded images.
    fn volume_ml(&self, s: &sirt_geometry::Structure) -> f64 {
        let what = format!("volume\0{}", s.name);
        self.loaded
            .number(&what, || {
                Ok::<_, std::convert::Infallible>(s.mask.volume_ml())
            })
            .unwrap_or_else(|never| match never {})
    }

    /// The mass of a drawn structure from the CT ([`mass_from_ct`]), g, found once per loaded
    /// images and density curve.
    fn mass_g(
        &self,
        s: &sirt_geometry::Structure,
        ct_path: &str,
        curve: &HuToDensity,
    ) -> Result<f64, MeasureError> {
        let what = format!("mass\0{}\0{curve:?}", s.name);
        self.loaded
            .number(&what, || mass_from_ct(s, self.ct(), ct_path, curve))
    }

    /// The loaded SPECT with the structures on its grid (none without a SPECT).
    fn spect(&self) -> Option<OnSpect<'_>> {
        let (path, prepared) = self.on_spect.as_ref()?;
        Some(OnSpect {
            spect: self.loaded.spect.as_ref()?,
            path,
            prepared,
        })
    }

    /// The structure of `role` on the SPECT grid.
    fn on_spect(&self, role: Role) -> Option<&OnGrid> {
        let (_, prepared) = self.on_spect.as_ref()?;
        prepared.structures().iter().find(|s| s.role == role)
    }

    /// The CT, HU.
    fn ct(&self) -> &Image<f32> {
        &self.loaded.ct
    }

    /// The structures as drawn (on the CT grid, or a label map's).
    fn drawn(&self) -> &[sirt_geometry::Structure] {
        &self.loaded.structures
    }
}

/// Loads the CT, the structures and the SPECT (when named) — or finds them loaded by an earlier
/// plan or measurement of the same files — runs the plan's image checks and puts the structures
/// on the SPECT grid.
fn load(
    case: &Case,
    images: &Images,
    base: &Path,
    settings: &SiteSettings,
) -> Result<MeasureInputs, MeasureError> {
    let loaded = crate::voxel::run::loaded_images(images, base)?;
    let ct_from_spect: Option<Rigid> = match &loaded.spect {
        Some(s) => crate::voxel::run::transform(
            loaded.registration.as_ref(),
            &loaded.ct.grid().frame,
            &s.grid().frame,
            "CT and the SPECT",
        )?,
        None => None,
    };
    let mut notes = Vec::new();
    check_loaded(
        case,
        base,
        settings,
        ConsistencyInputs {
            kept: &loaded,
            ct_from_spect: ct_from_spect.as_ref(),
        },
        &mut notes,
    )?;
    let prepared = crate::voxel::run::prepared_on_spect(&loaded, images, ct_from_spect.as_ref())?;
    let on_spect = match (&images.maa_spect, prepared) {
        (Some(path), Some(prepared)) if loaded.spect.is_some() => Some((path.clone(), prepared)),
        (None, None) if loaded.spect.is_none() => None,
        (path, _) => {
            return Err(MeasureError::SpectNotLoaded {
                spect: path.clone().unwrap_or_else(|| "none".to_owned()),
                loaded: loaded.spect.is_some(),
            });
        }
    };
    Ok(MeasureInputs {
        loaded,
        on_spect,
        notes,
    })
}

/// Reads the case text `text` (named `file`) with [`sirt_case::parse_for_measurement`] (the
/// measured values may be absent) and [`measure`]s it.
pub fn measure_case(
    text: &str,
    file: &str,
    base: &Path,
    settings: &SiteSettings,
) -> Result<Measurement, MeasureError> {
    let (case, stated) = sirt_case::parse_for_measurement(text, file)?;
    measure(&case, &stated, file, base, settings)
}

/// Why the LSF cannot be measured on a case's images, naming the field or mask (None: it can).
pub fn lsf_not_measurable(images: &Images) -> Option<String> {
    if images.maa_spect.is_none() {
        return Some(
            "images.maa_spect names no MAA SPECT (the LSF is counted on it in the lung and liver masks)"
                .into(),
        );
    }
    if images.lungs.is_none() {
        return Some(format!(
            "images.lungs names no lung structure (the LSF is counted in the lung mask and the liver mask \"{}\" on the MAA SPECT)",
            images.liver
        ));
    }
    None
}

/// Measures the LSF, the TNRs and the perfused volumes of a case read by
/// [`sirt_case::parse_for_measurement`]; `file` names the case in errors, `base` is the folder
/// its image paths are relative to. Needs the MAA SPECT and the lung structure. Reads the image
/// files; prints nothing.
pub fn measure(
    case: &Case,
    stated: &Stated,
    file: &str,
    base: &Path,
    settings: &SiteSettings,
) -> Result<Measurement, MeasureError> {
    let images = case.images.as_ref().ok_or_else(|| MeasureError::NoImages {
        file: file.to_owned(),
    })?;
    if images.maa_spect.is_none() {
        return Err(MeasureError::NoSpect {
            file: file.to_owned(),
        });
    }
    let no_lungs = || MeasureError::NoLungs {
        file: file.to_owned(),
        liver: images.liver.clone(),
    };
    if images.lungs.is_none() {
        return Err(no_lungs());
    }
    let m = measure_images(case, stated, file, base, settings)?;
    let Some((lsf, lsf_provenance)) = m.lsf else {
        return Err(no_lungs());
    };
    Ok(Measurement {
        lsf,
        lsf_provenance,
        tnr: m.tnr,
        tnr_provenance: m.tnr_provenance.unwrap_or_else(|| Method {
            source: String::new(),
            method: TNR_METHOD.into(),
        }),
        perfused_volume_ml: m.perfused,
        perfused_volume_provenance: m.perfused_provenance,
        lung_mass_g: m.lung_mass.as_ref().map(|l| l.mass_g),
        lung_mass_provenance: m.lung_mass,
        mass_provenance: m.mass_provenance,
    })
}

/// What a case's images measure, each part only when its image and masks are there.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageMeasurement {
    /// The LSF with its provenance (None: no SPECT or no lung mask, see
    /// [`lsf_not_measurable`]).
    pub lsf: Option<(f64, LsfProvenance)>,
    /// The TNR of every tumour with a mask (empty without a SPECT).
    pub tnr: Vec<TumourTnr>,
    /// How the TNRs were measured (None without a SPECT).
    pub tnr_provenance: Option<Method>,
    /// The perfused volume of every injection (None where it has no mask).
    pub perfused: Vec<PerfusedVolume>,
    /// How the perfused volumes were measured.
    pub perfused_provenance: Method,
    /// The lung mass from the CT (None without a lung mask).
    pub lung_mass: Option<LungMass>,
    /// Where the masses were measured.
    pub mass_provenance: MassProvenance,
    /// The SPECT grid in words (None without a SPECT).
    pub spect_grid: Option<String>,
}

/// Measures what the case's images and masks allow: the LSF (MAA SPECT and lung mask), the
/// TNRs (MAA SPECT and tumour masks), the perfused volumes and masses (territory masks, or the
/// liver for a whole-liver injection) and the lung mass (lung mask). `case` is read by
/// [`sirt_case::parse_for_measurement`] or validated; `file` names it in errors, `base` is the
/// folder its image paths are relative to. The images are checked as a plan checks them.
pub fn measure_images(
    case: &Case,
    stated: &Stated,
    file: &str,
    base: &Path,
    settings: &SiteSettings,
) -> Result<ImageMeasurement, MeasureError> {
    let images = case.images.as_ref().ok_or_else(|| MeasureError::NoImages {
        file: file.to_owned(),
    })?;
    let l = load(case, images, base, settings)?;
    let lsf = match (l.on_spect(Role::Liver), l.on_spect(Role::Lungs), l.spect()) {
        (Some(liver), Some(lung), Some(s)) => {
            Some(lung_shunt(images, base, &l, &s, liver, lung, stated)?)
        }
        _ => None,
    };
    let (tnr, tnr_provenance) = match l.spect() {
        Some(s) => {
            check_territories(images, &s)?;
            (
                tumour_ratios(case, stated, images, &s)?,
                Some(Method {
                    source: s.path.to_owned(),
                    method: TNR_METHOD.into(),
                }),
            )
        }
        None => (Vec::new(), None),
    };
    let curve = crate::voxel::run::density_curve(images);
    let perfused = perfused_volumes(case, stated, images, &l, &curve)?;
    let lung_mass = images
        .lungs
        .as_ref()
        .and_then(|name| l.drawn().iter().find(|s| &s.name == name))
        .map(|s| lung_mass(s, &l, &images.ct, &curve))
        .transpose()?;
    Ok(ImageMeasurement {
        lsf,
        tnr,
        tnr_provenance,
        perfused,
        perfused_provenance: Method {
            source: images.structures.clone(),
            method: PERFUSED_METHOD.into(),
        },
        lung_mass,
        mass_provenance: MassProvenance {
            ct: images.ct.clone(),
            ct_series_uids: l.series_uids(&base.join(&images.ct)),
            grid: grid_text("CT", l.ct().grid()),
            density_curve: curve.source.clone(),
            method: MASS_METHOD.into(),
        },
        spect_grid: l.spect().map(|s| grid_text("SPECT", s.spect().grid())),
    })
}

/// The LSF counted in the lung and liver masks on the SPECT, with its provenance.
fn lung_shunt(
    images: &Images,
    base: &Path,
    l: &MeasureInputs,
    s: &OnSpect<'_>,
    liver: &OnGrid,
    lung: &OnGrid,
    stated: &Stated,
) -> Result<(f64, LsfProvenance), MeasureError> {
    let liver_c = counted(liver.fractions.data(), s.spect());
    let lung_c = counted(lung.fractions.data(), s.spect());
    let total = nonzero_counts(
        &format!("{} + {}", lung.name, liver.name),
        Counted {
            counts: liver_c.counts + lung_c.counts,
            volume_ml: liver_c.volume_ml + lung_c.volume_ml,
        },
        s.path,
    )?;
    let lsf = lung_c.counts / total.counts;
    Ok((
        lsf,
        LsfProvenance {
            spect: s.path.to_owned(),
            spect_series_uids: l.series_uids(&base.join(s.path)),
            structures_file: images.structures.clone(),
            lung_mask: lung.name.clone(),
            liver_mask: liver.name.clone(),
            method: LSF_METHOD.into(),
            lungs: lung_c,
            liver: liver_c,
            stated: stated.lsf,
            checks: l.notes.clone(),
        },
    ))
}

/// Σ ρ(HU) · v over the voxels of the structure's mask, g: the CT (`ct_path` names it in
/// errors) read on the mask's grid (trilinear, air outside the CT) when the grids differ; an
/// error naming the structure and the CT when it cannot be read there.
fn mass_from_ct(
    s: &sirt_geometry::Structure,
    ct: &Image<f32>,
    ct_path: &str,
    curve: &HuToDensity,
) -> Result<f64, MeasureError> {
    let mask = &s.mask;
    let voxel_ml = mask.grid().voxel_volume_mm3() / 1000.0;
    let sum = |hu: &[f32]| -> f64 {
        mask.data()
            .iter()
            .zip(hu)
            .filter(|(m, _)| **m)
            .map(|(_, &h)| curve.density(f64::from(h)))
            .sum::<f64>()
            * voxel_ml
    };
    if mask.grid() == ct.grid() {
        return Ok(sum(ct.data()));
    }
    let identity = Rigid::identity(ct.grid().frame.clone(), mask.grid().frame.clone());
    sirt_geometry::resample_linear(ct, mask.grid(), &identity, AIR_HU)
        .map(|on_mask| sum(on_mask.data()))
        .map_err(|e| MeasureError::Mass {
            structure: s.name.clone(),
            ct: ct_path.to_owned(),
            source: Box::new(e),
        })
}

/// HU of air: the CT value outside its field of view when a mask's grid reaches beyond it
/// (Hounsfield scale definition, −1000 HU for air).
const AIR_HU: f32 = -1000.0;

/// The lung mass from the CT and by the conventional density.
fn lung_mass(
    s: &sirt_geometry::Structure,
    l: &MeasureInputs,
    ct_path: &str,
    curve: &HuToDensity,
) -> Result<LungMass, MeasureError> {
    let volume_ml = l.volume_ml(s);
    Ok(LungMass {
        mask: s.name.clone(),
        volume_ml,
        mass_g: l.mass_g(s, ct_path, curve)?,
        conventional_mass_g: volume_ml * LUNG_DENSITY_CT_DEFAULT_G_PER_ML,
        conventional_density_g_per_ml: LUNG_DENSITY_CT_DEFAULT_G_PER_ML,
    })
}

/// Least share of a territory's volume that must lie in the liver (the voxel dosimetry's).
pub use sirt_voxel_dosimetry::MIN_TERRITORY_IN_LIVER;

/// Refuses a territory that lies mostly outside the liver ([`MIN_TERRITORY_IN_LIVER`]).
fn check_territories(images: &Images, l: &OnSpect<'_>) -> Result<(), MeasureError> {
    let Some(liver) = l.on().iter().find(|s| s.role == Role::Liver) else {
        return Ok(());
    };
    for (injection, name) in &images.territories {
        let Some(t) = l.on().iter().find(|s| &s.name == name) else {
            continue;
        };
        let share =
            sirt_voxel_dosimetry::share_in_liver(t.fractions.data(), liver.fractions.data());
        if share < MIN_TERRITORY_IN_LIVER {
            return Err(MeasureError::TerritoryOutsideLiver {
                injection: injection.clone(),
                territory: name.clone(),
                liver: liver.name.clone(),
                inside_percent: 100.0 * share,
                min_percent: 100.0 * MIN_TERRITORY_IN_LIVER,
            });
        }
    }
    Ok(())
}

/// The normal-liver fractions of a region: the derived normal liver (or the liver without
/// tumours), within `territory` when given (min of the two fractions).
fn normal_region(l: &OnSpect<'_>, territory: Option<&FractionalMask>) -> Vec<f32> {
    let normal = l
        .on()
        .iter()
        .find(|s| s.role == Role::NormalLiver)
        .or_else(|| l.on().iter().find(|s| s.role == Role::Liver));
    let base: Vec<f32> = normal
        .map(|s| s.fractions.data().to_vec())
        .unwrap_or_default();
    match territory {
        Some(t) => base.iter().zip(t.data()).map(|(a, b)| a.min(*b)).collect(),
        None => base,
    }
}

/// The TNR of every tumour with a mask: per injection that lists it (in its territory when the
/// case names one), or over the whole liver when no injection lists it.
fn tumour_ratios(
    case: &Case,
    stated: &Stated,
    images: &Images,
    l: &OnSpect<'_>,
) -> Result<Vec<TumourTnr>, MeasureError> {
    let spect = l.path;
    let mut out = Vec::new();
    for t in &case.tumours {
        let Some(mask) = images.tumours.get(&t.id) else {
            continue;
        };
        let Some(on) = l
            .on()
            .iter()
            .find(|s| &s.name == mask && s.role == Role::Tumour)
        else {
            continue;
        };
        let tumour_c = counted(on.fractions.data(), l.spect());
        let listing: Vec<Option<&str>> = case
            .injections
            .iter()
            .filter(|i| i.tumours.iter().any(|s| s.id == t.id))
            .map(|i| Some(i.id.as_str()))
            .collect();
        let regions = if listing.is_empty() {
            vec![None]
        } else {
            listing
        };
        for inj in regions {
            let territory = inj
                .and_then(|i| images.territories.get(i))
                .and_then(|name| l.on().iter().find(|s| &s.name == name));
            let normal = counted(
                &normal_region(l, territory.map(|s| &s.fractions)),
                l.spect(),
            );
            let region = territory.map_or_else(|| "whole liver".to_owned(), |s| s.name.clone());
            let normal = nonzero_counts(&format!("normal liver ({region})"), normal, spect)?;
            out.push(TumourTnr {
                tumour: t.id.clone(),
                mask: mask.clone(),
                injection: inj.map(str::to_owned),
                tnr: tumour_c.per_ml() / normal.per_ml(),
                tumour_counts: tumour_c,
                normal_counts: normal,
                normal_region: region,
                stated: inj.and_then(|i| stated.tnr.get(&(i.to_owned(), t.id.clone())).copied()),
            });
        }
    }
    Ok(out)
}

/// `c` when it holds counts over a volume, else [`MeasureError::NoCounts`].
fn nonzero_counts(name: &str, c: Counted, spect: &str) -> Result<Counted, MeasureError> {
    if c.counts > 0.0 && c.volume_ml > 0.0 {
        Ok(c)
    } else {
        Err(MeasureError::NoCounts {
            name: name.to_owned(),
            spect: spect.to_owned(),
            counts: c.counts,
            volume_ml: c.volume_ml,
        })
    }
}

/// The perfused volume and mass of each injection from its territory mask (the liver for a
/// whole-liver injection without one), or none.
fn perfused_volumes(
    case: &Case,
    stated: &Stated,
    images: &Images,
    l: &MeasureInputs,
    curve: &HuToDensity,
) -> Result<Vec<PerfusedVolume>, MeasureError> {
    let drawn = l.drawn();
    case.injections
        .iter()
        .map(|inj| {
            // A whole-liver injection perfuses the liver: its mask (tumours included) is the
            // territory when the case names no other.
            let whole_liver = inj.territory == sirt_case::TerritoryKind::WholeLiver;
            let territory = images
                .territories
                .get(&inj.id)
                .and_then(|name| drawn.iter().find(|s| &s.name == name));
            let mask = territory.or_else(|| {
                whole_liver
                    .then(|| drawn.iter().find(|s| s.name == images.liver))
                    .flatten()
            });
            let source = match (territory, mask) {
                (Some(t), _) => t.name.clone(),
                (None, Some(liver)) => format!("{} (whole-liver injection)", liver.name),
                (None, None) => "no territory mask".to_owned(),
            };
            let volume_ml = mask.map(|s| l.volume_ml(s));
            Ok(PerfusedVolume {
                injection: inj.id.clone(),
                volume_ml,
                source,
                stated_ml: stated
                    .perfused_volume
                    .contains(&inj.id)
                    .then(|| inj.perfused_volume.ml()),
                perfused_mass_g: mask.map(|s| l.mass_g(s, &images.ct, curve)).transpose()?,
                conventional_mass_g: volume_ml.map(|v| v * case.liver.density.g_per_ml()),
            })
        })
        .collect()
}
