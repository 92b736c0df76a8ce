//! `sirtplan register --fixed CT --moving SERIES [--moving-ct CT] [--region-mask FILE |
//! --region-box …] [--out reg.dcm]`: automatic rigid registration by Mattes mutual information
//! (`sirt_registration`, docs/registration.md); prints `fixed_from_moving` (moving series'
//! patient coordinates → fixed series'), the quality figures and the overlap; writes a DICOM
//! Spatial Registration object that `sirt_imaging::load_registration` reads back.
//!
//! With `--moving-ct` (the CT of a SPECT/CT or PET/CT) the CT is registered and the transform is
//! that of the series given to `--moving`, which must share the CT's frame of reference.
//!
//! A thin adapter over `sirt_planning::registration` (shared with the web application's
//! planning pages): flags to inputs, the text in the user's language (`--lang`), the file
//! written.

use crate::cli::Format;
use crate::{Failure, Result, input};
use anyhow::anyhow;
use sirt_geometry::PointLps;
use sirt_i18n::{Lang, t};
use sirt_planning::registration::{
    Method, Provenance, RegionChoice, RegionSummary, RegisterError, RigidRegistration, Series,
    Source, check_patients, is_nifti, load_fixed, load_moving, load_moving_ct, matrix,
    moving_through_ct, register, registration_object, rotation_angle_deg, rotation_angles_deg,
    writable_study,
};
use std::io::Write;
use std::path::{Path, PathBuf};

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

/// A refusal of the application layer: the user's (exit 2) or internal.
fn failure(e: RegisterError) -> Failure {
    if e.is_input() {
        Failure::Input(e.into())
    } else {
        Failure::Internal(e.into())
    }
}

/// The region option from the flags.
fn region_choice(args: &RegisterArgs) -> Result<RegionChoice> {
    if let Some(b) = args.region_box {
        return Ok(RegionChoice::Box {
            min: PointLps::new(b[0], b[1], b[2]),
            max: PointLps::new(b[3], b[4], b[5]),
        });
    }
    let Some(path) = &args.region_mask else {
        return Ok(RegionChoice::Whole);
    };
    if is_nifti(path) {
        return Ok(RegionChoice::LabelMap {
            label: "--region-mask".into(),
            path: path.clone(),
        });
    }
    let Some(name) = &args.region_structure else {
        return Err(input(anyhow!(
            "--region-mask {}: an RT Structure Set or SEG needs --region-structure NAME (the ROI \
             or segment to use)",
            path.display()
        )));
    };
    Ok(RegionChoice::Structure {
        label: "--region-mask".into(),
        path: path.clone(),
        name: name.clone(),
    })
}

/// The series registered (the moving series, or its CT) and the moving series' modality.
fn registered(args: &RegisterArgs) -> Result<(Series, String)> {
    let moving = Source {
        label: "--moving",
        path: &args.moving,
    };
    match &args.moving_ct {
        Some(ct) => {
            let ct = load_moving_ct(Source {
                label: "--moving-ct",
                path: ct,
            })
            .map_err(failure)?;
            let modality = moving_through_ct(moving, &ct).map_err(failure)?;
            Ok((ct, modality))
        }
        None => {
            let m = load_moving(moving).map_err(failure)?;
            let modality = m.modality.clone();
            Ok((m, modality))
        }
    }
}

/// `sirtplan register`.
pub(crate) fn run(args: &RegisterArgs, lang: Option<Lang>, out: &mut impl Write) -> Result<()> {
    let lang = lang.unwrap_or_default();
    let fixed = load_fixed(Source {
        label: "--fixed",
        path: &args.fixed,
    })
    .map_err(failure)?;
    let choice = region_choice(args)?;
    let (registered, moving_modality) = registered(args)?;
    check_patients(&fixed, &registered).map_err(failure)?;
    if args.out.is_some() {
        writable_study(&fixed, &registered, "--out").map_err(failure)?;
    }
    let (r, region) = register(&fixed, &registered, &choice).map_err(failure)?;
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
        region: &region,
        result: &r,
        written: written.as_deref(),
        lang,
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

/// Writes the Spatial Registration object (all or nothing): the automatic result, no creator.
fn write_registration(
    path: &Path,
    r: &RigidRegistration,
    fixed: &Series,
    moving: &Series,
) -> Result<()> {
    let made = Provenance {
        creator: None,
        method: Method::Automatic,
        quality: Some(&r.quality),
    };
    let bytes = registration_object(&r.fixed_from_moving, fixed, moving, &made).map_err(failure)?;
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
            files: vec![(name, bytes)],
            pdf_from_html: None,
        },
    )
    .map_err(|e| Failure::Internal(e.into()))?;
    Ok(())
}

/// What is printed.
struct Report<'a> {
    args: &'a RegisterArgs,
    fixed: &'a Series,
    moving_modality: &'a str,
    region: &'a RegionSummary,
    result: &'a RigidRegistration,
    written: Option<&'a str>,
    lang: Lang,
}

