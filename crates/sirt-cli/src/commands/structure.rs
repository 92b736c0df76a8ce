//! `sirtplan structure territory | grow | combine`: make a structure from the images with the
//! tools of `sirt-segmentation` through the application layer (`sirt_planning::structures`),
//! refuse it when implausible, and save it as a DICOM SEG referencing the planning CT (or a
//! NIfTI label map) with who made it and how; print its live volume and provenance.
//!
//! Every command takes the planning CT (`--ct`), the structure's `--name`, `--author` (the
//! person, `Family^Given`: Content Creator's Name), `--out` (`.dcm`: DICOM SEG; `.nii` /
//! `.nii.gz`: NIfTI label map) and `--keep FILE:NAMES` (structures of another file copied into
//! the same output, so that one file holds every structure a case names). Nothing is written
//! unless every step succeeds; the file appears whole or not at all.

use crate::cli::Format;
use crate::{Failure, Result, input};
use anyhow::anyhow;
use sirt_geometry::{FrameOfReference, Mask, PointLps, Rigid, Role};
use sirt_planning::structures::tools::Connectivity;
use sirt_planning::structures::tools::boolean::BooleanOp;
use sirt_planning::structures::tools::margin::Margin;
use sirt_planning::structures::tools::threshold::Interval;
use sirt_planning::structures::{
    Author, Context, EditHistory, Made, Operation, SegRequest, SourceImage, StructureError,
    StructureSource, load_image, load_masks, make,
};
use sirt_units::{Fraction, Instant, Length};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The subcommands of `sirtplan structure`.
#[derive(clap::Subcommand)]
pub(crate) enum StructureCmd {
    /// The perfused territory of one injection on its MAA SPECT: the voxels at or above a
    /// percentage of the maximum (or a number of counts) within the liver, put on the planning
    /// CT's grid (through --registration when the frames differ). Refused when it lies less
    /// than 90 % inside the liver.
    Territory {
        #[command(flatten)]
        common: Common,
        /// The MAA SPECT: an NM series folder or file, or NIfTI (counts; taken to lie in the
        /// CT's frame).
        #[arg(long, value_name = "SPECT")]
        spect: PathBuf,
        /// The liver: FILE:NAME of an RT Structure Set, SEG or NIfTI label map (NAME=V+V for a
        /// label map). The threshold is restricted to it.
        #[arg(long, value_name = "STRUCTS:NAME")]
        liver: StructureSource,
        /// Keep the voxels at or above this percentage of the maximum within the liver.
        #[arg(
            long,
            value_name = "PERCENT",
            required_unless_present = "min_counts",
            conflicts_with = "min_counts"
        )]
        percent: Option<f64>,
        /// Keep the voxels with at least this many counts within the liver.
        #[arg(long = "min-counts", value_name = "COUNTS")]
        min_counts: Option<f64>,
        /// A DICOM Spatial Registration linking the SPECT's frame of reference with the CT's.
        #[arg(long, value_name = "REG")]
        registration: Option<PathBuf>,
    },
    /// Seeded region growing on the CT (the liver on a contrast CT): the voxels connected to the
    /// seeds through voxels within the HU interval.
    Grow {
        #[command(flatten)]
        common: Common,
        /// A seed: x,y,z in the CT's patient coordinates (LPS, mm). Repeatable.
        #[arg(long, value_name = "X,Y,Z", required = true, allow_hyphen_values = true, value_parser = parse_point)]
        seed: Vec<PointLps>,
        /// The HU interval, both ends included: LO,HI.
        #[arg(long, value_name = "LO,HI", allow_hyphen_values = true, value_parser = parse_interval)]
        hu: Interval,
        /// Which voxels touch: 6 (faces) or 26 (faces, edges, corners).
        #[arg(long, value_name = "6|26", default_value = "6", value_parser = parse_connectivity)]
        connectivity: Connectivity,
        /// Fill the holes of the grown region (3-D): tumours and vessels inside the liver.
        #[arg(long = "fill-holes")]
        fill_holes: bool,
    },
    /// Boolean operations and margins on existing structures: --a, then + each --plus, ∩ each
    /// --and, − each --minus, then --margin and --fill-holes.
    Combine {
        #[command(flatten)]
        common: Common,
        /// The structure to start from: FILE:NAME.
        #[arg(long, value_name = "STRUCTS:NAME")]
        a: StructureSource,
        /// Structures added (union): FILE:NAME[,NAME…]. Repeatable.
        #[arg(long, value_name = "STRUCTS:NAMES")]
        plus: Vec<StructureSource>,
        /// Structures intersected: FILE:NAME[,NAME…]. Repeatable.
        #[arg(long = "and", value_name = "STRUCTS:NAMES")]
        and: Vec<StructureSource>,
        /// Structures removed (difference): FILE:NAME[,NAME…]. Repeatable.
        #[arg(long, value_name = "STRUCTS:NAMES")]
        minus: Vec<StructureSource>,
        /// Grow (positive) or shrink (negative) by this distance, mm (exact Euclidean).
        #[arg(long, value_name = "MM", allow_negative_numbers = true)]
        margin: Option<f64>,
        /// Fill the holes (3-D) at the end.
        #[arg(long = "fill-holes")]
        fill_holes: bool,
        /// The liver a --role territory result is checked against: FILE:NAME.
        #[arg(long, value_name = "STRUCTS:NAME")]
        liver: Option<StructureSource>,
    },
}

