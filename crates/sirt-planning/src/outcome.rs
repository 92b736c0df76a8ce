//! [`plan_case`]: a case file → [`Outcome`] (plan, voxel plan, report document, JSON), and the
//! files of an outcome.

use crate::voxel::{VoxelPlan, voxel_heading};
use crate::{PlanningError, SiteData};
use serde_json::Value;
use sirt_report::document::{Block, Document};
use sirt_report::signoff::{ReportOptions, SignOff, is_sign_off_heading};
use sirt_workflow::Plan;
use std::path::{Component, Path};

/// A case file's text and the name its messages and report carry (its path, or a label).
#[derive(Debug, Clone, Copy)]
pub struct CaseText<'a> {
    /// The TOML text.
    pub text: &'a str,
    /// Name in messages and in the report.
    pub name: &'a str,
}

/// Where the images of a case with `[images]` are, and how far its paths may reach.
#[derive(Debug, Clone, Copy)]
pub enum ImageRoot<'a> {
    /// No voxel part, even for a case with `[images]`: the plan of the case's numbers alone
    /// (the web server's recompute on each parameter change, milliseconds).
    Skip,
    /// The case's image paths are relative to this folder (a case file's own folder);
    /// absolute paths and `..` are the user's choice (`sirtplan plan`).
    Folder(&'a Path),
    /// The case's image paths must be relative and stay inside this folder (the web server: a
    /// case file is user input and must not reach other files of the server).
    Confined(&'a Path),
}

/// Everything a plan shows, made once.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The plan (with its case and checks).
    pub plan: Plan,
    /// The voxel part, for a case with `[images]` unless skipped.
    pub voxel: Option<VoxelPlan>,
    /// The report document: the plan's sections, then the voxel sections.
    pub document: Document,
    /// The plan's JSON (`sirt_report::plan_json`), with `voxel` for the voxel part.
    pub json: Value,
    /// How the report prints its instants and its sign-off block.
    pub report_options: ReportOptions,
    /// Where each image-measurable input came from (LSF, TNRs, perfused volumes and masses,
    /// lung mass): measured on the images or entered, with the measurement beside an entered
    /// value; None for an outcome made from a plan alone ([`Outcome::new`]).
    pub inputs: Option<sirt_case::InputProvenance>,
}

/// Plans a case file: parse and validate it (`sirt-case`), measure on its images the values it
/// leaves out (`mapping.lsf`, `tnr`, `perfused_volume`) and those it states (to show beside
/// them) when `images` is not [`ImageRoot::Skip`] (`crate::feed`), plan it with the site's
/// devices and rules (`sirt-workflow`), run the voxel part when the case has `[images]`
/// ([`crate::voxel`]), and build the report document and the JSON, each measurable input with
/// its provenance ([`Outcome::inputs`]). A value left out that the images cannot measure is an
/// error naming the field and what would measure it.
pub fn plan_case(
    site: &SiteData,
    case: CaseText<'_>,
    images: ImageRoot<'_>,
) -> Result<Outcome, PlanningError> {
    plan_case_with_overrides(site, case, &sirt_case::Overrides::default(), images)
}

/// [`plan_case`] with typed changes to the case's values (the web application's plan
/// parameters), applied before the case is validated (`sirt_case::parse_with_overrides`).
pub fn plan_case_with_overrides(
    site: &SiteData,
    case: CaseText<'_>,
    overrides: &sirt_case::Overrides,
    images: ImageRoot<'_>,
) -> Result<Outcome, PlanningError> {
    let fed = crate::feed::feed(site, case, overrides, images)?;
    let parsed = fed.case;
    let mut notes = Vec::new();
    crate::plausibility::check_case(&parsed, case.name, &site.settings.plausibility, &mut notes)?;
    let mut plan = site.plan(&parsed, case.name)?;
    crate::cumulative::validate(&plan, case.name)?;
    plan.notes.extend(notes);
    crate::feed::restate_checks(&mut plan, &fed.provenance);
    let voxel = voxel_part(site, &plan, case.name, images)?;
    crate::image_checks::add(&mut plan, voxel.as_ref(), site);
    let mut outcome = Outcome::for_site(plan, voxel, &site.settings);
    let section = outcome.plan.case.images.is_some() && !matches!(images, ImageRoot::Skip);
    outcome.set_inputs_with(fed.provenance, section);
    Ok(outcome)
}

/// The plan and its JSON, without the voxel part and without building the report document: what
/// a recompute on each parameter change needs (the web server's `PATCH`).
pub fn plan_without_document(
    site: &SiteData,
    case: CaseText<'_>,
    overrides: &sirt_case::Overrides,
) -> Result<(Plan, Value), PlanningError> {
    plan_without_document_measured(site, case, overrides, &sirt_case::MeasuredValues::default())
}

