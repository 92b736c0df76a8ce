//! `sirtplan register --fixed CT --moving SERIES [--moving-ct CT] [--region-mask FILE |
//! --region-box …] [--out reg.dcm]`: automatic rigid registration by Mattes mutual information
//! (`sirt_registration`, docs/registration.md); prints `fixed_from_moving` (moving series'
//! patient coordinates → fixed series'), the quality figures and the overlap; writes a DICOM
//! Spatial Registration object that `sirt_imaging::load_registration` reads back.
//!
//! With `--moving-ct` (the CT of a SPECT/CT or PET/CT) the CT is registered and the transform is
//! that of the series given to `--moving`, which must share the CT's frame of reference.

use crate::cli::Format;
use crate::{Failure, Result, input};
use anyhow::anyhow;
use sirt_dicom::write::{
    CivilDateTime, RegistrationContent, RegistrationMethod, SeriesInfo, SeriesRef, StudyInfo,
    write_spatial_registration,
};
use sirt_geometry::{FrameOfReference, Image, Mask, PointLps, Rigid};
use sirt_registration::{
    REGION_MARGIN_MM, Region, RigidOptions, RigidRegistration, register_rigid, rotation_angle_deg,
    rotation_angles_deg,
};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Frame given to a moving series read from NIfTI (NIfTI carries no frame of reference): not the
/// fixed NIfTI's (`sirt_imaging::NIFTI_FRAME`), since the two are registered, not aligned.
const NIFTI_MOVING_FRAME: &str = "nifti-moving-scanner-space";

/// Series Number of the registration series written: design choice, after the images' numbers.
const REGISTRATION_SERIES_NUMBER: u32 = 900;

/// Content Label of the object written (PS3.3 C.10.9: CS, at most 16 characters).
const CONTENT_LABEL: &str = "SIRTPLAN_RIGID";

/// The arguments of `sirtplan register`.
#[derive(clap::Args)]
pub(crate) struct RegisterArgs {
    /// The fixed (reference) image, usually the planning CT: a folder holding one CT or MR
    /// series, or a NIfTI file.
    #[arg(long, value_name = "CT")]
    pub(crate) fixed: PathBuf,
    /// The series to register to the fixed one: a CT, MR, NM (SPECT) or PT (PET) series
    /// folder or file, or NIfTI. With --moving-ct, only its frame of reference is used.
    #[arg(long, value_name = "SERIES")]
    pub(crate) moving: PathBuf,
    /// The CT of the SPECT/CT or PET/CT given to --moving (same frame of reference): registered
    /// in its place (CT to CT is far more robust than SPECT to CT).
    #[arg(long = "moving-ct", value_name = "CT")]
    pub(crate) moving_ct: Option<PathBuf>,
    /// Restrict the registration to a mask on the fixed image (e.g. the liver: breathing moves
    /// it against the spine): a NIfTI label map (its non-zero voxels), or an RT Structure Set
    /// or SEG with --region-structure. Dilated by 20 mm.
    #[arg(
        long = "region-mask",
        value_name = "FILE",
        conflicts_with = "region_box"
    )]
    pub(crate) region_mask: Option<PathBuf>,
    /// The structure of an RT Structure Set or SEG given to --region-mask (ROI or segment name).
    #[arg(
        long = "region-structure",
        value_name = "NAME",
        requires = "region_mask"
    )]
    pub(crate) region_structure: Option<String>,
    /// Restrict the registration to a box in the fixed image's patient coordinates (LPS, mm):
    /// two opposite corners x0,y0,z0,x1,y1,z1.
    #[arg(long = "region-box", value_name = "X0,Y0,Z0,X1,Y1,Z1", value_parser = parse_box)]
    pub(crate) region_box: Option<[f64; 6]>,
    /// Write the registration as a DICOM Spatial Registration object (in the fixed series'
    /// study). Not written when the result has a warning, unless --accept-warnings.
    #[arg(long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
    /// Write --out even when the result has warnings (not converged, low overlap).
    #[arg(long)]
    pub(crate) accept_warnings: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub(crate) format: Format,
}

