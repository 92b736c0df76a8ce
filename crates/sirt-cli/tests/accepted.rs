//! Plausibility and image-consistency refusals end to end: exit 2 with a message naming the
//! field or file, the limit and what was found; the same input accepted with `[[accepted]]` and
//! a reason plans (exit 0) and the report prints the reason; an acceptance with nothing to
//! accept is refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod scratch;
use scratch::Scratch;
use std::path::Path;
use std::process::{Command, Output};

fn sirtplan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sirtplan"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("run sirtplan")
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

const DEMO: &str = include_str!("../../../examples/demo-net-case.toml");

/// Plans `case` written as `name` in `dir`: (exit code, stdout, stderr with `dir` as `<dir>`).
fn plan(dir: &Path, name: &str, case: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let p = dir.join(name);
    std::fs::write(&p, case).unwrap();
    let mut all = vec!["plan", p.to_str().unwrap()];
    all.extend_from_slice(args);
    let o = sirtplan(&all);
    let err = text(&o.stderr).replace(dir.to_str().unwrap(), "<dir>");
    (o.status.code(), text(&o.stdout), err)
}

const HEPATOMEGALY: &str = "[[accepted]]\nwhat = \"liver.volume\"\nreason = \"extreme hepatomegaly (polycystic liver), volume confirmed on CT by two readers\"\n";