/// What a structure is (`--role`).
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum RoleArg {
    /// The whole liver, tumours included (its volume is checked against the site's bounds).
    Liver,
    /// The lungs.
    Lungs,
    /// A tumour.
    Tumour,
    /// A perfused territory (checked to lie in the liver: give --liver).
    Territory,
    /// The liver without its tumours.
    NormalLiver,
    /// An extrahepatic structure (stomach, duodenum).
    Extrahepatic,
    /// Anything else.
    Other,
}

impl RoleArg {
    fn role(self) -> Role {
        match self {
            RoleArg::Liver => Role::Liver,
            RoleArg::Lungs => Role::Lungs,
            RoleArg::Tumour => Role::Tumour,
            RoleArg::Territory => Role::Territory,
            RoleArg::NormalLiver => Role::NormalLiver,
            RoleArg::Extrahepatic => Role::Extrahepatic,
            RoleArg::Other => Role::Other,
        }
    }
}

/// The options every `structure` command takes.
#[derive(clap::Args)]
pub(crate) struct Common {
    /// The planning CT: a CT series folder (the SEG references it) or NIfTI (then --out must be
    /// a NIfTI label map). The structure ends on its grid.
    #[arg(long, value_name = "CT")]
    ct: PathBuf,
    /// The structure's name (the SEG's Segment Label; what a case's [images] names).
    #[arg(long, value_name = "NAME")]
    name: String,
    /// What the structure is; default from --name: "liver" a liver, "lungs" the lungs,
    /// "normal liver" the normal liver, otherwise other.
    #[arg(long, value_enum, value_name = "ROLE")]
    role: Option<RoleArg>,
    /// Who makes it: a DICOM person name, Family^Given (the SEG's Content Creator's Name).
    #[arg(long, value_name = "FAMILY^GIVEN")]
    author: String,
    /// When the edits are made (e.g. 2025-01-15T10:30:00+00:00[UTC]); default: now.
    #[arg(long, value_name = "INSTANT")]
    at: Option<Instant>,
    /// Copy these structures of another file into the same output unchanged (as imports):
    /// FILE:NAME[,NAME…]. Repeatable.
    #[arg(long, value_name = "STRUCTS:NAMES")]
    keep: Vec<StructureSource>,
    /// Where to write: a DICOM object (.dcm: a SEG, or an RT Structure Set with --as
    /// rt-struct), or a NIfTI label map (.nii, .nii.gz).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// The DICOM object a .dcm output is: a Segmentation (seg) or an RT Structure Set
    /// (rt-struct: each structure an ROI of contours on the CT slices, ROI Generation
    /// Algorithm and Interpreter from its history, Operators' Name the author).
    #[arg(long = "as", value_enum, value_name = "OBJECT", default_value = "seg")]
    save_as: SaveAs,
    /// The site settings file (the liver's plausibility bounds).
    #[arg(long, value_name = "FILE")]
    site: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

/// The DICOM object of a `.dcm` output.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum SaveAs {
    /// DICOM Segmentation.
    Seg,
    /// DICOM RT Structure Set.
    RtStruct,
}

/// Three numbers separated by commas.
fn parse_point(s: &str) -> std::result::Result<PointLps, String> {
    let v = numbers(s, 3, "x,y,z (mm, LPS)")?;
    Ok(PointLps::new(v[0], v[1], v[2]))
}