/// [`plan_without_document`] of a case that leaves out values its images measure, given those
/// values as measured before ([`crate::measured_values_of`]: the web server measures once and
/// keeps them, so that a parameter change does not read the images). A value left out and not
/// in `measured` is an error naming its field.
pub fn plan_without_document_measured(
    site: &SiteData,
    case: CaseText<'_>,
    overrides: &sirt_case::Overrides,
    measured: &sirt_case::MeasuredValues,
) -> Result<(Plan, Value), PlanningError> {
    let stated = sirt_case::stated_values(case.text, case.name)?;
    let parsed = if stated.missing.is_empty() {
        sirt_case::parse_with_overrides(case.text, case.name, overrides)?
    } else if let Some(m) = stated.missing.iter().find(|m| !measured.gives(m)) {
        return Err(crate::measure::MeasureError::NotMeasurable {
            file: case.name.to_owned(),
            field: m.field().to_owned(),
            why: "this computation does not read the images (the web application's recompute of the numbers), and no measured value was given".into(),
            alternative: String::new(),
        }
        .into());
    } else {
        sirt_case::parse_with_measured(case.text, case.name, overrides, measured)?.0
    };
    let mut notes = Vec::new();
    crate::plausibility::check_case(&parsed, case.name, &site.settings.plausibility, &mut notes)?;
    let mut plan = site.plan(&parsed, case.name)?;
    plan.notes.extend(notes);
    let json = sirt_report::plan_json(&plan);
    Ok((plan, json))
}

/// The voxel part of a plan whose case has images, read from where `root` says, with the
/// consistency of its Y-90 PET checked (`case_file` names the case in messages; the segmented
/// volumes and the MAA SPECT are checked by the voxel part before its dosimetry).
fn voxel_part(
    site: &SiteData,
    plan: &Plan,
    case_file: &str,
    root: ImageRoot<'_>,
) -> Result<Option<VoxelPlan>, PlanningError> {
    let Some(images) = &plan.case.images else {
        return Ok(None);
    };
    let base = match root {
        ImageRoot::Skip => return Ok(None),
        ImageRoot::Folder(base) => base,
        ImageRoot::Confined(base) => {
            check_image_paths(images)?;
            base
        }
    };
    let mut voxel = crate::voxel::run(plan, images, base, &site.settings)?;
    crate::consistency::check_pet(&plan.case, case_file, &mut voxel, &site.settings)?;
    Ok(Some(voxel))
}

/// Refuses an image path that is absolute, empty or has a `..`.
fn confined(field: &'static str, path: &str) -> Result<(), PlanningError> {
    let inside = !path.is_empty()
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if inside {
        Ok(())
    } else {
        Err(PlanningError::ImagePath {
            field,
            path: path.to_owned(),
        })
    }
}

/// Every path of `[images]` is relative and stays inside its folder (no `..`, not absolute): what
/// [`ImageRoot::Confined`] requires, for a caller that checks before it reads anything.
pub fn check_image_paths(images: &sirt_case::Images) -> Result<(), PlanningError> {
    confined("ct", &images.ct)?;
    confined("structures", &images.structures)?;
    for (field, path) in [
        ("maa_spect", &images.maa_spect),
        ("y90_pet", &images.y90_pet),
    ] {
        if let Some(path) = path {
            confined(field, path)?;
        }
    }
    for path in &images.registration {
        confined("registration", path)?;
    }
    Ok(())
}

/// Puts a record (e.g. the web application's patient, version, approvals) under its heading
/// right after the research notice at the top of a plan document.
pub fn insert_record(document: &mut Document, heading: &str, record: Vec<(String, String)>) {
    let at = usize::from(!document.blocks.is_empty());
    document
        .blocks
        .insert(at, Block::Heading(1, heading.to_owned()));
    document.blocks.insert(at + 1, Block::KeyValues(record));
}

impl Outcome {
    /// The outcome of a plan and its voxel part: the document and the JSON built from them.
    pub fn new(plan: Plan, voxel: Option<VoxelPlan>) -> Self {
        Self::with_options(plan, voxel, ReportOptions::default())
    }

    /// The outcome as the site reports it: instants in the site's zone, its language, the
    /// sign-off block with empty fields, and the site settings that differ from the defaults.
    pub fn for_site(
        plan: Plan,
        voxel: Option<VoxelPlan>,
        settings: &sirt_settings::SiteSettings,
    ) -> Self {
        let options = ReportOptions {
            time_zone: settings.zone(),
            sign_off: SignOff::default(),
            lang: settings.language,
        };
        let mut outcome = Outcome::with_options(plan, voxel, options);
        crate::settings_report::add(&mut outcome, settings);
        outcome
    }

