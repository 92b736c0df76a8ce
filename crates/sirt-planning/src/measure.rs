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

use crate::consistency::{Loaded, check_loaded};
use crate::voxel::VoxelPlanError;
use sirt_case::{Case, Images, Stated};
use sirt_geometry::{FractionalMask, Image, Rigid};
use sirt_i18n::Text;
use sirt_imaging::{StructureRequest, load_ct_study, load_spect, load_structures};
use sirt_settings::SiteSettings;
use sirt_voxel_dosimetry::Role;
use sirt_voxel_dosimetry::pipeline::structures::{OnGrid, on_grid};
use std::path::Path;

/// How the LSF is measured (provenance, JSON and text).
pub const LSF_METHOD: &str =
    "counts in lung mask / (lung + liver masks), SPECT grid, partial-volume weights";

/// How a TNR is measured (provenance).
pub const TNR_METHOD: &str = "mean counts per mL in the tumour mask / mean counts per mL in normal liver (liver − tumours), within the injection's territory mask when the case names one, else the whole liver; SPECT grid, partial-volume weights";

/// How a perfused volume is measured (provenance).
pub const PERFUSED_METHOD: &str = "volume of the injection's territory mask as drawn (CT grid); for a whole-liver injection without one, the liver mask (tumours included)";

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
    /// Input: the case file does not read.
    #[error(transparent)]
    Case(#[from] sirt_case::CaseError),
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
}

