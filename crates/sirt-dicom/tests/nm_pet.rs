//! NM reconstructed SPECT and PET series: geometry, scaling, time fields, SUV, and bad input.
//! The objects are written by `tests/data/nm_pet/make_nm_pet.py` (pydicom), which also computes
//! what they must read as from the standard's definitions (`expected.json`); bad variants are
//! made from them at test time.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use common::*;
use dicom_core::value::{DataSetSequence, PrimitiveValue};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileDicomObject, InMemDicomObject};
use serde_json::Value;
use sirt_dicom::*;
use sirt_geometry::ContinuousIndex;

fn nm_pet(name: &str) -> PathBuf {
    data(&format!("nm_pet/{name}"))
}

fn expected() -> Value {
    serde_json::from_str(&std::fs::read_to_string(nm_pet("expected.json")).unwrap()).unwrap()
}

fn pet_files() -> Vec<PathBuf> {
    (1..=3)
        .map(|n| nm_pet(&format!("pet_{n:02}.dcm")))
        .collect()
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// Dimensions, spacing and probe voxels (LPS centre, value) against expected.json.
fn check_probes(image: &sirt_geometry::Image<f32>, exp: &Value) {
    let g = image.grid();
    let dims: Vec<usize> = f64s(&exp["dims"]).iter().map(|&x| x as usize).collect();
    assert_eq!(g.dims.to_vec(), dims);
    for (a, b) in g.spacing_mm.iter().zip(f64s(&exp["spacing"])) {
        assert!(
            (a - b).abs() < 1e-9,
            "spacing {:?} vs {:?}",
            g.spacing_mm,
            exp["spacing"]
        );
    }
    for p in exp["probes"].as_array().unwrap() {
        let ijk: Vec<usize> = f64s(&p["ijk"]).iter().map(|&x| x as usize).collect();
        let lps = f64s(&p["lps"]);
        let at = g.patient_from_index(ContinuousIndex::of_voxel(ijk[0], ijk[1], ijk[2]));
        let d = at.distance(sirt_geometry::PointLps::new(lps[0], lps[1], lps[2]));
        assert!(d < 1e-6, "voxel {ijk:?}: {at:?} vs {lps:?}");
        let v = image.get(ijk[0], ijk[1], ijk[2]).unwrap();
        let want = p["value"].as_f64().unwrap();
        assert!(
            (f64::from(v) - want).abs() < 1e-4 * want.abs().max(1.0),
            "voxel {ijk:?}: {v} vs {want}"
        );
    }
}

// ------------------------------------------------------------------------------------------ NM

#[test]
fn nm_recon_tomo_geometry_order_and_rescale() {
    let exp = expected();
    let nm = load_nm_tomo(nm_pet("nm_recon_tomo.dcm")).unwrap();
    let e = &exp["nm_recon_tomo.dcm"];
    check_probes(&nm.image, e);
    let order: Vec<usize> = f64s(&e["frame_order"])
        .iter()
        .map(|&x| x as usize)
        .collect();
    assert_eq!(nm.frame_order, order);
    assert_eq!(
        nm.scaling,
        ValueScaling::Rescale {
            per_frame: false,
            rescale_type: None
        }
    );
    // Rescale wins over the Real World Value Mapping, which is reported.
    assert!(
        nm.warnings
            .iter()
            .any(|w| w.contains("Real World Value Mapping")),
        "{:?}",
        nm.warnings
    );
    assert_eq!(nm.image.grid().frame.0, "1.2.826.0.1.3680043.10.1234.77.2");
    assert_eq!(nm.image_type[2], "RECON TOMO");
    // Acquisition and isotope.
    let acq = nm.acquisition_start.unwrap();
    assert_eq!(acq.to_string(), "2024-03-01T10:15:00+01:00");
    assert_eq!(
        acq.zone,
        DicomZone::Offset {
            seconds: 3600,
            source: OffsetSource::TimezoneOffsetFromUtc
        }
    );
    assert_eq!(nm.actual_frame_duration_ms, Some(20000.0));
    assert_eq!(nm.projections, Some(60));
    assert_eq!(nm.acquisition_duration_s, Some(1200.0));
    let rp = &nm.radiopharmaceuticals[0];
    assert_eq!(rp.name.as_deref(), Some("Tc99m MAA"));
    assert_eq!(rp.radionuclide.as_deref(), Some("^99m^Technetium"));
    // NM states the dose in MBq.
    assert_eq!(rp.total_dose_bq, Some(150e6));
    assert_eq!(rp.start_stated, Some(StartStated::DateTime));
    let start = rp.start.unwrap();
    let e = acq.elapsed_since(&start);
    assert_eq!((e.seconds, e.basis), (3600.0, ElapsedBasis::Absolute));
    assert_eq!(rp.stop.unwrap().to_string(), "2024-03-01T09:16:00+01:00");
    let at = start.instant().unwrap();
    assert_eq!(at.timestamp().to_string(), "2024-03-01T08:15:00Z");
    assert_eq!(nm.energy_windows[0].ranges_kev, vec![(126.45, 154.55)]);
    assert_eq!(nm.energy_windows[0].name.as_deref(), Some("EM"));
    assert_eq!(nm.corrected, vec!["ATTN", "SCAT"]);
    assert_eq!(nm.patient_weight_kg, Some(70.0));
}

#[test]
fn nm_negative_spacing_stacks_against_the_normal_and_applies_real_world_values() {
    let exp = expected();
    let nm = load_nm_tomo(nm_pet("nm_negative_spacing_rwv.dcm")).unwrap();
    let e = &exp["nm_negative_spacing_rwv.dcm"];
    check_probes(&nm.image, e);
    let order: Vec<usize> = f64s(&e["frame_order"])
        .iter()
        .map(|&x| x as usize)
        .collect();
    assert_eq!(nm.frame_order, order);
    // The grid stays right-handed: k along row × column.
    assert_eq!(nm.image.grid().direction[2], [0.0, 0.0, 1.0]);
    assert!(matches!(
        &nm.scaling,
        ValueScaling::RealWorld { per_frame: false, units: Some(u), label: Some(l) }
            if u == "Bq/ml" && l == "BQML"
    ));
    // No Timezone Offset From UTC: the zone is unknown, never guessed.
    let acq = nm.acquisition_start.unwrap();
    assert_eq!(acq.zone, DicomZone::Unknown);
    assert!(acq.instant().is_err());
    let e = acq.elapsed_since(&nm.radiopharmaceuticals[0].start.unwrap());
    assert_eq!((e.seconds, e.basis), (3600.0, ElapsedBasis::SameLocalClock));
}

#[test]
fn nm_per_frame_scaling() {
    let exp = expected();
    let nm = load_nm_tomo(nm_pet("nm_per_frame_scaling.dcm")).unwrap();
    check_probes(&nm.image, &exp["nm_per_frame_scaling.dcm"]);
    assert_eq!(
        nm.scaling,
        ValueScaling::Rescale {
            per_frame: true,
            rescale_type: Some("CNTS".into())
        }
    );
}

fn put_seq(o: &mut FileDicomObject<InMemDicomObject>, tag: Tag, items: Vec<InMemDicomObject>) {
    o.put(DataElement::new(tag, VR::SQ, DataSetSequence::from(items)));
}

#[test]
fn bad_nm_objects_are_refused_with_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let src = nm_pet("nm_recon_tomo.dcm");
    let mut report = String::new();
    let mut case = |name: &str, edit: &dyn Fn(&mut FileDicomObject<InMemDicomObject>)| {
        let f = altered(&src, &d.join(format!("{name}.dcm")), edit);
        let e = load_nm_tomo(&f).expect_err(name);
        let msg = redact(&e.to_string(), d);
        assert!(msg.contains(&format!("{name}.dcm")), "{msg}");
        report.push_str(&format!("{name}: {msg}\n"));
    };
    case("no_detector_sequence", &|o| {
        o.remove_element(tags::DETECTOR_INFORMATION_SEQUENCE);
    });
    case("detector_item_without_plane", &|o| {
        let mut item = InMemDicomObject::new_empty();
        item.put_str(tags::COLLIMATOR_TYPE, VR::CS, "PARA");
        put_seq(o, tags::DETECTOR_INFORMATION_SEQUENCE, vec![item]);
    });
    case("slice_vector_short", &|o| {
        o.put(DataElement::new(
            tags::SLICE_VECTOR,
            VR::US,
            PrimitiveValue::U16(vec![3u16, 1, 5, 2].into()),
        ));
    });
    case("number_of_slices_differs", &|o| {
        o.put(DataElement::new(
            tags::NUMBER_OF_SLICES,
            VR::US,
            PrimitiveValue::from(6u16),
        ));
    });
    case("slice_twice", &|o| {
        o.put(DataElement::new(
            tags::SLICE_VECTOR,
            VR::US,
            PrimitiveValue::U16(vec![3u16, 1, 5, 2, 3].into()),
        ));
    });
    case("frames_more_than_pixels", &|o| {
        o.put_str(tags::NUMBER_OF_FRAMES, VR::IS, "7");
        o.put(DataElement::new(
            tags::SLICE_VECTOR,
            VR::US,
            PrimitiveValue::U16(vec![3u16, 1, 5, 2, 4, 6, 7].into()),
        ));
        o.put(DataElement::new(
            tags::NUMBER_OF_SLICES,
            VR::US,
            PrimitiveValue::from(7u16),
        ));
    });
    case("frames_huge_without_pointer", &|o| {
        // A billion frames stated: refused by the pixel data size before any per-frame work.
        o.put_str(tags::NUMBER_OF_FRAMES, VR::IS, "1000000000");
        o.remove_element(tags::FRAME_INCREMENT_POINTER);
        o.remove_element(tags::SLICE_VECTOR);
        o.remove_element(tags::NUMBER_OF_SLICES);
    });
    case("projections", &|o| {
        o.put_str(
            tags::IMAGE_TYPE,
            VR::CS,
            "ORIGINAL\\PRIMARY\\TOMO\\EMISSION",
        );
    });
    case("two_energy_windows", &|o| {
        o.put(DataElement::new(
            tags::FRAME_INCREMENT_POINTER,
            VR::AT,
            PrimitiveValue::Tags(vec![tags::ENERGY_WINDOW_VECTOR, tags::SLICE_VECTOR].into()),
        ));
        o.put(DataElement::new(
            tags::ENERGY_WINDOW_VECTOR,
            VR::US,
            PrimitiveValue::U16(vec![1u16, 1, 2, 2, 2].into()),
        ));
    });
    case("pointer_without_slice_vector", &|o| {
        o.put(DataElement::new(
            tags::FRAME_INCREMENT_POINTER,
            VR::AT,
            PrimitiveValue::Tags(vec![tags::ENERGY_WINDOW_VECTOR].into()),
        ));
    });
    case("zero_spacing", &|o| {
        o.put_str(tags::SPACING_BETWEEN_SLICES, VR::DS, "0");
    });
    case("not_nm", &|o| {
        o.put_str(tags::MODALITY, VR::CS, "PT");
    });
    case("bad_timezone", &|o| {
        o.put_str(Tag(0x0008, 0x0201), VR::SH, "+2500");
    });
    case("bad_start_datetime", &|o| {
        let mut item = InMemDicomObject::new_empty();
        item.put_str(Tag(0x0018, 0x1078), VR::DT, "20240301");
        put_seq(
            o,
            tags::RADIOPHARMACEUTICAL_INFORMATION_SEQUENCE,
            vec![item],
        );
    });
    insta::assert_snapshot!("bad_nm", report);
}

