//! `sirtplan register` end to end (issue 16, "Registration"): the small phantom written by
//! `sirtplan phantom` is the fixed CT; the moving CT is the phantom's CT resampled through a
//! KNOWN rigid transform onto a grid of its own frame of reference, written as a DICOM series
//! of a second study of the same patient (with an NM object in that frame for the SPECT/CT
//! path). Checked: the JSON's top-level `fixed_from_moving` against the truth (≤ 1 mm over the
//! liver's voxels, ≤ 0.5°), the Spatial Registration object written read back by
//! `sirt_imaging::load_registration` to the same transform, the text (snapshot), and the
//! refusals.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

mod scratch;
use scratch::Scratch;
use serde_json::Value;
use sirt_dicom::write::{
    CivilDateTime, EnergyWindow, NmInfo, Radiopharmaceutical, SeriesInfo, StudyInfo, save_objects,
    write_ct_series, write_nm_tomo,
};
use sirt_geometry::{ContinuousIndex, FrameOfReference, Grid, Image, PointLps, Rigid};
use sirt_phantom::{Phantom, Preset, labels};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The seed `sirtplan phantom` uses by default.
const SEED: u64 = 1;
/// The moving series' Frame of Reference UID.
const MOVING_FRAME: &str = "2.25.271828182845904523536028747135266249";
/// Limit over the liver with the liver region (crates/sirt-registration/tests/region.rs).
const REGION_MM: f64 = 2.0;
/// CT–CT limits (issue 16).
const LIMIT_MM: f64 = 1.0;
const LIMIT_DEG: f64 = 0.5;

fn sirtplan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sirtplan"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("run sirtplan")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn phantom() -> &'static Phantom {
    static P: OnceLock<Phantom> = OnceLock::new();
    P.get_or_init(|| sirt_phantom::generate(Preset::Small, SEED).unwrap())
}

fn liver_points() -> Vec<PointLps> {
    let l = &phantom().labels;
    let g = l.grid();
    l.data()
        .iter()
        .enumerate()
        .filter(|(_, v)| **v == labels::LIVER || **v >= labels::TUMOUR_BASE)
        .map(|(o, _)| {
            let [i, j, k] = g.index_of_offset(o);
            g.patient_from_index(ContinuousIndex::of_voxel(i, j, k))
        })
        .collect()
}

/// The truth: 3°, −4°, 6° about x, y, z (R = Rz·Ry·Rx) about the liver's centre, then
/// (10, −15, 20) mm; `fixed_from_moving`.
fn truth() -> Rigid {
    let pts = liver_points();
    let n = pts.len() as f64;
    let c = pts.iter().fold([0.0; 3], |a, p| {
        [a[0] + p.x / n, a[1] + p.y / n, a[2] + p.z / n]
    });
    let r = sirt_registration::rotation_from_angles_deg([3.0, -4.0, 6.0]);
    let t = [10.0, -15.0, 20.0];
    let rc = [0, 1, 2].map(|i| (0..3).map(|k| r[i][k] * c[k]).sum::<f64>());
    let translation = [0, 1, 2].map(|i| c[i] + t[i] - rc[i]);
    Rigid::new(
        phantom().ct.grid().frame.clone(),
        FrameOfReference(MOVING_FRAME.into()),
        r,
        translation,
    )
    .unwrap()
}

/// (largest displacement over the liver, mm; rotation error, degrees) of a found transform.
fn errors(found: &Rigid) -> (f64, f64) {
    let t = truth();
    let inv = t.inverse();
    let max = liver_points()
        .iter()
        .map(|&p| found.apply(inv.apply(p)).distance(p))
        .fold(0.0, f64::max);
    let trace: f64 = (0..3)
        .flat_map(|i| (0..3).map(move |j| (i, j)))
        .map(|(i, j)| found.rotation[i][j] * t.rotation[i][j])
        .sum();
    (
        max,
        ((trace - 1.0) / 2.0).clamp(-1.0, 1.0).acos().to_degrees(),
    )
}