/// `--region-box`: six numbers separated by commas.
fn parse_box(s: &str) -> std::result::Result<[f64; 6], String> {
    let v: Vec<f64> = s
        .split(',')
        .map(|x| x.trim().parse::<f64>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| format!("expected six numbers x0,y0,z0,x1,y1,z1 (mm), found \"{s}\": {e}"))?;
    <[f64; 6]>::try_from(v.as_slice()).map_err(|_| {
        format!(
            "expected six numbers x0,y0,z0,x1,y1,z1 (mm), found {} in \"{s}\"",
            v.len()
        )
    })
}

/// A loaded series: the image, what it is, and for DICOM its reference and study.
struct Loaded {
    image: Image<f32>,
    path: PathBuf,
    modality: String,
    reference: Option<SeriesRef>,
    study: Option<sirt_dicom::Study>,
}

fn is_nifti(path: &Path) -> bool {
    let name = path.to_string_lossy().to_ascii_lowercase();
    name.ends_with(".nii") || name.ends_with(".nii.gz")
}

/// The one series of `modalities` in a folder (or the folder of a file), with its study.
fn find_series(
    path: &Path,
    modalities: &[&str],
    flag: &str,
) -> Result<(sirt_dicom::Study, sirt_dicom::Series)> {
    // A bare file name ("spect.dcm") has the parent "": its folder is the current one.
    let dir = if path.is_dir() {
        path
    } else {
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    };
    // The scan lists the files of `dir` as `dir` joined with their names ("./spect.dcm").
    let listed = path.file_name().map(|name| dir.join(name));
    if !path.exists() {
        return Err(input(anyhow!(
            "{flag} {}: expected a DICOM series folder or a NIfTI file, found no such file or folder",
            path.display()
        )));
    }
    let report = sirt_dicom::scan(dir);
    let mut found = Vec::new();
    let mut seen = Vec::new();
    for st in &report.studies {
        for se in &st.series {
            seen.push(format!("{} ({} files)", se.modality, se.files.len()));
            let holds = path.is_dir()
                || se
                    .files
                    .iter()
                    .any(|f| f == path || Some(f) == listed.as_ref());
            if holds && modalities.contains(&se.modality.as_str()) {
                found.push((st.clone(), se.clone()));
            }
        }
    }
    match found.len() {
        1 => Ok(found.swap_remove(0)),
        0 => Err(input(anyhow!(
            "{flag} {}: expected a {} series, found {}",
            path.display(),
            modalities.join(" or "),
            if seen.is_empty() {
                "no DICOM series".to_string()
            } else {
                seen.join(", ")
            }
        ))),
        n => Err(input(anyhow!(
            "{flag} {}: expected a single {} series, found {n}: put each series in its own folder",
            path.display(),
            modalities.join(" or ")
        ))),
    }
}

/// A CT (or MR): a DICOM series read with its reference, or NIfTI in `nifti_frame`.
fn load_ct(path: &Path, nifti_frame: &str, flag: &str) -> Result<Loaded> {
    if is_nifti(path) {
        let frame = FrameOfReference(nifti_frame.into());
        let image = sirt_imaging::load_ct(path, Some(&frame)).map_err(input)?;
        return Ok(Loaded {
            image,
            path: path.into(),
            modality: "NIfTI".into(),
            reference: None,
            study: None,
        });
    }
    let (study, series) = find_series(path, &["CT", "MR"], flag)?;
    let read = sirt_dicom::read_image_series(&series.files).map_err(input)?;
    let reference = SeriesRef::from_image_series(&read).map_err(|e| Failure::Internal(e.into()))?;
    Ok(Loaded {
        image: read.image,
        path: path.into(),
        modality: series.modality,
        reference: Some(reference),
        study: Some(study),
    })
}