#[test]
fn nm_top_level_plane_is_read_with_a_warning_and_a_single_frame_loads() {
    let dir = tempfile::tempdir().unwrap();
    let f = altered(
        &nm_pet("nm_recon_tomo.dcm"),
        &dir.path().join("top.dcm"),
        |o| {
            o.remove_element(tags::DETECTOR_INFORMATION_SEQUENCE);
            o.put_str(tags::IMAGE_POSITION_PATIENT, VR::DS, "-100\\-80\\50");
            o.put_str(tags::IMAGE_ORIENTATION_PATIENT, VR::DS, "1\\0\\0\\0\\1\\0");
            o.remove_element(tags::SPACING_BETWEEN_SLICES);
        },
    );
    let nm = load_nm_tomo(&f).unwrap();
    assert_eq!(nm.warnings.len(), 3, "{:?}", nm.warnings);
    assert!(nm.warnings[0].contains("top level"));
    assert!(
        nm.warnings
            .iter()
            .any(|w| w.contains("Slice Thickness 4.42"))
    );
    assert_eq!(nm.image.grid().spacing_mm[2], 4.42);
}

#[test]
fn the_series_loader_points_to_the_nm_reader() {
    let e = load_image_series(&[nm_pet("nm_recon_tomo.dcm")]).unwrap_err();
    assert!(e.to_string().contains("load_nm_tomo"), "{e}");
}

