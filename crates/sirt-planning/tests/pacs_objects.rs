//! An approved plan's objects for the PACS (`Outcome::pacs_objects`), on the digital phantom's
//! demo case (standard preset, seed 1): its RT Dose, one SEG and one RT Structure Set of the
//! structures the plan was computed with, referencing the planning CT series (its Series
//! Instance UID, read from the CT's own files), in the CT's study, and the report as an
//! Encapsulated PDF; each accepted by dciodvfy (dicom3tools) without errors. The SEG holds one
//! segment per structure and the RT Struct one ROI per structure, counted against the plan's
//! structures by their names in the bytes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

#[path = "../../sirt-dicom/tests/peers/mod.rs"]
mod peers;

use sirt_planning::{CaseText, ImageRoot, SiteData, plan_case};
use std::process::Command;

#[test]
fn a_plans_objects_reference_its_ct_and_pass_dciodvfy() {
    let dir = std::env::temp_dir().join(format!("sirt-planning-pacs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (name, bytes) in sirt_planning::phantom_files(sirt_phantom::Preset::Standard, 1).unwrap() {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    let o = plan_case(
        &SiteData::embedded().unwrap(),
        CaseText {
            text: sirt_planning::DEMO_PHANTOM_CASE,
            name: "demo-phantom-case.toml",
        },
        ImageRoot::Folder(&dir),
    )
    .unwrap();
    let images = o.plan.case.images.clone().unwrap();
    let ct_dir = dir.join(&images.ct);
    let at: sirt_units::Instant = "2026-03-04T16:05:00+01:00[Europe/Paris]".parse().unwrap();
    let objects = o
        .pacs_objects(&ct_dir, Some(b"%PDF-1.4\n%%EOF\n"), &at)
        .unwrap();
    let modalities: Vec<&str> = objects.iter().map(|x| x.modality).collect();
    assert!(modalities.contains(&"RTDOSE"), "{modalities:?}");
    for m in ["SEG", "RTSTRUCT", "DOC"] {
        assert_eq!(
            modalities.iter().filter(|x| **x == m).count(),
            1,
            "{m}: {modalities:?}"
        );
    }
    // The CT series' UID as its own first file says it (dicom-rs, not sirtplan's reader).
    let first = std::fs::read_dir(&ct_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .min()
        .unwrap();
    let ct = dicom_object::open_file(&first).unwrap();
    let series_uid = ct
        .element(dicom_dictionary_std::tags::SERIES_INSTANCE_UID)
        .unwrap()
        .to_str()
        .unwrap()
        .trim_end_matches('\0')
        .to_owned();
    let study_uid = ct
        .element(dicom_dictionary_std::tags::STUDY_INSTANCE_UID)
        .unwrap()
        .to_str()
        .unwrap()
        .trim_end_matches('\0')
        .to_owned();
    let names: Vec<String> = o
        .voxel
        .as_ref()
        .unwrap()
        .structures
        .iter()
        .map(|s| s.name.clone())
        .collect();
    assert!(names.len() >= 3, "{names:?}");
    let has = |b: &[u8], needle: &[u8]| b.windows(needle.len()).any(|w| w == needle);
    for x in &objects {
        assert!(
            has(&x.bytes, study_uid.as_bytes()),
            "{} in the CT's study",
            x.name
        );
        if matches!(x.modality, "SEG" | "RTSTRUCT") {
            assert!(
                has(&x.bytes, series_uid.as_bytes()),
                "{} references the CT series",
                x.name
            );
            for n in &names {
                assert!(has(&x.bytes, n.as_bytes()), "{} names {n}", x.name);
            }
        }
    }
    let files: Vec<std::path::PathBuf> = objects
        .iter()
        .map(|x| {
            let p = dir.join(format!("out-{}", x.name));
            std::fs::write(&p, &x.bytes).unwrap();
            p
        })
        .collect();
    if peers::peer(
        "dciodvfy (dicom3tools)",
        Command::new("sh").args(["-c", "command -v dciodvfy"]),
    ) {
        for (f, x) in files.iter().zip(&objects) {
            // dciodvfy aborts on 32-bit pixel data (crates/sirt-dicom/tests/write.rs): the RT
            // Dose writer's own test checks a 16-bit copy.
            if x.modality == "RTDOSE" {
                continue;
            }
            let errors = peers::dciodvfy_errors(f);
            assert!(errors.is_empty(), "dciodvfy {}: {errors:?}", x.name);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
