//! The notes of a plan with a voxel part in French (the demo case on the digital phantom): the
//! accepted plausibility values, the MAA SPECT and Y-90 PET consistency fractions, the voxel
//! values of the checks and the voxel lung detail, with decimal commas and no-break spaces;
//! English as it always was (the JSON keeps it).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_i18n::{Lang, Text};
use sirt_planning::{CaseText, ImageRoot, Outcome, SiteData};
use std::path::PathBuf;

fn temp_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("sirt-planning-french-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The demo phantom case planned with its images (standard preset, seed 1).
fn outcome() -> (Outcome, PathBuf) {
    let dir = temp_dir();
    for (name, bytes) in sirt_planning::phantom_files(sirt_phantom::Preset::Standard, 1).unwrap() {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    let o = sirt_planning::plan_case(
        &SiteData::embedded().unwrap(),
        CaseText {
            text: sirt_planning::DEMO_PHANTOM_CASE,
            name: "demo-phantom-case.toml",
        },
        ImageRoot::Folder(&dir),
    )
    .unwrap();
    (o, dir)
}

fn find<'a>(notes: &'a [Text], en_start: &str) -> &'a Text {
    notes
        .iter()
        .find(|n| n.en().starts_with(en_start))
        .unwrap_or_else(|| panic!("no note starting {en_start:?} in {notes:#?}"))
}

#[test]
fn notes_and_check_texts_of_the_phantom_plan_in_french() {
    let (o, dir) = outcome();
    let plan_notes = &o.plan.notes;
    let voxel_notes = &o.voxel.as_ref().unwrap().notes;
    // Image files are named as the case file names them (its folder stays out of the report).

    // The case's accepted lung mass (plan notes).
    let n = find(plan_notes, "lungs.mass: ");
    assert_eq!(
        n.en(),
        "lungs.mass: case file demo-phantom-case.toml: found 0.2853 kg, expected a plausible lung mass (lungs.mass, or lungs.ct_volume × lungs.density), from 0.3 kg to 2.5 kg: accepted by the case (accepted[0]: digital phantom: the CT field of view holds the lung bases only (0.29 kg of lung))"
    );
    assert_eq!(
        n.render(Lang::Fr),
        "lungs.mass\u{a0}: dossier demo-phantom-case.toml\u{a0}: trouvé 0,2853\u{a0}kg, attendu une valeur plausible de masse pulmonaire (lungs.mass, ou lungs.ct_volume × lungs.density), de 0,3\u{a0}kg à 2,5\u{a0}kg\u{a0}: accepté par le dossier (accepted[0]\u{a0}: digital phantom: the CT field of view holds the lung bases only (0.29 kg of lung))"
    );

    // The segmented lung volume accepted (voxel notes).
    let n = find(voxel_notes, "images.lungs.volume: ");
    assert_eq!(
        n.render(Lang::Fr),
        format!(
            "images.lungs.volume\u{a0}: dicom/rtstruct.dcm (structure «\u{a0}lungs\u{a0}»)\u{a0}: trouvé 0,9511\u{a0}L, attendu une valeur plausible de volume pulmonaire segmenté, de 1\u{a0}L à 10\u{a0}L\u{a0}: accepté par le dossier (accepted[1]\u{a0}: digital phantom: the CT field of view holds the lung bases only (951 mL segmented))"
        )
    );

    // The consistency fractions of the MAA SPECT and the Y-90 PET.
    let n = find(voxel_notes, "MAA SPECT ");
    assert_eq!(
        n.en(),
        format!(
            "MAA SPECT dicom/spect: 99.7 % of the counts inside the body outline, 99.1 % in the liver (with its 15 mm margin) and the lungs"
        )
    );
    assert_eq!(
        n.render(Lang::Fr),
        format!(
            "TEMP aux MAA dicom/spect\u{a0}: 99,7\u{a0}% des coups dans le contour corporel, 99,1\u{a0}% dans le foie (avec sa marge de 15\u{a0}mm) et les poumons"
        )
    );
    let n = find(voxel_notes, "Y-90 PET dicom/");
    assert_eq!(
        n.render(Lang::Fr),
        format!(
            "TEP à l’Y-90 dicom/pet\u{a0}: 99,8\u{a0}% de l’activité dans le contour corporel, 96,0\u{a0}% dans le foie (avec sa marge de 15\u{a0}mm)"
        )
    );
    // A note of the image loader (no catalogue) keeps its words after the French prefix.
    let n = find(voxel_notes, "Y-90 PET: ");
    assert_eq!(
        n.render(Lang::Fr),
        "TEP à l’Y-90\u{a0}: values decay-corrected to the acquisition start (START)"
    );

    // The voxel values of the checks and the voxel lung detail.
    let voxel_check = o
        .plan
        .checks
        .iter()
        .find(|c| {
            c.rule == "lung-dose-session-mass-used" && c.basis == sirt_rules::CheckBasis::Voxel
        })
        .unwrap();
    assert_eq!(
        voxel_check.values_from.en(),
        "MAA SPECT voxel dosimetry at the planned activities (dose-voxel kernel; structure mean doses, mass from the CT); counts in the liver margin (session 1: 7.9 %) count as the liver's activity but stay outside the liver contour, so the voxel liver doses leave them out"
    );
    assert_eq!(
        voxel_check.values_from.render(Lang::Fr),
        "dosimétrie voxel sur la TEMP aux MAA aux activités planifiées (noyau de dose voxel\u{a0}; doses moyennes par structure, masse issue de la TDM)\u{a0}; les coups de la marge hépatique (séance 1\u{a0}: 7,9\u{a0}%) sont comptés dans l’activité du foie mais restent hors du contour hépatique, les doses voxel au foie ne les incluent donc pas"
    );
    assert!(
        voxel_check.note.as_ref().unwrap().render(Lang::Fr).starts_with(
            "dose moyenne voxel de la structure «\u{a0}lungs\u{a0}», masse pulmonaire 0,178\u{a0}kg issue de la TDM\u{a0}; les poumons reçoivent A · LSF"
        ),
        "{}",
        voxel_check.note.as_ref().unwrap().render(Lang::Fr)
    );
    // The image checks are still told from the others by their values.
    assert!(o.image_checks().count() > 0);
    assert!(
        o.image_checks()
            .all(|c| c.basis != sirt_rules::CheckBasis::Partition)
    );
    // JSON in English.
    let notes = o.json["notes"].as_array().unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n.as_str().unwrap().starts_with("lungs.mass: case file"))
    );
    let _ = std::fs::remove_dir_all(&dir);
}