// ----------------------------------------------------------------------------------------- PET

#[test]
fn pet_series_bq_ml_geometry_and_suv() {
    let exp = expected();
    let e = &exp["pet"];
    let mut files = pet_files();
    files.reverse();
    let pet = load_pet_series(&files).unwrap();
    check_probes(&pet.image, e);
    let names: Vec<String> = pet
        .files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let want: Vec<String> = e["files_in_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, want);
    assert_eq!(pet.units, PetUnits::BqPerMl);
    assert_eq!(pet.decay_reference.correction, DecayCorrection::Start);
    assert_eq!(
        pet.decay_reference.source,
        Some(ReferenceSource::SeriesDateTime)
    );
    assert_eq!(
        pet.decay_reference.instant.unwrap().to_string(),
        "2024-03-01T10:30:00+01:00"
    );
    let rp = pet.radiopharmaceutical.as_ref().unwrap();
    assert_eq!(rp.total_dose_bq, Some(370e6));
    assert_eq!(rp.half_life_s, Some(6586.2));
    assert_eq!(rp.radionuclide.as_deref(), Some("^18^Fluorine"));
    assert_eq!(pet.patient_weight_kg, Some(75.0));
    assert_eq!(pet.actual_frame_duration_ms, Some(180000.0));
    assert_eq!(pet.decay_factors, vec![Some(1.0); 3]);
    assert!(pet.warnings.is_empty(), "{:?}", pet.warnings);
    let Suv::BodyWeight {
        factor,
        dose_at_reference_bq,
        elapsed,
        ..
    } = pet.suv
    else {
        panic!("{:?}", pet.suv)
    };
    let rel = |a: f64, b: f64| ((a - b) / b).abs();
    assert!(rel(factor, e["suv_factor_g_per_bq"].as_f64().unwrap()) < 1e-12);
    assert!(
        rel(
            dose_at_reference_bq,
            e["dose_at_reference_bq"].as_f64().unwrap()
        ) < 1e-12
    );
    let elapsed = elapsed.unwrap();
    assert_eq!(elapsed.seconds, 3600.0);
    assert_eq!(elapsed.basis, ElapsedBasis::Absolute);
    // Independent arithmetic: 370 MBq of F-18, one hour → 253.3 MBq; 75 kg → 2.9608e-4 g/Bq.
    assert!(rel(dose_at_reference_bq, 370e6 * 0.5f64.powf(3600.0 / 6586.2)) < 1e-12);
    assert!((factor - 2.9608e-4).abs() < 1e-8, "{factor}");
}

/// Writes altered copies of the three PET slices into `dir`.
fn pet_variant(
    dir: &Path,
    edit: impl Fn(usize, &mut FileDicomObject<InMemDicomObject>),
) -> Vec<PathBuf> {
    pet_files()
        .iter()
        .enumerate()
        .map(|(n, f)| {
            altered(f, &dir.join(format!("pet_{:02}.dcm", n + 1)), |o| {
                edit(n, o)
            })
        })
        .collect()
}

fn set_radiopharmaceutical(
    o: &mut FileDicomObject<InMemDicomObject>,
    edit: impl Fn(&mut InMemDicomObject),
) {
    let mut item = o
        .get(tags::RADIOPHARMACEUTICAL_INFORMATION_SEQUENCE)
        .unwrap()
        .items()
        .unwrap()[0]
        .clone();
    edit(&mut item);
    put_seq(
        o,
        tags::RADIOPHARMACEUTICAL_INFORMATION_SEQUENCE,
        vec![item],
    );
}

#[test]
fn pet_decay_references_and_zones() {
    let dir = tempfile::tempdir().unwrap();
    // ADMIN: the dose is not decayed.
    let d = dir.path().join("admin");
    std::fs::create_dir(&d).unwrap();
    let files = pet_variant(&d, |_, o| {
        o.put_str(tags::DECAY_CORRECTION, VR::CS, "ADMIN");
    });
    let pet = load_pet_series(&files).unwrap();
    assert_eq!(
        pet.decay_reference.source,
        Some(ReferenceSource::RadiopharmaceuticalStart)
    );
    assert!(
        matches!(pet.suv, Suv::BodyWeight { factor, elapsed: None, .. }
        if (factor - 75000.0 / 370e6).abs() < 1e-15)
    );

    // NONE: no SUV, reference = earliest acquisition.
    let d = dir.path().join("none");
    std::fs::create_dir(&d).unwrap();
    let files = pet_variant(&d, |n, o| {
        o.put_str(tags::DECAY_CORRECTION, VR::CS, "NONE");
        o.put_str(tags::CORRECTED_IMAGE, VR::CS, "ATTN");
        o.put_str(tags::ACQUISITION_TIME, VR::TM, format!("10{}000", 3 + n));
    });
    let pet = load_pet_series(&files).unwrap();
    assert_eq!(
        pet.decay_reference.instant.unwrap().to_string(),
        "2024-03-01T10:30:00+01:00"
    );
    assert!(matches!(&pet.suv, Suv::Unavailable { reason } if reason.contains("NONE")));
    assert_eq!(pet.slice_acquisition.len(), 3);

    // No zone, start time only, series time after the acquisition.
    let d = dir.path().join("nozone");
    std::fs::create_dir(&d).unwrap();
    let files = pet_variant(&d, |_, o| {
        o.remove_element(Tag(0x0008, 0x0201));
        o.put_str(tags::SERIES_TIME, VR::TM, "110000");
        o.put_str(tags::ACQUISITION_TIME, VR::TM, "103000");
        set_radiopharmaceutical(o, |item| {
            item.remove_element(Tag(0x0018, 0x1078));
            item.put_str(Tag(0x0018, 0x1072), VR::TM, "233000");
        });
        o.put_str(tags::SERIES_DATE, VR::DA, "20240302");
        o.put_str(tags::ACQUISITION_DATE, VR::DA, "20240302");
    });
    let pet = load_pet_series(&files).unwrap();
    let reference = pet.decay_reference.instant.unwrap();
    assert_eq!(
        pet.decay_reference.source,
        Some(ReferenceSource::EarliestAcquisition)
    );
    assert_eq!(reference.to_string(), "2024-03-02T10:30:00 (zone unknown)");
    let rp = pet.radiopharmaceutical.as_ref().unwrap();
    assert_eq!(rp.start_stated, Some(StartStated::TimeOnlyDateAssumed));
    // 23:30 is after 11:00 on the series day: the day before.
    assert_eq!(
        rp.start.unwrap().to_string(),
        "2024-03-01T23:30:00 (zone unknown)"
    );
    assert_eq!(pet.warnings.len(), 2, "{:?}", pet.warnings);
    let Suv::BodyWeight {
        elapsed: Some(e), ..
    } = pet.suv
    else {
        panic!("{:?}", pet.suv)
    };
    assert_eq!(
        (e.seconds, e.basis),
        (11.0 * 3600.0, ElapsedBasis::SameLocalClock)
    );
}

#[test]
fn pet_units_other_than_bqml_are_refused_or_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let files = pet_variant(dir.path(), |_, o| {
        o.put_str(tags::UNITS, VR::CS, "CNTS");
    });
    let e = load_pet_series(&files).unwrap_err();
    let msg = redact(&e.to_string(), dir.path());
    assert!(msg.contains("\"CNTS\"") && msg.contains("BQML"), "{msg}");
    let pet = load_pet_series_any_units(&files).unwrap();
    assert_eq!(pet.units, PetUnits::Other("CNTS".into()));
    assert!(matches!(&pet.suv, Suv::Unavailable { reason } if reason.contains("CNTS")));
}

