//! `sirtplan structure` (issue 16, "Structures"): on the small digital phantom written by
//! `sirtplan phantom`, the liver grown from two seeds on the CT and the perfused territory of the
//! whole-liver injection thresholded on the MAA SPECT, saved as one DICOM SEG with the phantom's
//! lungs, stomach and tumours; a case naming that SEG is measured by `sirtplan measure` and its
//! LSF and perfused volume compared with the generator's truth (`sirt_phantom::generate`, the
//! same preset and seed). The text output (snapshots), the JSON, and the refusals (exit 2, the
//! file or structure named, nothing written).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

mod scratch;
use scratch::Scratch;
use serde_json::Value;
use sirt_phantom::{Preset, generate};
use std::path::Path;
use std::process::{Command, Output};

const PHANTOM_CASE: &str = include_str!("../../../examples/demo-phantom-case.toml");

/// The seed `sirtplan phantom` uses by default.
const SEED: u64 = 1;

/// Seeds inside the phantom's liver (right and left lobes), LPS mm.
const SEEDS: [&str; 2] = ["-60,0,0", "35,-15,20"];

/// The liver interval of docs/structures.md (liver 60 HU, tumours 95 HU, body 35 HU, σ 12 HU).
const HU: &str = "47.5,145";

const AT: &str = "2025-01-15T10:30:00+00:00[UTC]";