/// Two numbers separated by a comma, lower ≤ upper.
fn parse_interval(s: &str) -> std::result::Result<Interval, String> {
    let v = numbers(s, 2, "LO,HI (HU)")?;
    Interval::new(v[0] as f32, v[1] as f32).map_err(|e| e.to_string())
}

fn parse_connectivity(s: &str) -> std::result::Result<Connectivity, String> {
    match s.trim() {
        "6" => Ok(Connectivity::Six),
        "26" => Ok(Connectivity::TwentySix),
        other => Err(format!("expected 6 or 26, found \"{other}\"")),
    }
}

fn numbers(s: &str, n: usize, what: &str) -> std::result::Result<Vec<f64>, String> {
    let v: Vec<f64> = s
        .split(',')
        .map(|x| x.trim().parse::<f64>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| format!("expected {what}, found \"{s}\": {e}"))?;
    if v.len() != n || v.iter().any(|x| !x.is_finite()) {
        return Err(format!("expected {n} finite numbers {what}, found \"{s}\""));
    }
    Ok(v)
}

/// A structure error: the user's input or internal.
fn failure(e: StructureError) -> Failure {
    if e.is_input() {
        Failure::Input(e.into())
    } else {
        Failure::Internal(e.into())
    }
}

/// The instant of the edits: `--at`, else now (UTC).
fn instant(at: Option<&Instant>) -> Result<Instant> {
    if let Some(a) = at {
        return Ok(a.clone());
    }
    let now = sirt_dicom::write::CivilDateTime::now_utc();
    let (d, t) = (now.date(), now.time());
    let text = format!(
        "{}-{}-{}T{}:{}:{}+00:00[UTC]",
        &d[0..4],
        &d[4..6],
        &d[6..8],
        &t[0..2],
        &t[2..4],
        &t[4..6]
    );
    text.parse::<Instant>()
        .map_err(|e| Failure::Internal(anyhow!("the current time {text}: {e}")))
}

/// The role given, or the one --name implies.
fn role_of(common: &Common) -> Role {
    match common.role {
        Some(r) => r.role(),
        None => implied_role(&common.name),
    }
}

fn implied_role(name: &str) -> Role {
    match name.trim().to_ascii_lowercase().as_str() {
        "liver" => Role::Liver,
        "lungs" | "lung" => Role::Lungs,
        "normal liver" => Role::NormalLiver,
        _ => Role::Other,
    }
}

/// The one structure a `FILE:NAME` option names, on the CT grid.
fn one_mask(source: &StructureSource, ct: &SourceImage, flag: &str) -> Result<(String, Mask)> {
    if source.names.len() != 1 {
        return Err(input(anyhow!(
            "{flag} {source}: expected one structure, found {}",
            source.names.len()
        )));
    }
    let mut m = load_masks(source, ct.image.grid(), flag).map_err(failure)?;
    Ok(m.remove(0))
}

/// `sirtplan structure …`.
pub(crate) fn run(cmd: &StructureCmd, out: &mut impl Write) -> Result<()> {
    let (common, made_by) = match cmd {
        StructureCmd::Territory { common, .. }
        | StructureCmd::Grow { common, .. }
        | StructureCmd::Combine { common, .. } => (common, cmd),
    };
    let settings = crate::commands::plan::site_settings(common.site.as_deref())?;
    let at = instant(common.at.as_ref())?;
    let ct = load_image(&common.ct, "--ct", None).map_err(failure)?;
    let author = Author::Person(common.author.clone());
    let made = match made_by {
        StructureCmd::Territory {
            spect,
            liver,
            percent,
            min_counts,
            registration,
            ..
        } => {
            let t = TerritoryArgs {
                spect,
                liver,
                percent: *percent,
                min_counts: *min_counts,
                registration: registration.as_deref(),
            };
            territory(common, &t, &ct, &author, &at, &settings)?
        }
        StructureCmd::Grow {
            seed,
            hu,
            connectivity,
            fill_holes,
            ..
        } => {
            let mut h = EditHistory::new(ct.image.grid().clone());
            h.push(
                Operation::RegionGrow {
                    image: "ct".into(),
                    seeds: seed.clone(),
                    interval: *hu,
                    connectivity: *connectivity,
                    within: None,
                },
                author.clone(),
                at.clone(),
            );
            if *fill_holes {
                h.push(Operation::FillHoles, author.clone(), at.clone());
            }
            let images = [("ct", &ct)];
            let cx = context(&images, &[], None, &ct, None, &settings);
            make(&common.name, role_of(common), &h, &cx).map_err(failure)?
        }
        StructureCmd::Combine { .. } => combine(made_by, &ct, &author, &at, &settings)?,
    };
    let kept = kept(common, &ct, &author, &at, &settings)?;
    let mut all = vec![made];
    all.extend(kept);
    let written = write(common, &all, &ct, &at)?;
    match common.format {
        Format::Json => {
            let json = serde_json::to_string_pretty(&json(&all, &ct, &written))
                .map_err(|e| Failure::Internal(e.into()))?;
            writeln!(out, "{json}")?;
        }
        Format::Text => text(out, &all, &ct, &written)?,
    }
    Ok(())
}