#[test]
fn bad_pet_series_are_refused_with_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut report = String::new();
    let mut case = |name: &str, edit: &dyn Fn(usize, &mut FileDicomObject<InMemDicomObject>)| {
        let d = dir.path().join(name);
        std::fs::create_dir(&d).unwrap();
        let files = pet_variant(&d, edit);
        let e = load_pet_series(&files).expect_err(name);
        let msg = redact(&e.to_string(), dir.path());
        assert!(msg.contains(name), "{msg}");
        report.push_str(&format!("{name}: {msg}\n"));
    };
    case("no_units", &|_, o| {
        o.remove_element(tags::UNITS);
    });
    case("units_differ", &|n, o| {
        if n == 2 {
            o.put_str(tags::UNITS, VR::CS, "CNTS");
        }
    });
    case("no_decay_correction", &|_, o| {
        o.remove_element(tags::DECAY_CORRECTION);
    });
    case("decay_correction_differs", &|n, o| {
        if n == 1 {
            o.put_str(tags::DECAY_CORRECTION, VR::CS, "ADMIN");
        }
    });
    case("not_pet", &|_, o| {
        o.put_str(tags::MODALITY, VR::CS, "CT");
    });
    case("bad_series_time", &|_, o| {
        o.put_str(tags::SERIES_TIME, VR::TM, "25");
    });
    case("negative_dose", &|_, o| {
        set_radiopharmaceutical(o, |item| {
            item.put_str(tags::RADIONUCLIDE_TOTAL_DOSE, VR::DS, "-5");
        });
    });
    case("duplicate_slice", &|n, o| {
        if n == 2 {
            o.put_str(tags::IMAGE_POSITION_PATIENT, VR::DS, "-7.5\\-4.5\\-12");
        }
    });
    insta::assert_snapshot!("bad_pet", report);
}