/// The structures measure asks for: the liver, the lungs, the tumours (optional unless stated)
/// and each injection's territory.
fn requests(images: &Images, lungs: &str) -> Vec<StructureRequest> {
    let mut w = vec![
        StructureRequest::new(&images.liver, Role::Liver),
        StructureRequest::new(lungs, Role::Lungs),
    ];
    for (id, name) in &images.tumours {
        let mut r = StructureRequest::new(name, Role::Tumour);
        r.optional = !images.tumours_stated.contains(id);
        w.push(r);
    }
    for name in images.territories.values() {
        if !w.iter().any(|x| &x.name == name) {
            w.push(StructureRequest::new(name, Role::Territory));
        }
    }
    w
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

/// The DICOM series UIDs of a SPECT folder (none for a file).
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

/// The loaded images of a measurement.
struct MeasureInputs {
    spect: Image<f32>,
    on: Vec<OnGrid>,
    drawn: Vec<sirt_geometry::Structure>,
    notes: Vec<Text>,
}

/// Loads the CT, structures and SPECT, runs the plan's image checks and puts the structures on
/// the SPECT grid.
fn load(
    case: &Case,
    images: &Images,
    lungs: &str,
    spect_path: &str,
    base: &Path,
    settings: &SiteSettings,
) -> Result<MeasureInputs, VoxelPlanError> {
    let ct = load_ct_study(&base.join(&images.ct), None)?.image;
    let frame = Some(&ct.grid().frame);
    let structures = load_structures(
        &base.join(&images.structures),
        ct.grid(),
        &requests(images, lungs),
        &images.labels,
    )?;
    let registration = match &images.registration {
        Some(p) => Some((p.clone(), sirt_imaging::load_registration(&base.join(p))?)),
        None => None,
    };
    let spect = load_spect(&base.join(spect_path), frame)?;
    let ct_from_spect: Option<Rigid> = crate::voxel::run::transform(
        registration.as_ref(),
        &ct.grid().frame,
        &spect.grid().frame,
        "CT and the SPECT",
    )?;
    let mut notes = Vec::new();
    check_loaded(
        case,
        base,
        settings,
        Loaded {
            ct: &ct,
            structures: &structures,
            spect: Some(&spect),
            ct_from_spect: ct_from_spect.as_ref(),
        },
        &mut notes,
    )?;
    let on =
        on_grid(&structures, spect.grid(), ct_from_spect.as_ref()).map_err(VoxelPlanError::from)?;
    Ok(MeasureInputs {
        spect,
        on,
        drawn: structures,
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

/// Measures the LSF, the TNRs and the perfused volumes of a case read by
/// [`sirt_case::parse_for_measurement`]; `file` names the case in errors, `base` is the folder
/// its image paths are relative to. Reads the image files; prints nothing.
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
    let spect_path = images
        .maa_spect
        .as_deref()
        .ok_or_else(|| MeasureError::NoSpect {
            file: file.to_owned(),
        })?;
    let lungs = images
        .lungs
        .as_deref()
        .ok_or_else(|| MeasureError::NoLungs {
            file: file.to_owned(),
            liver: images.liver.clone(),
        })?;
    let l = load(case, images, lungs, spect_path, base, settings)?;
    let by_role = |role: Role| l.on.iter().find(|s| s.role == role);
    let (Some(liver), Some(lung)) = (by_role(Role::Liver), by_role(Role::Lungs)) else {
        return Err(MeasureError::NoLungs {
            file: file.to_owned(),
            liver: images.liver.clone(),
        });
    };
    let liver_c = counted(liver.fractions.data(), &l.spect);
    let lung_c = counted(lung.fractions.data(), &l.spect);
    let total = nonzero_counts(
        &format!("{} + {}", lung.name, liver.name),
        Counted {
            counts: liver_c.counts + lung_c.counts,
            volume_ml: liver_c.volume_ml + lung_c.volume_ml,
        },
        spect_path,
    )?;
    let lsf = lung_c.counts / total.counts;
    let spect_label = spect_path.to_owned();
    check_territories(images, &l)?;
    let tnr = tumour_ratios(case, stated, images, &l, &spect_label)?;
    let perfused = perfused_volumes(case, stated, images, &l.drawn);
    Ok(Measurement {
        lsf,
        lsf_provenance: LsfProvenance {
            spect: spect_label.clone(),
            spect_series_uids: series_uids(&base.join(spect_path)),
            structures_file: images.structures.clone(),
            lung_mask: lung.name.clone(),
            liver_mask: liver.name.clone(),
            method: LSF_METHOD.into(),
            lungs: lung_c,
            liver: liver_c,
            stated: stated.lsf,
            checks: l.notes.clone(),
        },
        tnr,
        tnr_provenance: Method {
            source: spect_label,
            method: TNR_METHOD.into(),
        },
        perfused_volume_ml: perfused,
        perfused_volume_provenance: Method {
            source: images.structures.clone(),
            method: PERFUSED_METHOD.into(),
        },
    })
}

/// Least share of a territory's volume that must lie in the liver (the voxel dosimetry's).
pub use sirt_voxel_dosimetry::MIN_TERRITORY_IN_LIVER;

/// Refuses a territory that lies mostly outside the liver ([`MIN_TERRITORY_IN_LIVER`]).
fn check_territories(images: &Images, l: &MeasureInputs) -> Result<(), MeasureError> {
    let Some(liver) = l.on.iter().find(|s| s.role == Role::Liver) else {
        return Ok(());
    };
    for (injection, name) in &images.territories {
        let Some(t) = l.on.iter().find(|s| &s.name == name) else {
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
fn normal_region(l: &MeasureInputs, territory: Option<&FractionalMask>) -> Vec<f32> {
    let normal =
        l.on.iter()
            .find(|s| s.role == Role::NormalLiver)
            .or_else(|| l.on.iter().find(|s| s.role == Role::Liver));
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
    l: &MeasureInputs,
    spect: &str,
) -> Result<Vec<TumourTnr>, MeasureError> {
    let mut out = Vec::new();
    for t in &case.tumours {
        let Some(mask) = images.tumours.get(&t.id) else {
            continue;
        };
        let Some(on) =
            l.on.iter()
                .find(|s| &s.name == mask && s.role == Role::Tumour)
        else {
            continue;
        };
        let tumour_c = counted(on.fractions.data(), &l.spect);
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
                .and_then(|name| l.on.iter().find(|s| &s.name == name));
            let normal = counted(&normal_region(l, territory.map(|s| &s.fractions)), &l.spect);
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

/// The perfused volume of each injection from its territory mask, or none.
fn perfused_volumes(
    case: &Case,
    stated: &Stated,
    images: &Images,
    drawn: &[sirt_geometry::Structure],
) -> Vec<PerfusedVolume> {
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
            PerfusedVolume {
                injection: inj.id.clone(),
                volume_ml: mask.map(|s| s.mask.volume_ml()),
                source,
                stated_ml: stated
                    .perfused_volume
                    .contains(&inj.id)
                    .then(|| inj.perfused_volume.ml()),
            }
        })
        .collect()
}