/// The region in words, in `lang` (the JSON's `region` is English).
fn region_text(region: &RegionSummary, lang: Lang) -> String {
    let n = |v: f64| lang.numeric(&v.to_string());
    match region {
        RegionSummary::Whole => t!(lang, "cli-register-region-whole"),
        RegionSummary::Box { min, max } => t!(
            lang,
            "cli-register-region-box",
            x0 = n(min[0]),
            y0 = n(min[1]),
            z0 = n(min[2]),
            x1 = n(max[0]),
            y1 = n(max[1]),
            z1 = n(max[2])
        ),
        RegionSummary::Mask {
            source,
            voxels,
            volume_ml,
            margin_mm,
        } => t!(
            lang,
            "cli-register-region-mask",
            source = source.as_str(),
            voxels = *voxels,
            volume = lang.quantity(*volume_ml, 1, "mL"),
            margin = lang.quantity(*margin_mm, 0, "mm")
        ),
    }
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
            "region": region_text(self.region, Lang::En),
            "quality": r.quality,
            "levels": r.levels,
            "centre_of_rotation_mm": r.centre_of_rotation,
            "warnings": r.warnings.iter().map(|w| serde_json::json!({"warning": w, "text": w.to_string()})).collect::<Vec<_>>(),
            "written": self.written,
        })
    }

    fn text(&self, out: &mut impl Write) -> Result<()> {
        let (r, lang) = (self.result, self.lang);
        let f = &r.fixed_from_moving;
        writeln!(
            out,
            "{}",
            t!(lang, "cli-register-title", levels = r.levels.len())
        )?;
        writeln!(
            out,
            "{}",
            t!(
                lang,
                "cli-register-fixed",
                modality = self.fixed.modality.as_str(),
                path = self.fixed.path.display().to_string(),
                frame = f.to.0.as_str()
            )
        )?;
        let moving = self.args.moving.display().to_string();
        let line = match &self.args.moving_ct {
            Some(ct) => t!(
                lang,
                "cli-register-moving-through-ct",
                modality = self.moving_modality,
                path = moving,
                ct = ct.display().to_string(),
                frame = f.from.0.as_str()
            ),
            None => t!(
                lang,
                "cli-register-moving",
                modality = self.moving_modality,
                path = moving,
                frame = f.from.0.as_str()
            ),
        };
        writeln!(out, "{line}")?;
        writeln!(
            out,
            "{}",
            t!(
                lang,
                "cli-register-region",
                region = region_text(self.region, lang)
            )
        )?;
        writeln!(out)?;
        writeln!(out, "{}", t!(lang, "cli-register-matrix"))?;
        for row in matrix(f) {
            let [a, b, c] = [row[0], row[1], row[2]].map(|v| lang.decimal(v, 5));
            let d = lang.decimal(row[3], 2);
            writeln!(out, "  [{a:>9} {b:>9} {c:>9} {d:>9} ]")?;
        }
        let [x, y, z] = f.translation_mm.map(|v| lang.decimal(v, 2));
        writeln!(
            out,
            "{}",
            t!(lang, "cli-register-translation", x = x, y = y, z = z)
        )?;
        let [ax, ay, az] = rotation_angles_deg(&f.rotation).map(|v| lang.decimal(v, 2));
        writeln!(
            out,
            "{}",
            t!(
                lang,
                "cli-register-rotation",
                x = ax,
                y = ay,
                z = az,
                total = lang.decimal(rotation_angle_deg(&f.rotation), 2)
            )
        )?;
        writeln!(out)?;
        self.quality(out)?;
        Ok(())
    }

    fn quality(&self, out: &mut impl Write) -> Result<()> {
        let (r, lang) = (self.result, self.lang);
        let q = &r.quality;
        let d3 = |v: f64| lang.decimal(v, 3);
        let corr = |c: Option<f64>| c.map_or("—".to_string(), d3);
        writeln!(
            out,
            "{}",
            t!(
                lang,
                "cli-register-nmi",
                nmi = d3(q.normalised_mi),
                start = d3(q.normalised_mi_initial)
            )
        )?;
        writeln!(
            out,
            "{}",
            t!(
                lang,
                "cli-register-mattes",
                mi = d3(q.mattes_mi),
                start = d3(q.mattes_mi_initial),
                correlation = corr(q.correlation),
                correlation_start = corr(q.correlation_initial),
                overlap = lang.percent(q.overlap.value(), 1)
            )
        )?;
        let levels: Vec<String> = r
            .levels
            .iter()
            .map(|l| {
                if l.stop.converged() {
                    t!(
                        lang,
                        "cli-register-level-converged",
                        shrink = l.shrink,
                        iterations = l.iterations
                    )
                } else {
                    t!(
                        lang,
                        "cli-register-level-not-converged",
                        shrink = l.shrink,
                        iterations = l.iterations
                    )
                }
            })
            .collect();
        writeln!(
            out,
            "{}",
            t!(lang, "cli-register-levels", levels = levels.join(", "))
        )?;
        for w in &r.warnings {
            writeln!(
                out,
                "{}",
                t!(lang, "cli-register-warning", warning = w.to_string())
            )?;
        }
        match self.written {
            Some(p) => writeln!(out, "{}", t!(lang, "cli-register-written", path = p))?,
            None if self.args.out.is_some() => {
                writeln!(out, "{}", t!(lang, "cli-register-not-written"))?;
            }
            None => {}
        }
        writeln!(out, "{}", t!(lang, "cli-register-note"))?;
        Ok(())
    }
}