#[test]
fn pet_suv_unavailable_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let files = pet_variant(dir.path(), |_, o| {
        o.remove_element(tags::PATIENT_WEIGHT);
    });
    let pet = load_pet_series(&files).unwrap();
    assert!(matches!(&pet.suv, Suv::Unavailable { reason } if reason.contains("Patient's Weight")));
}

// ------------------------------------------------------------------------------ Enhanced CT/MR

#[test]
fn enhanced_ct_and_mr_frames_are_stacked_and_scaled_per_frame() {
    let exp = expected();
    let ct = load_enhanced_image(nm_pet("enhanced_ct.dcm")).unwrap();
    let e = &exp["enhanced_ct.dcm"];
    check_probes(&ct.image, e);
    let order: Vec<usize> = f64s(&e["frame_order"])
        .iter()
        .map(|&x| x as usize)
        .collect();
    assert_eq!(ct.frame_order, order);
    assert_eq!(
        ct.scaling,
        ValueScaling::Rescale {
            per_frame: true,
            rescale_type: Some("HU".into())
        }
    );
    let mr = load_enhanced_image(nm_pet("enhanced_mr.dcm")).unwrap();
    check_probes(&mr.image, &exp["enhanced_mr.dcm"]);
    assert!(matches!(
        &mr.scaling,
        ValueScaling::RealWorld { per_frame: false, units: Some(u), .. } if u == "s"
    ));
    // The classic series loader points to this reader.
    let e = load_image_series(&[nm_pet("enhanced_ct.dcm")]).unwrap_err();
    assert!(e.to_string().contains("load_enhanced_image"), "{e}");
}