/// Any moving series registered directly (no --moving-ct): CT/MR, NM, PT or NIfTI.
fn load_moving(path: &Path) -> Result<Loaded> {
    if is_nifti(path) {
        return load_ct(path, NIFTI_MOVING_FRAME, "--moving");
    }
    let (study, series) = find_series(path, &["CT", "MR", "NM", "PT"], "--moving")?;
    let image = match series.modality.as_str() {
        "NM" => sirt_imaging::load_spect(path, None).map_err(input)?,
        "PT" => sirt_imaging::load_pet(path, None).map_err(input)?.image,
        _ => return load_ct(path, NIFTI_MOVING_FRAME, "--moving"),
    };
    Ok(Loaded {
        image,
        path: path.into(),
        modality: series.modality,
        reference: None,
        study: Some(study),
    })
}

/// The series given to --moving when --moving-ct is registered in its place: its modality, and
/// a check that it shares the CT's frame of reference (NIfTI, which has none, is taken to).
fn moving_through_ct(moving: &Path, ct: &Loaded) -> Result<String> {
    if is_nifti(moving) {
        if !moving.is_file() {
            return Err(input(anyhow!(
                "--moving {}: no such file",
                moving.display()
            )));
        }
        return Ok("NIfTI".into());
    }
    let (_, series) = find_series(moving, &["CT", "MR", "NM", "PT"], "--moving")?;
    let ct_frame = &ct.image.grid().frame;
    match series.frame_of_reference_uid.as_deref() {
        Some(f) if f == ct_frame.0 => Ok(series.modality),
        found => Err(input(anyhow!(
            "--moving {} and --moving-ct {}: expected the same frame of reference (a SPECT/CT's or \
             PET/CT's images share one), found {} and {}",
            moving.display(),
            ct.path.display(),
            found.unwrap_or("none"),
            ct_frame
        ))),
    }
}

/// The region option from the flags.
fn region(args: &RegisterArgs, fixed: &Image<f32>) -> Result<(Region, String)> {
    if let Some(b) = args.region_box {
        let (min, max) = (
            PointLps::new(b[0], b[1], b[2]),
            PointLps::new(b[3], b[4], b[5]),
        );
        let text = format!(
            "box ({}, {}, {}) to ({}, {}, {}) mm",
            b[0], b[1], b[2], b[3], b[4], b[5]
        );
        return Ok((Region::Box { min, max }, text));
    }
    let Some(path) = &args.region_mask else {
        return Ok((Region::Whole, "the whole fixed image".into()));
    };
    let mask = region_mask(path, args.region_structure.as_deref(), fixed)?;
    let text = format!(
        "mask {} ({} voxels, {:.1} mL), dilated by {REGION_MARGIN_MM} mm",
        path.display(),
        mask.count(),
        mask.volume_ml()
    );
    Ok((
        Region::Mask {
            mask,
            margin_mm: REGION_MARGIN_MM,
        },
        text,
    ))
}

/// A mask on the fixed grid: a NIfTI label map's non-zero voxels (resampled onto the fixed grid
/// by nearest neighbour when it is on another), or a named structure of an RT Struct or SEG.
fn region_mask(path: &Path, structure: Option<&str>, fixed: &Image<f32>) -> Result<Mask> {
    let grid = fixed.grid();
    if is_nifti(path) {
        let bytes = std::fs::read(path)
            .map_err(|e| input(anyhow!("--region-mask {}: {e}", path.display())))?;
        let labels =
            sirt_nifti::read_labels(&bytes, &path.display().to_string(), grid.frame.clone())
                .map_err(input)?;
        let mask = labels.map(|l| l != 0);
        if mask.grid().same_as(grid) {
            return Ok(mask);
        }
        let identity = Rigid::identity(grid.frame.clone(), grid.frame.clone());
        return sirt_geometry::resample_nearest(&mask, grid, &identity, false).map_err(input);
    }
    let Some(name) = structure else {
        return Err(input(anyhow!(
            "--region-mask {}: an RT Structure Set or SEG needs --region-structure NAME (the ROI \
             or segment to use)",
            path.display()
        )));
    };
    let wanted = [sirt_imaging::StructureRequest::new(
        name,
        sirt_geometry::Role::Liver,
    )];
    let mut found =
        sirt_imaging::load_structures(path, grid, &wanted, &Default::default()).map_err(input)?;
    Ok(found.remove(0).mask)
}