#[test]
fn implausible_case_values_exit_2_unless_accepted() {
    let dir = Scratch::new("sirtplan-accepted-test", "plausibility");
    let big = DEMO.replace("volume = \"1650 mL\"", "volume = \"16 L\"");
    assert_ne!(big, DEMO);
    let mut messages = Vec::new();

    // 16 L of liver: above the default 10 L.
    let (code, _, e) = plan(&dir, "big-liver.toml", &big, &[]);
    assert_eq!(code, Some(2), "{e}");
    messages.push(e);

    // A lung mass of 3.4 L × 1 g/mL = 3.4 kg: above 2.5 kg.
    let heavy = DEMO.replace("density = \"0.3 g/mL\"", "density = \"1 g/mL\"");
    assert_ne!(heavy, DEMO);
    let (code, _, e) = plan(&dir, "heavy-lungs.toml", &heavy, &[]);
    assert_eq!(code, Some(2), "{e}");
    messages.push(e);

    // Accepted with a reason: planned, the reason and the value in the report.
    let (code, out, e) = plan(
        &dir,
        "accepted.toml",
        &format!("{big}\n{HEPATOMEGALY}"),
        &[],
    );
    assert_eq!(code, Some(0), "{e}");
    assert!(out.contains("Accepted exceptions"), "{out}");
    assert!(
        out.contains("liver.volume") && out.contains("polycystic liver), volume confirmed on CT"),
        "{out}"
    );
    assert!(
        out.contains("found 16 L, expected a plausible whole-liver volume, from 0.4 L to 10 L"),
        "{out}"
    );
    let (code, out, e) = plan(
        &dir,
        "accepted-json.toml",
        &format!("{big}\n{HEPATOMEGALY}"),
        &["--format", "json"],
    );
    assert_eq!(code, Some(0), "{e}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["accepted"][0]["what"], "liver.volume");
    assert!(
        json["accepted"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("two readers")
    );

    // The plausible demo: no section, an empty list.
    let (code, out, e) = plan(&dir, "demo.toml", DEMO, &[]);
    assert_eq!(code, Some(0), "{e}");
    assert!(!out.contains("Accepted exceptions"));

    // Accepting a plausible value is an error naming the entry.
    let (code, _, e) = plan(&dir, "stale.toml", &format!("{DEMO}\n{HEPATOMEGALY}"), &[]);
    assert_eq!(code, Some(2), "{e}");
    messages.push(e);

    // A typo in `what` is an error, not a silently disabled check.
    let typo = HEPATOMEGALY.replace("liver.volume", "liver.volum");
    let (code, _, e) = plan(&dir, "typo.toml", &format!("{big}\n{typo}"), &[]);
    assert_eq!(code, Some(2), "{e}");
    messages.push(e);

    insta::assert_snapshot!("plausibility_errors", messages.join("\n"));
}

const PHANTOM_CASE: &str = include_str!("../../../examples/demo-phantom-case.toml");

/// The small phantom written into `dir`, with its MAA SPECT also written 150 mm anterior
/// (`spect_shifted.nii.gz`: the same counts, the origin moved by −150 mm along y, LPS), and with
/// its counts moved 150 mm to the patient's left on the same grid (`spect_moved.nii.gz`: every
/// structure stays on the dose grid, the liver's counts land in the left abdomen).
fn phantom_with_shifted_spect(dir: &Path) {
    let o = sirtplan(&[
        "phantom",
        "--out",
        dir.to_str().unwrap(),
        "--preset",
        "small",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let frame = sirt_geometry::FrameOfReference("nifti".into());
    let bytes = std::fs::read(dir.join("spect_maa_counts.nii.gz")).unwrap();
    let spect = sirt_nifti::read(&bytes, "spect", frame).unwrap();
    let g = spect.grid().clone();
    let origin = sirt_geometry::PointLps::new(g.origin.x, g.origin.y - 150.0, g.origin.z);
    let moved =
        sirt_geometry::Grid::new(g.dims, g.spacing_mm, origin, g.direction, g.frame.clone())
            .unwrap();
    let shifted = sirt_geometry::Image::new(moved, spect.data().to_vec()).unwrap();
    std::fs::write(
        dir.join("spect_shifted.nii.gz"),
        sirt_nifti::write(&shifted, true).unwrap(),
    )
    .unwrap();
    // The grid is axis-aligned (LPS): +x is the patient's left.
    let di = (150.0 / g.spacing_mm[0]).round() as usize;
    let [nx, ny, nz] = g.dims;
    let mut data = vec![0.0f32; spect.data().len()];
    for k in 0..nz {
        for j in 0..ny {
            for i in 0..nx - di {
                data[i + di + nx * (j + ny * k)] = spect.data()[i + nx * (j + ny * k)];
            }
        }
    }
    let moved = sirt_geometry::Image::new(g, data).unwrap();
    std::fs::write(
        dir.join("spect_moved.nii.gz"),
        sirt_nifti::write(&moved, true).unwrap(),
    )
    .unwrap();
}

/// The phantom demo case with the MAA SPECT at `spect` and no PET (the SPECT alone checked).
fn spect_case(spect: &str, extra: &str) -> String {
    let case = PHANTOM_CASE
        .replace(
            "maa_spect = \"dicom/spect\"",
            &format!("maa_spect = \"{spect}\""),
        )
        .replace("y90_pet = \"dicom/pet\"\n", "");
    assert_ne!(case, PHANTOM_CASE);
    format!("{case}\n{extra}")
}

const SHIFT_ACCEPTED: &str = "[[accepted]]\nwhat = \"images.maa_spect.counts_in_liver_and_lungs\"\nreason = \"test: the moved SPECT planned on purpose\"\n";

#[test]
fn a_spect_shifted_out_of_the_patient_exits_2_unless_accepted() {
    let dir = Scratch::new("sirtplan-accepted-test", "shifted-spect");
    phantom_with_shifted_spect(&dir);

    // The SPECT where it belongs: planned, with its fractions in the notes.
    let (code, out, e) = plan(
        &dir,
        "aligned.toml",
        &spect_case("spect_maa_counts.nii.gz", ""),
        &[],
    );
    assert_eq!(code, Some(0), "{e}");
    assert!(
        out.contains("of the counts inside the body outline"),
        "{out}"
    );

    // 150 mm anterior: refused, naming the file and the fractions.
    let shifted = spect_case("spect_shifted.nii.gz", "");
    let (code, _, e) = plan(&dir, "shifted.toml", &shifted, &[]);
    assert_eq!(code, Some(2), "{e}");
    // Named as the case file names it (not through the folder it was read from).
    assert!(e.contains("error: spect_shifted.nii.gz:"), "{e}");
    let mut messages = vec![e];

    // The counts moved to the patient's left on the SPECT's own grid: inside the body, not in
    // the liver or lungs: refused, then planned when accepted, the reason in the report.
    let (code, _, e) = plan(
        &dir,
        "moved.toml",
        &spect_case("spect_moved.nii.gz", ""),
        &[],
    );
    assert_eq!(code, Some(2), "{e}");
    assert!(
        e.contains("`images.maa_spect.counts_in_liver_and_lungs`")
            && e.contains("spect_moved.nii.gz"),
        "{e}"
    );
    messages.push(e);
    let (code, out, e) = plan(
        &dir,
        "accepted.toml",
        &spect_case("spect_moved.nii.gz", SHIFT_ACCEPTED),
        &[],
    );
    assert_eq!(code, Some(0), "{e}");
    assert!(out.contains("Accepted exceptions"), "{out}");
    assert!(
        out.contains("test: the moved SPECT planned on purpose"),
        "{out}"
    );
    assert!(
        out.contains("images.maa_spect.counts_in_liver_and_lungs: spect_moved.nii.gz"),
        "{out}"
    );

    // Accepting the aligned SPECT's checks: nothing to accept, an error.
    let (code, _, e) = plan(
        &dir,
        "stale.toml",
        &spect_case("spect_maa_counts.nii.gz", SHIFT_ACCEPTED),
        &[],
    );
    assert_eq!(code, Some(2), "{e}");
    assert!(
        e.contains("accepted[2]") && e.contains("found nothing to accept"),
        "{e}"
    );
    messages.push(e);
    insta::assert_snapshot!("shifted_spect_errors", messages.join("\n"));
}

/// A NIfTI SPECT whose sform is moved 3 mm along x from its qform: refused naming both and the
/// distance (3 mm at every corner), planned when accepted; the same file without the change
/// plans.
#[test]
fn a_nifti_whose_qform_and_sform_disagree_exits_2_unless_accepted() {
    let dir = Scratch::new("sirtplan-accepted-test", "qform-sform");
    let o = sirtplan(&[
        "phantom",
        "--out",
        dir.to_str().unwrap(),
        "--preset",
        "small",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let frame = sirt_geometry::FrameOfReference("nifti".into());
    let bytes = std::fs::read(dir.join("spect_maa_counts.nii.gz")).unwrap();
    let spect = sirt_nifti::read(&bytes, "spect", frame).unwrap();
    let mut plain = sirt_nifti::write(&spect, false).unwrap();
    std::fs::write(dir.join("spect.nii"), &plain).unwrap();
    // srow_x[3] (bytes 292–295, nifti1.h), little-endian as written: + 3 mm.
    let at = 292;
    let v = f32::from_le_bytes([plain[at], plain[at + 1], plain[at + 2], plain[at + 3]]);
    plain[at..at + 4].copy_from_slice(&(v + 3.0).to_le_bytes());
    std::fs::write(dir.join("spect_forms.nii"), &plain).unwrap();

    let (code, _, e) = plan(&dir, "same.toml", &spect_case("spect.nii", ""), &[]);
    assert_eq!(code, Some(0), "{e}");
    let (code, _, e) = plan(&dir, "forms.toml", &spect_case("spect_forms.nii", ""), &[]);
    assert_eq!(code, Some(2), "{e}");
    assert!(
        e.contains("`images.maa_spect.qform_sform`") && e.contains("found 3.00 mm apart"),
        "{e}"
    );
    insta::assert_snapshot!("qform_sform_error", e);
    let accept = "[[accepted]]\nwhat = \"images.maa_spect.qform_sform\"\nreason = \"test: 3 mm, below the SPECT's resolution\"\n";
    let (code, out, e) = plan(
        &dir,
        "accepted.toml",
        &spect_case("spect_forms.nii", accept),
        &[],
    );
    assert_eq!(code, Some(0), "{e}");
    assert!(
        out.contains("test: 3 mm, below the SPECT's resolution"),
        "{out}"
    );
}