/// The options of `structure territory`.
struct TerritoryArgs<'a> {
    spect: &'a Path,
    liver: &'a StructureSource,
    percent: Option<f64>,
    min_counts: Option<f64>,
    registration: Option<&'a Path>,
}

fn context<'a>(
    images: &'a [(&'a str, &'a SourceImage)],
    masks: &'a [(&'a str, &'a Mask)],
    registration: Option<&'a Rigid>,
    ct: &'a SourceImage,
    liver: Option<(&'a str, &'a Mask)>,
    settings: &'a sirt_settings::SiteSettings,
) -> Context<'a> {
    Context {
        images,
        masks,
        registration,
        ct,
        liver,
        plausibility: &settings.plausibility,
    }
}

/// The registration between the CT's frame and the SPECT's, from a REG file.
fn registration_between(
    path: &Path,
    ct: &FrameOfReference,
    spect: &FrameOfReference,
) -> Result<Rigid> {
    let reg = sirt_imaging::load_registration(path).map_err(|e| {
        input(anyhow::Error::new(e).context(format!("--registration {}", path.display())))
    })?;
    reg.between(ct, spect).ok_or_else(|| {
        input(anyhow!(
            "--registration {}: no transform between the CT's frame of reference {ct} and the SPECT's {spect}",
            path.display()
        ))
    })
}

fn territory(
    common: &Common,
    t: &TerritoryArgs<'_>,
    ct: &SourceImage,
    author: &Author,
    at: &Instant,
    settings: &sirt_settings::SiteSettings,
) -> Result<Made> {
    let spect = load_image(t.spect, "--spect", Some(&ct.image.grid().frame)).map_err(failure)?;
    let (liver_name, liver) = one_mask(t.liver, ct, "--liver")?;
    let registration = match t.registration {
        Some(p) => Some(registration_between(
            p,
            &ct.image.grid().frame,
            &spect.image.grid().frame,
        )?),
        None => None,
    };
    let operation = match (t.percent, t.min_counts) {
        (Some(p), _) => Operation::ThresholdRelative {
            image: "spect".into(),
            fraction_of_max: Fraction::new(p / 100.0).ok_or_else(|| {
                input(anyhow!(
                    "--percent {p}: expected a percentage from 0 to 100"
                ))
            })?,
            within: liver_name.clone(),
        },
        (None, Some(c)) => Operation::ThresholdCounts {
            image: "spect".into(),
            min_counts: c,
            within: Some(liver_name.clone()),
        },
        (None, None) => return Err(input(anyhow!("give --percent or --min-counts"))),
    };
    let mut h = EditHistory::new(spect.image.grid().clone());
    h.push(operation, author.clone(), at.clone());
    let images = [("spect", &spect)];
    let masks = [(liver_name.as_str(), &liver)];
    let role = common.role.map_or(Role::Territory, RoleArg::role);
    let cx = context(
        &images,
        &masks,
        registration.as_ref(),
        ct,
        Some((liver_name.as_str(), &liver)),
        settings,
    );
    make(&common.name, role, &h, &cx).map_err(failure)
}