/// `sirtplan register`.
pub(crate) fn run(args: &RegisterArgs, out: &mut impl Write) -> Result<()> {
    let fixed = load_ct(&args.fixed, sirt_imaging::NIFTI_FRAME, "--fixed")?;
    let (region, region_text) = region(args, &fixed.image)?;
    let (registered, moving_modality) = match &args.moving_ct {
        Some(ct) => {
            let ct = load_ct(ct, NIFTI_MOVING_FRAME, "--moving-ct")?;
            let modality = moving_through_ct(&args.moving, &ct)?;
            (ct, modality)
        }
        None => {
            let m = load_moving(&args.moving)?;
            let modality = m.modality.clone();
            (m, modality)
        }
    };
    check_patients(&fixed, &registered)?;
    if args.out.is_some() {
        writable_study(&fixed, &registered)?;
    }
    let options = RigidOptions {
        region,
        ..Default::default()
    };
    let r = register_rigid(&fixed.image, &registered.image, &options).map_err(input)?;
    let written = match &args.out {
        Some(path) if r.warnings.is_empty() || args.accept_warnings => {
            write_registration(path, &r, &fixed, &registered)?;
            Some(path.display().to_string())
        }
        _ => None,
    };
    let report = Report {
        args,
        fixed: &fixed,
        moving_modality: &moving_modality,
        region: &region_text,
        result: &r,
        written: written.as_deref(),
    };
    match args.format {
        Format::Json => {
            let json = serde_json::to_string_pretty(&report.json())
                .map_err(|e| Failure::Internal(e.into()))?;
            writeln!(out, "{json}")?;
        }
        Format::Text => report.text(out)?,
    }
    if args.out.is_some() && written.is_none() {
        return Err(input(anyhow!(
            "{} not written: the registration has warnings ({}); look at the images, then give \
             --accept-warnings to write it anyway",
            args.out.as_deref().unwrap_or(Path::new("")).display(),
            r.warnings
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        )));
    }
    Ok(())
}

/// Refuses series of two patients (when both name one).
fn check_patients(fixed: &Loaded, moving: &Loaded) -> Result<()> {
    let id = |l: &Loaded| l.study.as_ref().and_then(|s| s.patient_id.clone());
    match (id(fixed), id(moving)) {
        (Some(a), Some(b)) if a != b => Err(input(anyhow!(
            "--fixed {} and --moving {}: expected series of one patient, found patient IDs \
             \"{a}\" and \"{b}\"",
            fixed.path.display(),
            moving.path.display()
        ))),
        _ => Ok(()),
    }
}

/// The study the registration object is written in: the fixed series', with its Study Date
/// (the object shares the study's Study Instance UID, so it repeats the study's date; a date made
/// up here would contradict the study). A fixed series without a valid Study Date is refused:
/// the writer has no empty Study Date to write.
fn study_of(fixed: &Loaded) -> Result<StudyInfo> {
    let Some(st) = &fixed.study else {
        return Err(input(anyhow!(
            "--out needs --fixed as a DICOM series (the registration object is written in its \
             study, for its patient); {} is NIfTI",
            fixed.path.display()
        )));
    };
    let date_time = study_date(st.study_date.as_deref()).ok_or_else(|| {
        input(anyhow!(
            "--fixed {}: Study Date (0008,0020): expected a date YYYYMMDD (the registration \
             object is written in the fixed series' study and repeats its date), found {}",
            fixed.path.display(),
            st.study_date
                .as_deref()
                .map_or_else(|| "none".to_owned(), |d| format!("\"{d}\""))
        ))
    })?;
    let mut study = StudyInfo::new(
        st.patient_name.as_deref().unwrap_or(""),
        st.patient_id.as_deref().unwrap_or(""),
        date_time,
    );
    study.study_instance_uid = st.study_instance_uid.clone();
    study.description = st.description.clone();
    Ok(study)
}

