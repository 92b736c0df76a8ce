//! The radiobiology of the demo phantom's voxel plan: every dosimetry gets a section; each
//! structure's BED-volume histogram has the DVH's mass; the mean BED is never below the mean
//! dose and EQD2 = BED / (1 + 2/(α/β)); the device's material picks the fits; the section is in
//! the report's language and the JSON carries one entry per dosimetry.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sirt_i18n::Lang;
use sirt_planning::voxel::VoxelPlan;
use sirt_report::document::Block;
use sirt_voxel_dosimetry::pipeline::radiobiology::RadiobiologyData;

const CASE: &str = include_str!("../../../examples/demo-phantom-case.toml");

#[test]
fn phantom_plan_radiobiology() {
    let phantom = sirt_phantom::generate(sirt_phantom::Preset::Standard, 1).unwrap();
    let dir = tempfile_dir();
    for (name, bytes) in sirt_planning::phantom_dicom::files(&phantom).unwrap() {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    let case = sirt_case::parse(CASE, "demo-phantom-case.toml").unwrap();
    let devices = sirt_devices::Catalogue::embedded().unwrap();
    let rules = sirt_rules::RuleSet::embedded().unwrap();
    let plan = sirt_workflow::plan(&case, &devices, &rules, "demo-phantom-case.toml").unwrap();
    let voxel: VoxelPlan = sirt_planning::voxel::run(
        &plan,
        case.images.as_ref().unwrap(),
        &dir,
        &sirt_settings::SiteSettings::default(),
    )
    .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let data = RadiobiologyData::embedded().unwrap();
    let all = voxel.radiobiology(&plan, &data).unwrap();
    let expected = voxel.predicted.len()
        + voxel
            .delivered
            .as_ref()
            .map_or(0, |d| 1 + usize::from(d.predicted_at_delivered.is_some()));
    assert_eq!(all.len(), expected);
    assert!(!all.is_empty());
    for r in &all {
        let d = voxel
            .predicted
            .iter()
            .find(|p| r.key == format!("session {} predicted", p.session))
            .map(|p| &p.dosimetry);
        for s in &r.radiobiology.structures {
            assert!(s.mean_bed_gy >= s.mean_dose_gy, "{}: {}", r.key, s.name);
            let ab = s.parameters.alpha_beta.gy();
            assert!(
                (s.mean_eqd2_gy - s.mean_bed_gy / (1.0 + 2.0 / ab)).abs() < 1e-9 * s.mean_bed_gy
            );
            if let Some(d) = d {
                let dvh = &d.structure(&s.name).unwrap().dvh;
                assert!((dvh.mean_gy - s.mean_dose_gy).abs() < 1e-12);
                assert!((dvh.mass_kg.unwrap() - s.bvh.mass_kg.unwrap()).abs() < 1e-12);
            }
        }
        let material = &r.radiobiology.device_material;
        for f in r.radiobiology.structures.iter().flat_map(|s| &s.fits) {
            assert!(
                f.fit.applies_to_material(material),
                "{} on {material}",
                f.fit.id
            );
        }
    }
    let (blocks, json) = voxel.radiobiology_parts(&plan, &data, Lang::Fr);
    assert!(matches!(&blocks[0], Block::Heading(2, t) if t == "Radiobiologie (information)"));
    assert_eq!(json.as_array().unwrap().len(), expected);
}

fn tempfile_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("sirt-planning-radiobiology-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}