fn combine(
    cmd: &StructureCmd,
    ct: &SourceImage,
    author: &Author,
    at: &Instant,
    settings: &sirt_settings::SiteSettings,
) -> Result<Made> {
    let StructureCmd::Combine {
        common,
        a,
        plus,
        and,
        minus,
        margin,
        fill_holes,
        liver,
    } = cmd
    else {
        return Err(Failure::Internal(anyhow!(
            "combine called for another command"
        )));
    };
    let (a_name, a_mask) = one_mask(a, ct, "--a")?;
    let mut masks: Vec<(String, Mask)> = vec![(a_name.clone(), a_mask)];
    let mut h = EditHistory::new(ct.image.grid().clone());
    h.push(
        Operation::Import { mask: a_name },
        author.clone(),
        at.clone(),
    );
    for (flag, list, op) in [
        ("--plus", plus, BooleanOp::Union),
        ("--and", and, BooleanOp::Intersection),
        ("--minus", minus, BooleanOp::Difference),
    ] {
        for source in list {
            for (name, mask) in load_masks(source, ct.image.grid(), flag).map_err(failure)? {
                if masks.iter().any(|(n, _)| *n == name) {
                    return Err(input(anyhow!(
                        "{flag} {source}: structure \"{name}\" is named twice"
                    )));
                }
                h.push(
                    Operation::Combine {
                        op,
                        with: name.clone(),
                    },
                    author.clone(),
                    at.clone(),
                );
                masks.push((name, mask));
            }
        }
    }
    if let Some(mm) = margin {
        let m = if *mm >= 0.0 {
            Margin::Grow(Length::from_m(mm / 1000.0))
        } else {
            Margin::Shrink(Length::from_m(-mm / 1000.0))
        };
        h.push(Operation::Margin { margin: m }, author.clone(), at.clone());
    }
    if *fill_holes {
        h.push(Operation::FillHoles, author.clone(), at.clone());
    }
    let liver = liver
        .as_ref()
        .map(|l| one_mask(l, ct, "--liver"))
        .transpose()?;
    let named: Vec<(&str, &Mask)> = masks.iter().map(|(n, m)| (n.as_str(), m)).collect();
    let cx = context(
        &[],
        &named,
        None,
        ct,
        liver.as_ref().map(|(n, m)| (n.as_str(), m)),
        settings,
    );
    make(&common.name, role_of(common), &h, &cx).map_err(failure)
}

/// The structures of `--keep`, each an import (checked as its role implies).
fn kept(
    common: &Common,
    ct: &SourceImage,
    author: &Author,
    at: &Instant,
    settings: &sirt_settings::SiteSettings,
) -> Result<Vec<Made>> {
    let mut out = Vec::new();
    for source in &common.keep {
        let file = source.file.file_name().map_or_else(
            || source.file.display().to_string(),
            |f| f.to_string_lossy().into_owned(),
        );
        for (name, mask) in load_masks(source, ct.image.grid(), "--keep").map_err(failure)? {
            let key = format!("{file}: {name}");
            let mut h = EditHistory::new(ct.image.grid().clone());
            h.push(
                Operation::Import { mask: key.clone() },
                author.clone(),
                at.clone(),
            );
            let masks = [(key.as_str(), &mask)];
            let cx = context(&[], &masks, None, ct, None, settings);
            out.push(make(&name, implied_role(&name), &h, &cx).map_err(failure)?);
        }
    }
    Ok(out)
}

/// What was written.
struct Written {
    path: PathBuf,
    kind: &'static str,
    labels: Option<Vec<(String, Vec<u16>)>>,
    creator: String,
}

fn is_nifti(path: &Path) -> bool {
    let n = path.to_string_lossy().to_ascii_lowercase();
    n.ends_with(".nii") || n.ends_with(".nii.gz")
}

/// Writes the output (all or nothing).
fn write(common: &Common, all: &[Made], ct: &SourceImage, at: &Instant) -> Result<Written> {
    let path = &common.out;
    if is_nifti(path) && common.save_as == SaveAs::RtStruct {
        return Err(input(anyhow!(
            "--as rt-struct: expected a DICOM output (.dcm), found the NIfTI file name {} (a NIfTI output is a label map)",
            path.display()
        )));
    }
    let (bytes, kind, labels) = if is_nifti(path) {
        let gzip = path.to_string_lossy().to_ascii_lowercase().ends_with(".gz");
        let (bytes, map) =
            sirt_planning::structures::label_map_bytes(all, gzip).map_err(failure)?;
        (bytes, "NIfTI label map", Some(map.values))
    } else {
        let req = SegRequest {
            structures: all,
            ct,
            series_description: &format!("Structures: {}", common.name),
            at,
        };
        match common.save_as {
            SaveAs::Seg => {
                let bytes =
                    sirt_planning::structures::seg_bytes(&req).map_err(|e| out_failure(e, path))?;
                (bytes, "DICOM SEG", None)
            }
            SaveAs::RtStruct => {
                let colours: Vec<[u8; 3]> = all
                    .iter()
                    .map(|m| sirt_planning::roi_colour(m.role))
                    .collect();
                let bytes = sirt_planning::structures::rt_struct_bytes(&req, &colours)
                    .map_err(|e| out_failure(e, path))?;
                (bytes, "DICOM RT Structure Set", None)
            }
        }
    };
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
    .map_err(|e| input(anyhow::Error::new(e).context(format!("--out {}", path.display()))))?;
    Ok(Written {
        path: path.clone(),
        kind,
        labels,
        creator: common.author.clone(),
    })
}