/// A DICOM date (DA, PS3.5 6.2: eight digits YYYYMMDD) at midnight, when valid.
fn study_date(da: Option<&str>) -> Option<CivilDateTime> {
    let da = da?;
    if da.len() != 8 || !da.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let part = |a: usize, b: usize| da.get(a..b).and_then(|s| s.parse::<u32>().ok());
    let year = i32::try_from(part(0, 4)?).ok()?;
    CivilDateTime::new(year, part(4, 6)?, part(6, 8)?, 0, 0, 0.0).ok()
}

/// The study the object will be written in, when both series are DICOM: checked before the
/// registration runs, so that a series that cannot be written is refused at once.
fn writable_study(fixed: &Loaded, moving: &Loaded) -> Result<StudyInfo> {
    if moving.study.is_none() {
        return Err(input(anyhow!(
            "--out needs the registered moving series as DICOM (the object names its Frame of \
             Reference UID); {} is NIfTI",
            moving.path.display()
        )));
    }
    study_of(fixed)
}

/// Writes the Spatial Registration object (all or nothing).
fn write_registration(
    path: &Path,
    r: &RigidRegistration,
    fixed: &Loaded,
    moving: &Loaded,
) -> Result<()> {
    let study = writable_study(fixed, moving)?;
    let series = SeriesInfo::new(
        REGISTRATION_SERIES_NUMBER,
        "sirtplan rigid registration",
        CivilDateTime::now_utc(),
    );
    let references: Vec<&SeriesRef> = [&fixed.reference, &moving.reference]
        .into_iter()
        .flatten()
        .collect();
    let q = &r.quality;
    let content = RegistrationContent {
        label: CONTENT_LABEL.into(),
        description: Some(format!(
            "{} to {}: Mattes MI, rigid",
            moving.modality, fixed.modality
        )),
        creator: None,
        method: RegistrationMethod::ImageContent,
        comment: Some(format!(
            "NMI {:.3} (start {:.3}); overlap {:.1} %",
            q.normalised_mi,
            q.normalised_mi_initial,
            q.overlap.percent()
        )),
    };
    let object =
        write_spatial_registration(&r.fixed_from_moving, &references, &study, &series, &content)
            .map_err(input)?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| input(anyhow!("--out {}: expected a file name", path.display())))?
        .to_string_lossy()
        .to_string();
    sirt_report::write_outputs(
        dir,
        &sirt_report::Outputs {
            files: vec![(name, object.bytes)],
            pdf_from_html: None,
        },
    )
    .map_err(|e| Failure::Internal(e.into()))?;
    Ok(())
}

/// What is printed.
struct Report<'a> {
    args: &'a RegisterArgs,
    fixed: &'a Loaded,
    moving_modality: &'a str,
    region: &'a str,
    result: &'a RigidRegistration,
    written: Option<&'a str>,
}

/// The 4 × 4 matrix of a rigid transform, row-major, translation in the fourth column.
fn matrix(r: &Rigid) -> [[f64; 4]; 4] {
    let m = &r.rotation;
    let t = &r.translation_mm;
    [
        [m[0][0], m[0][1], m[0][2], t[0]],
        [m[1][0], m[1][1], m[1][2], t[1]],
        [m[2][0], m[2][1], m[2][2], t[2]],
        [0.0, 0.0, 0.0, 1.0],
    ]
}