fn sirtplan(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sirtplan"))
        .current_dir(dir)
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("run sirtplan")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The text with every DICOM UID ("2.25.…") as `<uid>`.
fn without_uids(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("2.25.") {
        out.push_str(&rest[..i]);
        out.push_str("<uid>");
        let tail = &rest[i + 5..];
        let end = tail
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(tail.len());
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// The small phantom written by `sirtplan phantom` into `dir/ph`.
fn phantom(dir: &Path) {
    let o = sirtplan(dir, &["phantom", "--out", "ph", "--preset", "small"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
}

fn grow(dir: &Path, out: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "structure",
        "grow",
        "--ct",
        "ph/dicom/ct",
        "--seed",
        SEEDS[0],
        "--seed",
        SEEDS[1],
        "--hu",
        HU,
        "--fill-holes",
        "--name",
        "liver",
        "--author",
        "Curie^Marie",
        "--at",
        AT,
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    sirtplan(dir, &args)
}

/// `structure territory` at 10 % of the SPECT's maximum within the grown liver `liver.dcm`,
/// with the phantom's lungs, stomach and tumours kept, into `out`.
fn territory(dir: &Path, out: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "structure",
        "territory",
        "--spect",
        "ph/dicom/spect",
        "--liver",
        "liver.dcm:liver",
        "--percent",
        "10",
        "--ct",
        "ph/dicom/ct",
        "--name",
        "territory WL",
        "--author",
        "Curie^Marie",
        "--at",
        AT,
        "--keep",
        "liver.dcm:liver",
        "--keep",
        "ph/dicom/rtstruct.dcm:lungs,stomach,T1,T2,T3,T4,T5,T6",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    sirtplan(dir, &args)
}

/// The phantom demo case without the values `measure` measures, on the SEG `structures.dcm`
/// with the territory of the injection named.
fn case_on_structures() -> String {
    let mut case = PHANTOM_CASE
        .replace(
            "lsf = 0.06                     # MAA SPECT/CT lung shunt fraction\n",
            "",
        )
        .replace(
            "lsf_reason = \"digital phantom: the ground truth's lung shunt fraction (truth.json)\"\n",
            "",
        )
        .replace("perfused_volume_reason = \"digital phantom: the ground truth's liver volume (truth.json), the whole liver perfused\"\n", "")
        .replace("perfused_volume = \"2174.2 mL\"\n", "")
        .replace("ct = \"dicom/ct\"", "ct = \"ph/dicom/ct\"")
        .replace(
            "maa_spect = \"dicom/spect\"",
            "maa_spect = \"ph/dicom/spect\"",
        )
        .replace("y90_pet = \"dicom/pet\"\n", "")
        .replace(
            "structures = \"dicom/rtstruct.dcm\"",
            "structures = \"structures.dcm\"\nterritories = { WL = \"territory WL\" }",
        );
    // Each tumour's line keeps its id only (its TNR and the TNR's reason go).
    for line in PHANTOM_CASE.lines().filter(|l| l.contains("tnr_reason")) {
        let id = line.split('"').nth(1).unwrap();
        case = case.replace(line, &format!("  {{ id = \"{id}\" }},"));
    }
    assert!(
        !case.contains("lsf =") && !case.contains("perfused_volume"),
        "{case}"
    );
    assert!(
        case.contains("structures.dcm") && !case.contains("y90_pet"),
        "{case}"
    );
    case
}

/// Phantom → `structure grow` (liver) → `structure territory` (10 % of the maximum within the
/// grown liver, with the phantom's lungs, stomach and tumours kept) → a case on that SEG →
/// `sirtplan measure`: the LSF and the perfused volume against the generator's truth.
#[test]
fn a_case_on_structures_made_from_the_images_measures_the_true_lsf_and_volume() {
    let dir = Scratch::new("sirtplan-structure", "e2e");
    phantom(&dir);
    let p = generate(Preset::Small, SEED).unwrap();
    let true_liver_ml = p
        .truth
        .volumes_ml
        .iter()
        .find(|(n, _)| n == "liver")
        .unwrap()
        .1;

    let o = grow(&dir, "liver.dcm", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    insta::assert_snapshot!("grow_text", without_uids(&text(&o.stdout)));

    let o = territory(&dir, "structures.dcm", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    insta::assert_snapshot!("territory_text", without_uids(&text(&o.stdout)));

    std::fs::write(dir.join("case.toml"), case_on_structures()).unwrap();
    let o = sirtplan(&dir, &["measure", "case.toml", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    let lsf = j["lsf"].as_f64().unwrap();
    let perfused = j["perfused_volume_ml"][0]["volume_ml"].as_f64().unwrap();
    eprintln!(
        "LSF {lsf:.4} vs truth {:.4}; perfused volume {perfused:.1} mL vs the liver {true_liver_ml:.1} mL ({:+.1} %)",
        p.truth.maa.lsf,
        100.0 * (perfused / true_liver_ml - 1.0)
    );
    assert_eq!(j["perfused_volume_ml"][0]["source"], "territory WL");
    // The LSF of the generator's MAA distribution (0.06): counted in the kept lung mask and the
    // grown liver, within 5 % (tests/measure.rs: the RT Struct's masks give −1.1 %).
    assert!((lsf / p.truth.maa.lsf - 1.0).abs() < 0.05, "LSF {lsf}");
    // A whole-liver injection perfuses the liver: the 10 % isocontour within the grown liver,
    // put back on the CT grid, within 5 % of the generator's liver volume.
    assert!(
        (perfused / true_liver_ml - 1.0).abs() < 0.05,
        "{perfused} mL"
    );
}

/// The same structures saved as an RT Structure Set (`--as rt-struct`): the case on it
/// measures the true LSF and the liver's volume as on the SEG, so its contours hold the masks;
/// pydicom reads it as an RTSTRUCT whose ROIs carry the author and the generation algorithm.
/// An RT Structure Set asked for with a NIfTI file name is refused, nothing written.
#[test]
fn structures_saved_as_an_rt_struct_are_measured_as_the_seg() {
    let dir = Scratch::new("sirtplan-structure", "rtstruct");
    phantom(&dir);
    let p = generate(Preset::Small, SEED).unwrap();
    let true_liver_ml = p
        .truth
        .volumes_ml
        .iter()
        .find(|(n, _)| n == "liver")
        .unwrap()
        .1;
    let o = grow(&dir, "liver.dcm", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let o = territory(&dir, "structures.nii.gz", &["--as", "rt-struct"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("--as rt-struct: expected a DICOM output (.dcm)"),
        "{}",
        text(&o.stderr)
    );
    assert!(!dir.join("structures.nii.gz").exists());
    let o = territory(&dir, "structures.dcm", &["--as", "rt-struct"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("DICOM RT Structure Set"),
        "{}",
        text(&o.stdout)
    );

    // Read by pydicom (a peer): an RT Structure Set with the author and the ROI algorithms.
    let py = "import pydicom,sys\nd=pydicom.dcmread(sys.argv[1])\nprint(d.Modality, d.OperatorsName)\nfor r in d.StructureSetROISequence: print(r.ROIName, '|', r.ROIGenerationAlgorithm)";
    match std::process::Command::new("python3")
        .args(["-c", py])
        .arg(dir.join("structures.dcm"))
        .output()
    {
        Ok(out) if out.status.success() => {
            let listed = text(&out.stdout);
            assert!(listed.starts_with("RTSTRUCT Curie^Marie"), "{listed}");
            assert!(listed.contains("territory WL | SEMIAUTOMATIC"), "{listed}");
            // The kept structures are imports into this output (their history: one import).
            assert!(listed.contains("\nliver | "), "{listed}");
            assert!(listed.contains("\nT6 | "), "{listed}");
        }
        other => assert!(
            std::env::var("SIRTPLAN_REQUIRE_PEERS").is_err(),
            "pydicom is required (SIRTPLAN_REQUIRE_PEERS): {other:?}"
        ),
    }

    std::fs::write(dir.join("case.toml"), case_on_structures()).unwrap();
    let o = sirtplan(&dir, &["measure", "case.toml", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    let lsf = j["lsf"].as_f64().unwrap();
    let perfused = j["perfused_volume_ml"][0]["volume_ml"].as_f64().unwrap();
    eprintln!(
        "RT Struct: LSF {lsf:.4} vs truth {:.4}; perfused {perfused:.1} mL vs the liver {true_liver_ml:.1} mL",
        p.truth.maa.lsf
    );
    assert!((lsf / p.truth.maa.lsf - 1.0).abs() < 0.05, "LSF {lsf}");
    assert!(
        (perfused / true_liver_ml - 1.0).abs() < 0.05,
        "{perfused} mL"
    );
}

#[test]
fn json_gives_volumes_and_provenance_and_a_nifti_label_map_its_table() {
    let dir = Scratch::new("sirtplan-structure", "json");
    phantom(&dir);
    let o = grow(&dir, "liver.nii.gz", &["--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    let s = &j["structures"][0];
    assert_eq!(s["name"], "liver");
    assert_eq!(s["role"], "liver");
    assert_eq!(s["algorithm_type"], "SEMIAUTOMATIC");
    assert_eq!(s["algorithm_name"], "region growing + fill holes");
    assert_eq!(s["edits"][0]["author"]["person"], "Curie^Marie");
    assert_eq!(s["edits"][0]["operation"]["kind"], "region_grow");
    // Volume = voxels × 64 mm³ (4 mm voxels), by hand.
    let voxels = s["voxels"].as_f64().unwrap();
    assert!((s["volume_ml"].as_f64().unwrap() - voxels * 0.064).abs() < 1e-9);
    assert_eq!(j["output"]["format"], "NIfTI label map");
    assert_eq!(j["output"]["labels"]["liver"], serde_json::json!([1]));
    // The label map read back: as many voxels of label 1 as the structure has.
    let bytes = std::fs::read(dir.join("liver.nii.gz")).unwrap();
    let map = sirt_nifti::read_labels(
        &bytes,
        "liver.nii.gz",
        sirt_geometry::FrameOfReference("f".into()),
    )
    .unwrap();
    assert_eq!(
        map.data().iter().filter(|&&l| l == 1).count() as f64,
        voxels
    );
}

/// `sirtplan structure …` in `dir` that must fail with exit 2: its stderr, `dir` as `<dir>`;
/// the output file must not exist.
fn refused(dir: &Path, args: &[&str], out: &str) -> String {
    let o = sirtplan(dir, args);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(!dir.join(out).exists(), "{out} written");
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("sirtplan-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    text(&o.stderr).replace(&dir.display().to_string(), "<dir>")
}

#[test]
fn bad_input_is_refused_naming_the_file_or_structure_and_nothing_is_written() {
    let dir = Scratch::new("sirtplan-structure", "bad");
    phantom(&dir);
    let base = |seed: &'static str, out: &'static str| {
        vec![
            "structure",
            "grow",
            "--ct",
            "ph/dicom/ct",
            "--seed",
            seed,
            "--hu",
            HU,
            "--name",
            "liver",
            "--author",
            "Curie^Marie",
            "--at",
            AT,
            "--out",
            out,
        ]
    };
    assert_eq!(
        refused(&dir, &base("0,0,900", "a.dcm"), "a.dcm"),
        "error: structure \"liver\"\n  caused by: edit 1 (region growing on \"ct\" from 1 seed \
         in [47.5, 145] (6-connected)) failed\n  caused by: seed 1 at (0.00, 0.00, 900.00) mm \
         (LPS) lies outside the image (voxel centres from (-174.00, -121.00, -118.00) to \
         (174.00, 131.00, 118.00) mm)\n"
    );
    the_ct_by_a_bare_file_name_and_without_a_study_date(&dir, &base);
    // A seed in the air around the body (−1000 HU): outside the interval, named with its
    // voxel and value.
    let e = refused(&dir, &base("-170,-115,0", "b.dcm"), "b.dcm");
    assert!(
        e.contains("seed 1 at voxel") && e.contains("outside the interval [47.5, 145]"),
        "{e}"
    );
    // The SPECT where the CT goes: the tool and the image named.
    let mut wrong = base(SEEDS[0], "c.dcm");
    wrong[3] = "ph/dicom/spect";
    assert_eq!(
        refused(&dir, &wrong, "c.dcm"),
        "error: structure \"liver\": region growing needs a CT (HU); image \"ct\" \
         (ph/dicom/spect) is an NM (SPECT) series\n"
    );
    // The CT where the SPECT goes.
    let territory = [
        "structure",
        "territory",
        "--spect",
        "ph/dicom/ct",
        "--liver",
        "ph/dicom/rtstruct.dcm:liver",
        "--percent",
        "10",
        "--ct",
        "ph/dicom/ct",
        "--name",
        "territory",
        "--author",
        "Curie^Marie",
        "--out",
        "d.dcm",
    ];
    assert_eq!(
        refused(&dir, &territory, "d.dcm"),
        "error: structure \"territory\": threshold at % of maximum needs an MAA SPECT (NM); \
         image \"spect\" (ph/dicom/ct) is a CT series\n"
    );
    // The stomach as a perfused territory: 0 % in the liver (the phantom's labels do not
    // overlap).
    let stomach = [
        "structure",
        "combine",
        "--ct",
        "ph/dicom/ct",
        "--a",
        "ph/dicom/rtstruct.dcm:stomach",
        "--role",
        "territory",
        "--liver",
        "ph/dicom/rtstruct.dcm:liver",
        "--name",
        "territory",
        "--author",
        "Curie^Marie",
        "--out",
        "e.dcm",
    ];
    assert_eq!(
        refused(&dir, &stomach, "e.dcm"),
        "error: structure \"territory\" (a perfused territory) lies 0.0 % inside the liver \
         \"liver\" (CT grid), expected at least 90 %: a perfused territory is a part of the \
         liver\n"
    );
    // A structure the file does not hold.
    let e = refused(
        &dir,
        &[
            "structure",
            "combine",
            "--ct",
            "ph/dicom/ct",
            "--a",
            "ph/dicom/rtstruct.dcm:livre",
            "--name",
            "x",
            "--author",
            "Curie^Marie",
            "--out",
            "f.dcm",
        ],
        "f.dcm",
    );
    assert!(
        e.contains("--a ph/dicom/rtstruct.dcm") && e.contains("an ROI named \"livre\""),
        "{e}"
    );
    // A liver grown through the whole body (interval from air to bone, 26-connected): more than
    // the site's 10 L.
    let mut leak = base(SEEDS[0], "g.dcm");
    leak[7] = "-1100,3000";
    let e = refused(&dir, &leak, "g.dcm");
    assert!(
        e.starts_with("error: structure \"liver\" (a liver): volume ")
            && e.contains("expected 400 to 10000 mL (site setting plausibility.liver_volume)"),
        "{e}"
    );
}

#[test]
fn combine_removes_tumours_and_applies_a_margin() {
    let dir = Scratch::new("sirtplan-structure", "combine");
    phantom(&dir);
    let o = sirtplan(
        &dir,
        &[
            "structure",
            "combine",
            "--ct",
            "ph/dicom/ct",
            "--a",
            "ph/dicom/rtstruct.dcm:liver",
            "--minus",
            "ph/dicom/rtstruct.dcm:T1,T2,T3,T4,T5,T6",
            "--name",
            "normal liver",
            "--author",
            "Curie^Marie",
            "--at",
            AT,
            "--out",
            "normal.dcm",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    // By hand from the phantom's labels: liver voxels (tumours included) minus tumour voxels.
    let p = generate(Preset::Small, SEED).unwrap();
    let l = p.labels.data();
    let normal = l
        .iter()
        .filter(|&&v| v == sirt_phantom::labels::LIVER)
        .count();
    let voxels = j["structures"][0]["voxels"].as_u64().unwrap() as usize;
    assert_eq!(j["structures"][0]["role"], "normal liver");
    // The RT Struct's contours rasterised back: within 1 % of the labels' count.
    let rel = (voxels as f64 / normal as f64 - 1.0).abs();
    assert!(rel < 0.01, "{voxels} vs {normal}");
    let o = sirtplan(
        &dir,
        &[
            "structure",
            "combine",
            "--ct",
            "ph/dicom/ct",
            "--a",
            "normal.dcm:normal liver",
            "--margin",
            "-4",
            "--name",
            "core",
            "--author",
            "Curie^Marie",
            "--at",
            AT,
            "--out",
            "core.dcm",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    let core = j["structures"][0]["voxels"].as_u64().unwrap() as usize;
    assert!(core < voxels, "{core} vs {voxels}");
    assert_eq!(
        j["structures"][0]["algorithm_name"], "import + margin",
        "{}",
        j["structures"][0]
    );
}

/// Copies the DICOM files of `from` to `to` with the value of every Study Date (0008,0020)
/// element (explicit VR little endian, 8 bytes) replaced by `date`.
fn with_study_date(from: &Path, to: &Path, date: &[u8; 8]) {
    const STUDY_DATE: [u8; 8] = [0x08, 0x00, 0x20, 0x00, b'D', b'A', 8, 0];
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let path = e.unwrap().path();
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes
            .windows(8)
            .position(|w| w == STUDY_DATE)
            .expect("a Study Date of 8 bytes");
        bytes[at + 8..at + 16].copy_from_slice(date);
        std::fs::write(to.join(path.file_name().unwrap()), bytes).unwrap();
    }
}

/// The refusals of `bad_input_is_refused_naming_the_file_or_structure_and_nothing_is_written`
/// that name the CT series: `base(seed, out)` are the arguments of a grow on `ph/dicom/ct`.
fn the_ct_by_a_bare_file_name_and_without_a_study_date(
    dir: &Path,
    base: &dyn Fn(&'static str, &'static str) -> Vec<&'static str>,
) {
    // The same seed with the CT named by one of its files, a bare name in the current folder
    // (its parent is ""): the whole series is read (the extent above), not "no DICOM series".
    let ct_dir = dir.join("ph/dicom/ct");
    let mut names: Vec<String> = std::fs::read_dir(&ct_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut bare = base("0,0,900", "bare.dcm");
    bare[3] = names[0].as_str();
    let o = sirtplan(&ct_dir, &bare);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(!ct_dir.join("bare.dcm").exists());
    assert_eq!(
        text(&o.stderr),
        "error: structure \"liver\"\n  caused by: edit 1 (region growing on \"ct\" from 1 seed \
         in [47.5, 145] (6-connected)) failed\n  caused by: seed 1 at (0.00, 0.00, 900.00) mm \
         (LPS) lies outside the image (voxel centres from (-174.00, -121.00, -118.00) to \
         (174.00, 131.00, 118.00) mm)\n"
    );
    // A CT without a Study Date: the SEG shares the CT's Study Instance UID and so repeats its
    // date; none is made up (before: the SEG's own date under the CT's study), nothing written.
    with_study_date(&dir.join("ph/dicom/ct"), &dir.join("nodate"), b"        ");
    let mut nodate = base(SEEDS[0], "h.dcm");
    nodate[3] = "nodate";
    assert_eq!(
        refused(dir, &nodate, "h.dcm"),
        "error: --out h.dcm\n  caused by: nodate: Study Date (0008,0020): expected a date YYYYMMDD (a DICOM SEG is \
         written in its CT's study and repeats its date), found none\n"
    );
}