/// The per-frame functional group items of an object, edited.
fn edit_frames(
    o: &mut FileDicomObject<InMemDicomObject>,
    edit: impl Fn(usize, &mut InMemDicomObject),
) {
    let mut items = o
        .get(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE)
        .unwrap()
        .items()
        .unwrap()
        .to_vec();
    for (n, item) in items.iter_mut().enumerate() {
        edit(n, item);
    }
    put_seq(o, tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE, items);
}

fn frame_content(stack: &str, temporal: u32) -> InMemDicomObject {
    let mut fc = InMemDicomObject::new_empty();
    fc.put_str(tags::STACK_ID, VR::SH, stack);
    fc.put(DataElement::new(
        tags::TEMPORAL_POSITION_INDEX,
        VR::UL,
        PrimitiveValue::from(temporal),
    ));
    fc
}

#[test]
fn bad_enhanced_images_are_refused_with_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let src = nm_pet("enhanced_ct.dcm");
    let mut report = String::new();
    let mut case = |name: &str, edit: &dyn Fn(&mut FileDicomObject<InMemDicomObject>)| {
        let f = altered(&src, &d.join(format!("{name}.dcm")), edit);
        let e = load_enhanced_image(&f).expect_err(name);
        let msg = redact(&e.to_string(), d);
        assert!(msg.contains(&format!("{name}.dcm")), "{msg}");
        report.push_str(&format!("{name}: {msg}\n"));
    };
    case("two_stacks", &|o| {
        edit_frames(o, |n, item| {
            let fc = frame_content(if n < 2 { "1" } else { "2" }, 1);
            item.put(DataElement::new(
                tags::FRAME_CONTENT_SEQUENCE,
                VR::SQ,
                DataSetSequence::from(vec![fc]),
            ));
        });
    });
    case("two_temporal_positions", &|o| {
        edit_frames(o, |n, item| {
            let fc = frame_content("1", 1 + (n as u32 % 2));
            item.put(DataElement::new(
                tags::FRAME_CONTENT_SEQUENCE,
                VR::SQ,
                DataSetSequence::from(vec![fc]),
            ));
        });
    });
    case("frame_without_position", &|o| {
        edit_frames(o, |n, item| {
            if n == 2 {
                item.remove_element(tags::PLANE_POSITION_SEQUENCE);
            }
        });
    });
    case("two_frames_at_one_position", &|o| {
        edit_frames(o, |n, item| {
            if n == 3 {
                let mut pp = InMemDicomObject::new_empty();
                pp.put_str(tags::IMAGE_POSITION_PATIENT, VR::DS, "-2\\-1.5\\30");
                item.put(DataElement::new(
                    tags::PLANE_POSITION_SEQUENCE,
                    VR::SQ,
                    DataSetSequence::from(vec![pp]),
                ));
            }
        });
    });
    case("missing_frame_group", &|o| {
        let mut items = o
            .get(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE)
            .unwrap()
            .items()
            .unwrap()
            .to_vec();
        items.pop();
        put_seq(o, tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE, items);
    });
    case("not_enhanced", &|o| {
        o.remove_element(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE);
        o.remove_element(tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE);
    });
    insta::assert_snapshot!("bad_enhanced", report);
}