impl Report<'_> {
    fn json(&self) -> serde_json::Value {
        let r = self.result;
        let f = &r.fixed_from_moving;
        let [ax, ay, az] = rotation_angles_deg(&f.rotation);
        serde_json::json!({
            "fixed_from_moving": matrix(f),
            "fixed": {
                "path": self.fixed.path.display().to_string(),
                "modality": self.fixed.modality,
                "frame_of_reference": f.to.0,
            },
            "moving": {
                "path": self.args.moving.display().to_string(),
                "modality": self.moving_modality,
                "frame_of_reference": f.from.0,
                "registered_through_ct": self.args.moving_ct.as_ref().map(|p| p.display().to_string()),
            },
            "translation_mm": f.translation_mm,
            "rotation_deg": { "x": ax, "y": ay, "z": az, "convention": "R = Rz·Ry·Rx", "total": rotation_angle_deg(&f.rotation) },
            "initial": "the images' centres aligned",
            "region": self.region,
            "quality": r.quality,
            "levels": r.levels,
            "centre_of_rotation_mm": r.centre_of_rotation,
            "warnings": r.warnings.iter().map(|w| serde_json::json!({"warning": w, "text": w.to_string()})).collect::<Vec<_>>(),
            "written": self.written,
        })
    }

    fn text(&self, out: &mut impl Write) -> Result<()> {
        let r = self.result;
        let f = &r.fixed_from_moving;
        writeln!(
            out,
            "Rigid registration by Mattes mutual information ({} levels)",
            r.levels.len()
        )?;
        writeln!(
            out,
            "  fixed:  {} {} (frame {})",
            self.fixed.modality,
            self.fixed.path.display(),
            f.to
        )?;
        match &self.args.moving_ct {
            Some(ct) => writeln!(
                out,
                "  moving: {} {} through its CT {} (frame {})",
                self.moving_modality,
                self.args.moving.display(),
                ct.display(),
                f.from
            )?,
            None => writeln!(
                out,
                "  moving: {} {} (frame {})",
                self.moving_modality,
                self.args.moving.display(),
                f.from
            )?,
        }
        writeln!(
            out,
            "  region: {}; start: the images' centres aligned",
            self.region
        )?;
        writeln!(out)?;
        writeln!(
            out,
            "fixed_from_moving (a point in the moving series' patient coordinates → the fixed series', LPS, mm):"
        )?;
        for row in matrix(f) {
            writeln!(
                out,
                "  [{:>9.5} {:>9.5} {:>9.5} {:>9.2} ]",
                row[0], row[1], row[2], row[3]
            )?;
        }
        let t = f.translation_mm;
        let [ax, ay, az] = rotation_angles_deg(&f.rotation);
        writeln!(
            out,
            "  translation: {:.2}, {:.2}, {:.2} mm",
            t[0], t[1], t[2]
        )?;
        writeln!(
            out,
            "  rotation: {ax:.2}° about x, {ay:.2}° about y, {az:.2}° about z (R = Rz·Ry·Rx); {:.2}° in all",
            rotation_angle_deg(&f.rotation)
        )?;
        writeln!(out)?;
        self.quality(out)?;
        Ok(())
    }

    fn quality(&self, out: &mut impl Write) -> Result<()> {
        let r = self.result;
        let q = &r.quality;
        let corr = |c: Option<f64>| c.map_or("—".to_string(), |c| format!("{c:.3}"));
        writeln!(
            out,
            "quality: normalised MI {:.3} (at the start {:.3}; 1 = independent, 2 = identical images)",
            q.normalised_mi, q.normalised_mi_initial
        )?;
        writeln!(
            out,
            "  Mattes MI {:.3} nats (at the start {:.3}); correlation {} (at the start {}); overlap {:.1} % of the region",
            q.mattes_mi,
            q.mattes_mi_initial,
            corr(q.correlation),
            corr(q.correlation_initial),
            q.overlap.percent()
        )?;
        let levels: Vec<String> = r
            .levels
            .iter()
            .map(|l| {
                let how = if l.stop.converged() {
                    "converged"
                } else {
                    "not converged"
                };
                format!("shrink {}: {} iterations ({how})", l.shrink, l.iterations)
            })
            .collect();
        writeln!(out, "  levels: {}", levels.join(", "))?;
        for w in &r.warnings {
            writeln!(out, "warning: {w}")?;
        }
        match self.written {
            Some(p) => writeln!(out, "written: {p} (DICOM Spatial Registration)")?,
            None if self.args.out.is_some() => writeln!(out, "not written: see the warnings")?,
            None => {}
        }
        writeln!(
            out,
            "Research use only: look at the fused images before using a registration."
        )?;
        Ok(())
    }
}