/// Writes the phantom (`sirtplan phantom`) and the moved series (`moved/ct`, `moved/spect`) of
/// patient `patient_id`.
fn files(dir: &Path, patient_id: &str) {
    let o = sirtplan(&[
        "phantom",
        "--out",
        dir.to_str().unwrap(),
        "--preset",
        "small",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let p = phantom();
    let g = p.ct.grid();
    let grid = Grid::new(
        g.dims,
        g.spacing_mm,
        PointLps::new(g.origin.x + 12.0, g.origin.y - 8.0, g.origin.z + 4.0),
        g.direction,
        FrameOfReference(MOVING_FRAME.into()),
    )
    .unwrap();
    let moved = sirt_geometry::resample_linear(&p.ct, &grid, &truth(), -1000.0).unwrap();
    let day = CivilDateTime::new(2025, 2, 1, 9, 0, 0.0).unwrap();
    let study = StudyInfo::new("Phantom^SIRT", patient_id, day);
    let ct = write_ct_series(
        &moved,
        &study,
        &SeriesInfo::new(1, "CT of the SPECT/CT", day),
    )
    .unwrap();
    save_objects(dir.join("moved/ct"), &ct.objects).unwrap();
    let spect_grid = Grid {
        frame: FrameOfReference(MOVING_FRAME.into()),
        ..p.spect.grid().clone()
    };
    let spect = Image::new(spect_grid, p.spect.data().to_vec()).unwrap();
    let nm = write_nm_tomo(
        &spect,
        &study,
        &SeriesInfo::new(2, "MAA SPECT", day),
        &NmInfo {
            radiopharmaceutical: Radiopharmaceutical::tc99m_maa(day, 150e6),
            energy_window: EnergyWindow::tc99m_photopeak(),
            acquisition_duration_s: 1200.0,
            projections: 120,
        },
    )
    .unwrap();
    save_objects(dir.join("moved/spect"), &[nm]).unwrap();
}

fn arg(dir: &Path, rel: &str) -> String {
    dir.join(rel).display().to_string()
}

#[test]
fn ct_to_ct_json_and_the_registration_object() {
    let dir = Scratch::new("sirtplan-register", "json");
    files(&dir, &format!("SIRT-PHANTOM-{SEED}"));
    let out = dir.join("out/reg.dcm");
    let o = sirtplan(&[
        "register",
        "--fixed",
        &arg(&dir, "dicom/ct"),
        "--moving",
        &arg(&dir, "moved/ct"),
        "--out",
        out.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    // The top level holds `fixed_from_moving`: 4 rows of 4 numbers, the last 0 0 0 1.
    let rows = v["fixed_from_moving"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    let m: [[f64; 4]; 4] = std::array::from_fn(|r| {
        let row = rows[r].as_array().unwrap();
        assert_eq!(row.len(), 4);
        std::array::from_fn(|c| row[c].as_f64().unwrap())
    });
    assert_eq!(m[3], [0.0, 0.0, 0.0, 1.0]);
    let fixed_frame = phantom().ct.grid().frame.clone();
    let moving_frame = FrameOfReference(MOVING_FRAME.into());
    let found = Rigid::from_matrix(fixed_frame.clone(), moving_frame.clone(), m).unwrap();
    let (mm, deg) = errors(&found);
    eprintln!("CLI CT-CT: {mm:.3} mm, {deg:.3}°");
    assert!(mm <= LIMIT_MM && deg <= LIMIT_DEG, "{mm} mm {deg}°");
    assert_eq!(v["fixed"]["frame_of_reference"], fixed_frame.0.as_str());
    assert_eq!(v["moving"]["frame_of_reference"], MOVING_FRAME);
    assert!(
        v["quality"]["normalised_mi"].as_f64().unwrap()
            > v["quality"]["normalised_mi_initial"].as_f64().unwrap()
    );
    // The moved grid is offset by (12, −8, 4) mm and the content by the truth: about three
    // quarters of the fixed image lies inside it.
    let overlap = v["quality"]["overlap"].as_f64().unwrap();
    assert!((0.5..=1.0).contains(&overlap), "{overlap}");
    assert_eq!(v["levels"].as_array().unwrap().len(), 3);
    assert_eq!(v["warnings"].as_array().unwrap().len(), 0);
    assert_eq!(v["written"], out.display().to_string().as_str());
    // The object read back by the reader the plans use gives the same transform.
    let reg = sirt_imaging::load_registration(&out).unwrap();
    assert_eq!(reg.reference, fixed_frame);
    let back = reg.between(&fixed_frame, &moving_frame).unwrap();
    for r in 0..3 {
        for c in 0..3 {
            assert!(
                (back.rotation[r][c] - m[r][c]).abs() < 1e-9,
                "{back:?} vs {m:?}"
            );
        }
        assert!(
            (back.translation_mm[r] - m[r][3]).abs() < 1e-6,
            "{back:?} vs {m:?}"
        );
    }
}

/// The text with the scratch folder and the written time-dependent parts replaced.
fn stable(s: &str, dir: &Path) -> String {
    s.replace(&dir.display().to_string(), "<dir>")
}

#[test]
fn spect_ct_through_its_ct_text() {
    let dir = Scratch::new("sirtplan-register", "text");
    files(&dir, &format!("SIRT-PHANTOM-{SEED}"));
    let o = sirtplan(&[
        "register",
        "--fixed",
        &arg(&dir, "dicom/ct"),
        "--moving",
        &arg(&dir, "moved/spect"),
        "--moving-ct",
        &arg(&dir, "moved/ct"),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = stable(&text(&o.stdout), &dir);
    insta::assert_snapshot!("register_text", out);
}

/// `--lang fr`: the same report in French (decimal commas, no-break spaces before ; and :); the
/// figures are those of the English text above (same images, same seed).
#[test]
fn spect_ct_through_its_ct_text_in_french() {
    let dir = Scratch::new("sirtplan-register", "text-fr");
    files(&dir, &format!("SIRT-PHANTOM-{SEED}"));
    let o = sirtplan(&[
        "--lang",
        "fr",
        "register",
        "--fixed",
        &arg(&dir, "dicom/ct"),
        "--moving",
        &arg(&dir, "moved/spect"),
        "--moving-ct",
        &arg(&dir, "moved/ct"),
        "--region-box=-150,-120,-100,150,130,100.5",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = stable(&text(&o.stdout), &dir);
    assert!(
        out.contains("boîte (-150\u{a0}; -120\u{a0}; -100) à (150\u{a0}; 130\u{a0}; 100,5) mm"),
        "{out}"
    );
    insta::assert_snapshot!("register_text_fr", out);
}

#[test]
fn refusals() {
    let dir = Scratch::new("sirtplan-register", "refusals");
    files(&dir, "ANOTHER-PATIENT");
    let run = |extra: &[&str]| {
        let mut args = vec!["register", "--fixed"];
        let fixed = arg(&dir, "dicom/ct");
        args.push(&fixed);
        args.extend_from_slice(extra);
        let o = sirtplan(&args);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
        assert!(o.stdout.is_empty(), "{}", text(&o.stdout));
        stable(&text(&o.stderr), &dir)
    };
    // The phantom's own SPECT is in the phantom's frame, not the moved CT's.
    let e1 = run(&[
        "--moving",
        &arg(&dir, "dicom/spect"),
        "--moving-ct",
        &arg(&dir, "moved/ct"),
    ]);
    // Two patients.
    let e2 = run(&["--moving", &arg(&dir, "moved/ct")]);
    // A folder without a CT.
    let e3 = run(&[
        "--moving",
        &arg(&dir, "moved/spect"),
        "--moving-ct",
        &arg(&dir, "moved/spect"),
    ]);
    // A box that is not six numbers.
    let e4 = run(&["--moving", &arg(&dir, "moved/ct"), "--region-box", "1,2,3"]);
    // An RT Structure Set without the structure's name.
    let e5 = run(&[
        "--moving",
        &arg(&dir, "moved/spect"),
        "--moving-ct",
        &arg(&dir, "moved/ct"),
        "--region-mask",
        &arg(&dir, "dicom/rtstruct.dcm"),
    ]);
    assert!(!dir.join("reg.dcm").exists());
    insta::assert_snapshot!("register_refusals", [e1, e2, e3, e4, e5].join(""));
}

#[test]
fn liver_region_from_the_rt_struct() {
    let dir = Scratch::new("sirtplan-register", "region");
    files(&dir, &format!("SIRT-PHANTOM-{SEED}"));
    let o = sirtplan(&[
        "register",
        "--fixed",
        &arg(&dir, "dicom/ct"),
        "--moving",
        &arg(&dir, "moved/ct"),
        "--region-mask",
        &arg(&dir, "dicom/rtstruct.dcm"),
        "--region-structure",
        "liver",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let region = v["region"].as_str().unwrap();
    assert!(
        region.starts_with("mask ") && region.contains("dilated by 20 mm"),
        "{region}"
    );
    let m: [[f64; 4]; 4] = std::array::from_fn(|r| {
        std::array::from_fn(|c| v["fixed_from_moving"][r][c].as_f64().unwrap())
    });
    let found = Rigid::from_matrix(
        phantom().ct.grid().frame.clone(),
        FrameOfReference(MOVING_FRAME.into()),
        m,
    )
    .unwrap();
    let (mm, deg) = errors(&found);
    eprintln!("CLI liver region: {mm:.3} mm, {deg:.3}°");
    assert!(mm <= REGION_MM, "{mm} mm {deg}°");
    // The centre of rotation is the liver's, not the CT's centre (0, 5, 0).
    let c = &v["centre_of_rotation_mm"];
    let x = c["x"].as_f64().unwrap();
    assert!(x < -10.0, "{c}");
}

#[test]
fn a_result_with_a_warning_is_not_written() {
    let dir = Scratch::new("sirtplan-register", "warning");
    files(&dir, &format!("SIRT-PHANTOM-{SEED}"));
    // A slab of 16 slices of the moved CT: a third or less of the fixed CT lies inside it.
    let p = phantom();
    let g = p.ct.grid();
    let slab = Grid::new(
        [g.dims[0], g.dims[1], 16],
        g.spacing_mm,
        PointLps::new(g.origin.x + 12.0, g.origin.y - 8.0, g.origin.z + 84.0),
        g.direction,
        FrameOfReference(MOVING_FRAME.into()),
    )
    .unwrap();
    let moved = sirt_geometry::resample_linear(&p.ct, &slab, &truth(), -1000.0).unwrap();
    let day = CivilDateTime::new(2025, 2, 1, 9, 0, 0.0).unwrap();
    let study = StudyInfo::new("Phantom^SIRT", &format!("SIRT-PHANTOM-{SEED}"), day);
    let ct = write_ct_series(&moved, &study, &SeriesInfo::new(3, "slab", day)).unwrap();
    save_objects(dir.join("moved/slab"), &ct.objects).unwrap();
    let out = dir.join("reg.dcm");
    let o = sirtplan(&[
        "register",
        "--fixed",
        &arg(&dir, "dicom/ct"),
        "--moving",
        &arg(&dir, "moved/slab"),
        "--out",
        out.to_str().unwrap(),
    ]);
    let stdout = text(&o.stdout);
    let stderr = stable(&text(&o.stderr), &dir);
    assert_eq!(o.status.code(), Some(2), "{stdout}{stderr}");
    assert!(stdout.contains("warning: only "), "{stdout}");
    assert!(stdout.contains("not written: see the warnings"), "{stdout}");
    assert!(
        stderr.contains("<dir>/reg.dcm not written: the registration has warnings (")
            && stderr
                .contains("% of the region lies inside the moving image (at least 50 % expected)"),
        "{stderr}"
    );
    assert!(!out.exists());
    // With --accept-warnings it is written.
    let o = sirtplan(&[
        "register",
        "--fixed",
        &arg(&dir, "dicom/ct"),
        "--moving",
        &arg(&dir, "moved/slab"),
        "--out",
        out.to_str().unwrap(),
        "--accept-warnings",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(out.exists());
}

/// The only or first (by name) file of a folder.
fn first_file(dir: &Path) -> String {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names.swap_remove(0)
}

/// A bare file name ("spect.dcm", whose parent is "") names a file of the current folder: the
/// series holding it is found (before: the folder "" was scanned and "found no DICOM series").
/// The refusals that follow name what only the series read can give: the SPECT's frame, the
/// two patients.
#[test]
fn a_bare_file_name_is_found_in_the_current_folder() {
    let dir = Scratch::new("sirtplan-register", "bare");
    files(&dir, "ANOTHER-PATIENT");
    let run = |cwd: &str, args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_sirtplan"))
            .current_dir(dir.join(cwd))
            .args(args)
            .env_remove("RUST_BACKTRACE")
            .output()
            .expect("run sirtplan");
        assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
        stable(&text(&o.stderr), &dir)
    };
    let (fixed, moved_ct) = (arg(&dir, "dicom/ct"), arg(&dir, "moved/ct"));
    let spect = first_file(&dir.join("dicom/spect"));
    assert_eq!(
        run(
            "dicom/spect",
            &[
                "register",
                "--fixed",
                &fixed,
                "--moving",
                &spect,
                "--moving-ct",
                &moved_ct
            ]
        ),
        format!(
            "error: --moving {spect} and --moving-ct <dir>/moved/ct: expected the same frame of \
             reference (a SPECT/CT's or PET/CT's images share one), found \
             {} and {MOVING_FRAME}\n",
            phantom().ct.grid().frame
        )
    );
    let ct = first_file(&dir.join("dicom/ct"));
    assert_eq!(
        run(
            "dicom/ct",
            &["register", "--fixed", &ct, "--moving", &moved_ct]
        ),
        format!(
            "error: --fixed {ct} and --moving <dir>/moved/ct: expected series of one patient, \
             found patient IDs \"SIRT-PHANTOM-{SEED}\" and \"ANOTHER-PATIENT\"\n"
        )
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

/// The object shares the fixed series' Study Instance UID, so it repeats the study's date: a
/// fixed series without a valid Study Date is refused naming the series and the field (before:
/// today's date was written under the existing study), and at once, before the registration
/// runs; nothing is written.
#[test]
fn a_fixed_series_without_a_valid_study_date_is_not_written_to() {
    let dir = Scratch::new("sirtplan-register", "study-date");
    files(&dir, &format!("SIRT-PHANTOM-{SEED}"));
    for (name, date, found) in [
        ("blank", b"        ", "none".to_owned()),
        ("month13", b"20251341", "\"20251341\"".to_owned()),
    ] {
        with_study_date(&dir.join("dicom/ct"), &dir.join(name), date);
        let out = dir.join(format!("{name}.dcm"));
        let o = sirtplan(&[
            "register",
            "--fixed",
            &arg(&dir, name),
            "--moving",
            &arg(&dir, "moved/ct"),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
        assert!(o.stdout.is_empty(), "{}", text(&o.stdout));
        assert_eq!(
            stable(&text(&o.stderr), &dir),
            format!(
                "error: --fixed <dir>/{name}: Study Date (0008,0020): expected a date YYYYMMDD \
                 (the registration object is written in the fixed series' study and repeats its \
                 date), found {found}\n"
            )
        );
        assert!(!out.exists());
    }
}
