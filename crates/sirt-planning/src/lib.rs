//! The application layer of sirtplan: one entry point from a case file, the site's data and the
//! folder its images are in, to everything a plan shows — the plan of `sirt-workflow` with its
//! checks, the voxel part ([`voxel`]) when the case has `[images]`, the report document
//! (text, HTML, and through it the PDF), the JSON and the output files. `sirtplan plan` and
//! `sirtplan demo`, `sirtplan dose` ([`dose_image`]), and the web server's recompute, report page, PDF and stored documents are
//! thin adapters over [`plan_case`]: they read and write files, print, answer HTTP; the content
//! is made here once.
//!
//! | module | what |
//! |---|---|
//! | `site` | [`SiteData`]: the embedded device catalogue and rule set with a site's files merged in |
//! | `outcome` | [`plan_case`] → [`Outcome`]: plan, voxel plan, document, JSON; [`Outcome::output_files`] |
//! | `dose` | [`dose_image`]: the dose of one activity image (MAA SPECT, Y-90 PET, self-calibrated) on a CT with its structures → [`DoseOutcome`] (document, JSON, files): `sirtplan dose` |
//! | [`voxel`] | the voxel part of a plan for a case with `[images]` (MAA prediction per session, Y-90 PET delivered dose and verification), its report blocks, files and JSON, and the viewer's volumes on the CT grid |
//! | `phantom` | [`phantom_files`]: the digital phantom as files (NIfTI, truth, DICOM), for the CLI and the server |
//! | [`phantom_dicom`] | the digital phantom (`sirt-phantom`) as DICOM objects: CT, NM SPECT, PET, SEG, RT Struct |
//! | `plausibility` | the case's masses and volumes and the segmented ones against the site's bounds; `[[accepted]]` applied to the checks that ran ([`Refusal`]) |
//! | `consistency` | the MAA SPECT's counts and the Y-90 PET's activity against the CT's body outline and the liver and lung structures |
//! | [`measure`] | [`measure::measure`]: the LSF, TNR per tumour and perfused volume per injection measured on the MAA SPECT with the case's masks, with provenance (`sirtplan measure`) |
//! | `feed` | the values a case leaves out (`mapping.lsf`, `tnr`, `perfused_volume`) measured on its images by [`measure`] and put into the plan, and the provenance of every measurable input ([`Outcome::inputs`], JSON `input_provenance`); [`measured_values_of`] for the server's recompute |
//! | [`structures`] | structures made from the images with the tools of `sirt-segmentation` ([`structures::make`]: an edit history replayed, put on the CT grid, refused when implausible), saved as DICOM SEG with who made them and how, or as a NIfTI label map (`sirtplan structure`) |
//! | [`case_builder`] | [`case_builder::build_case`]: a typed plan request (the web application's planning pages) → a case file's text with the provenance of measured values, validated by `sirt_case` |
//! | [`registration`] | rigid registration of a SPECT/CT or PET/CT to the planning CT for `sirtplan register` and the planning pages: series and region read, [`registration::register`], a manual nudge composed, the DICOM Spatial Registration object's bytes |
//! | `error` | [`PlanningError`], with [`PlanningError::is_input`] telling the user's input from internal failures |
//!
//! It reads the case's image files (through `sirt-imaging`), prints nothing and writes no file.
//!
//! ```
//! use sirt_planning::{CaseText, ImageRoot, SiteData, plan_case};
//! let site = SiteData::embedded()?;
//! let case = CaseText { text: sirt_planning::DEMO_CASE, name: "demo-net-case.toml" };
//! let outcome = plan_case(&site, case, ImageRoot::Skip)?;
//! assert!(outcome.text().contains("Research use only"));
//! assert!(outcome.json["injections"][0]["prescribed_activity_gbq"].as_f64().unwrap() > 0.0);
//! # Ok::<(), sirt_planning::PlanningError>(())
//! ```

pub mod case_builder;
mod consistency;
pub mod cumulative;
mod dose;
mod error;
mod feed;
mod image_checks;
pub mod measure;
mod outcome;
mod pacs;
mod phantom;
pub mod phantom_dicom;
mod plausibility;
pub mod registration;
mod settings_report;
mod site;
pub mod structures;
mod uncertainty;
pub mod voxel;

pub use dose::{DoseActivity, DoseImage, DoseOutcome, dose_image};
pub use error::PlanningError;
pub use feed::measured_values_of;
pub use outcome::{
    CaseText, ImageRoot, Outcome, check_image_paths, insert_record, plan_case,
    plan_case_with_overrides, plan_without_document, plan_without_document_measured,
};
pub use pacs::{
    PLAN_STRUCTURES_DESCRIPTION, PacsExportError, PacsObject, REPORT_DOCUMENT_TITLE,
    REPORT_SERIES_NUMBER, roi_colour,
};
pub use phantom::{PHANTOM_CASE_NAME, phantom_files};
pub use plausibility::{Refusal, Rejection};
pub use site::{SiteData, SiteFile};

/// The analytic demo case (bilobar NET, staged lobar glass treatment): `sirtplan demo
/// --analytic` and the web application's demo import.
pub const DEMO_CASE: &str = include_str!("../../../examples/demo-net-case.toml");

/// The planning engine's id, for the records that name what made a result (the server's
/// approval hash): crate name and version.
pub const ENGINE_ID: &str = concat!("sirt-planning ", env!("CARGO_PKG_VERSION"));

/// The demo case on the digital phantom (`sirtplan demo`, the web application's phantom
/// import): its image paths are relative to the phantom's folder ([`phantom_files`]).
pub const DEMO_PHANTOM_CASE: &str = include_str!("../../../examples/demo-phantom-case.toml");