    /// [`Outcome::new`] with the report's options (the site's time zone, the signatures).
    pub fn with_options(plan: Plan, voxel: Option<VoxelPlan>, options: ReportOptions) -> Self {
        let mut document = sirt_report::plan_document_with(&plan, &options);
        let mut json = sirt_report::plan_json(&plan);
        // The cumulative dose over the course (docs/cumulative-dose.md), before the voxel part.
        crate::cumulative::add(&mut document, &mut json, &plan, options.lang);
        if let (Some(v), Some(images)) = (&voxel, &plan.case.images) {
            // The report's voxel blocks (its figures) and the radiobiology (docs/radiobiology.md)
            // read the same doses and are computed side by side; the blocks come first.
            let ((blocks, voxel_json), radiobiology) = rayon::join(
                || (v.blocks(&plan, images, options.lang), v.json()),
                || {
                    crate::voxel::radiobiology::embedded_radiobiology()
                        .map(|data| v.radiobiology_parts(&plan, data, options.lang))
                },
            );
            document.blocks.extend(blocks);
            json["voxel"] = voxel_json;
            // Radiobiology, as information: after the voxel part.
            match radiobiology {
                Ok((blocks, rb)) => {
                    document.blocks.extend(blocks);
                    json["voxel"]["radiobiology"] = rb;
                }
                Err(e) => json["voxel"]["radiobiology"] = serde_json::json!({ "error": e }),
            }
        }
        Self {
            plan,
            voxel,
            document,
            json,
            report_options: options,
            inputs: None,
        }
    }

    /// Sets the provenance of the plan's measurable inputs: the report's "Measured inputs"
    /// section (after the patient's inputs; only for a case with images) and the JSON's
    /// `input_provenance`.
    pub fn set_inputs(&mut self, inputs: sirt_case::InputProvenance) {
        let section = self.plan.case.images.is_some();
        self.set_inputs_with(inputs, section);
    }

    /// [`Outcome::set_inputs`], the report's section only when `section` (not for a plan whose
    /// images were not read).
    fn set_inputs_with(&mut self, inputs: sirt_case::InputProvenance, section: bool) {
        if section {
            sirt_report::measured::insert(
                &mut self.document,
                &inputs,
                &self.plan.case,
                self.report_options.lang,
            );
        }
        self.json["input_provenance"] = sirt_report::measured::json(&inputs);
        self.inputs = Some(inputs);
    }

    /// Sets the signatures of the report's sign-off block (the web server's checking and
    /// approval); the block's empty fields are lines to sign by hand.
    pub fn set_sign_off(&mut self, sign_off: SignOff) {
        self.report_options.sign_off = sign_off;
        let table = self.report_options.sign_off.table(&self.report_options);
        let heading = self
            .document
            .blocks
            .iter()
            .position(|b| matches!(b, Block::Heading(1, t) if is_sign_off_heading(t)));
        match heading {
            Some(at) if matches!(self.document.blocks.get(at + 1), Some(Block::Table(_))) => {
                self.document.blocks[at + 1] = Block::Table(table);
            }
            _ => {
                let at = usize::from(!self.document.blocks.is_empty());
                let blocks = self.report_options.sign_off.blocks(&self.report_options);
                self.document.blocks.splice(at..at, blocks);
            }
        }
    }

    /// The blocks of the voxel part of the document (from its "Voxel dosimetry" heading on, in
    /// the report's language; empty without a voxel part): what the planning workspace shows
    /// beside the DVH.
    pub fn voxel_blocks(&self) -> &[Block] {
        if self.voxel.is_none() {
            return &[];
        }
        let heading = voxel_heading(self.report_options.lang);
        let start = self
            .document
            .blocks
            .iter()
            .position(|b| matches!(b, Block::Heading(1, t) if *t == heading))
            .unwrap_or(self.document.blocks.len());
        &self.document.blocks[start..]
    }

    /// The report as plain text.
    pub fn text(&self) -> String {
        sirt_report::document::to_text(&self.document)
    }

    /// The report as a self-contained HTML page.
    pub fn html(&self) -> String {
        sirt_report::document::to_html(&self.document)
    }

    /// The JSON, pretty-printed (no final newline).
    pub fn json_text(&self) -> Result<String, PlanningError> {
        serde_json::to_string_pretty(&self.json).map_err(PlanningError::Json)
    }

    /// The treatment-day sheets, one per session in the plan's order, each with its file name
    /// without extension ("treatment-day-session-1"), on the report's paper.
    pub fn treatment_day_sheets(&self) -> Vec<(String, Document)> {
        sirt_report::treatment_day::treatment_day_sheets(&self.plan, &self.report_options)
            .into_iter()
            .enumerate()
            .map(|(n, mut d)| {
                d.page_size.clone_from(&self.document.page_size);
                (sirt_report::treatment_day::treatment_day_name(n + 1), d)
            })
            .collect()
    }

    /// The files of the plan (name, bytes; nothing is written): `plan.txt`, `plan.json`,
    /// `plan.html`, the treatment-day sheets (`treatment-day-session-N.html`), and with a voxel
    /// part its dose maps (NIfTI, RT Dose), DVH tables and plots.
    pub fn output_files(&self) -> Result<Vec<(String, Vec<u8>)>, PlanningError> {
        let mut files = vec![
            ("plan.txt".to_owned(), self.text().into_bytes()),
            (
                "plan.json".to_owned(),
                format!("{}\n", self.json_text()?).into_bytes(),
            ),
            ("plan.html".to_owned(), self.html().into_bytes()),
        ];
        for (name, d) in self.treatment_day_sheets() {
            files.push((
                format!("{name}.html"),
                sirt_report::document::to_html(&d).into_bytes(),
            ));
        }
        if let Some(v) = &self.voxel {
            files.extend(v.files(self.report_options.lang)?);
        }
        Ok(files)
    }
}