/// A structure error with `--out PATH` in front.
fn out_failure(e: StructureError, path: &Path) -> Failure {
    let ctx = format!("--out {}", path.display());
    match failure(e) {
        Failure::Input(e) => Failure::Input(e.context(ctx)),
        Failure::Internal(e) => Failure::Internal(e.context(ctx)),
    }
}

fn role_name(r: Role) -> &'static str {
    match r {
        Role::Liver => "liver",
        Role::Lungs => "lungs",
        Role::Tumour => "tumour",
        Role::Territory => "perfused territory",
        Role::NormalLiver => "normal liver",
        Role::Extrahepatic => "extrahepatic",
        Role::Other => "other",
    }
}

fn json(all: &[Made], ct: &SourceImage, w: &Written) -> serde_json::Value {
    let structures: Vec<serde_json::Value> = all
        .iter()
        .map(|m| {
            serde_json::json!({
                "name": m.name,
                "role": role_name(m.role),
                "volume_ml": m.volume.ml(),
                "voxels": m.mask.count(),
                "algorithm_type": m.history.algorithm_type().dicom(),
                "algorithm_name": m.history.algorithm_name(),
                "description": m.history.describe(),
                "made_on": m.made_on,
                "resampled_onto_ct": m.resampled,
                "share_in_liver": m.share_in_liver,
                "edits": m.history.edits,
            })
        })
        .collect();
    serde_json::json!({
        "structures": structures,
        "ct": {
            "path": ct.path.display().to_string(),
            "modality": ct.modality.dicom(),
            "series_instance_uid": ct.series_uid,
            "grid": sirt_planning::structures::tools::describe_grid(ct.image.grid()),
        },
        "output": {
            "path": w.path.display().to_string(),
            "format": w.kind,
            "content_creator": w.creator,
            "labels": w.labels.as_ref().map(|l| l.iter().cloned().collect::<std::collections::BTreeMap<_, _>>()),
        },
    })
}

fn text(out: &mut impl Write, all: &[Made], ct: &SourceImage, w: &Written) -> Result<()> {
    for (n, m) in all.iter().enumerate() {
        let how = if n == 0 { "made" } else { "kept" };
        writeln!(
            out,
            "Structure \"{}\" ({}), {how}: {:.1} mL ({} voxels on the CT grid)",
            m.name,
            role_name(m.role),
            m.volume.ml(),
            m.mask.count()
        )?;
        writeln!(out, "  how: {}", m.history.describe())?;
        let algorithm = match m.history.algorithm_name() {
            Some(a) => format!("{} ({a})", m.history.algorithm_type().dicom()),
            None => m.history.algorithm_type().dicom().to_string(),
        };
        writeln!(out, "  algorithm: {algorithm}")?;
        if let Some(r) = &m.resampled {
            writeln!(out, "  made on {}; put on the CT grid: {r}", m.made_on)?;
        }
        if let Some(s) = m.share_in_liver {
            writeln!(out, "  inside the liver: {:.1} % of its voxels", 100.0 * s)?;
        }
    }
    writeln!(
        out,
        "CT: {} {} ({})",
        ct.modality.dicom(),
        ct.path.display(),
        sirt_planning::structures::tools::describe_grid(ct.image.grid())
    )?;
    writeln!(
        out,
        "written: {} ({}), made by {}",
        w.path.display(),
        w.kind,
        w.creator
    )?;
    if let Some(labels) = &w.labels {
        let table: Vec<String> = labels
            .iter()
            .map(|(n, v)| {
                let v: Vec<String> = v.iter().map(u16::to_string).collect();
                format!("\"{n}\" = [{}]", v.join(", "))
            })
            .collect();
        writeln!(
            out,
            "label values (a case's images.labels): {{ {} }}",
            table.join(", ")
        )?;
    }
    writeln!(
        out,
        "Research use only: look at the structures on the images before planning with them."
    )?;
    Ok(())
}
