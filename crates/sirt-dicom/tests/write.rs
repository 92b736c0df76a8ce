//! DICOM out: the digital phantom written as CT, PET, NM (SPECT), SEG, RT Structure Set and RT
//! Dose, then
//! - read back with sirt-dicom (same grid, values within the stored precision; structures
//!   rasterised back onto the CT grid);
//! - validated with dciodvfy (dicom3tools): no errors (warnings are printed);
//! - read by pydicom 3 (python3).
//!
//! The peers are optional on a developer machine (the checks print a note and pass) and
//! required when `SIRTPLAN_REQUIRE_PEERS` is set, as in CI.

// Scenario tests read as one story; their length is allowed (test code only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr,
    clippy::too_many_lines
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use dicom_dictionary_std::tags;
use dicom_object::open_file;
use serde_json::Value;
use sirt_dicom::write::{
    CivilDateTime, DoseBits, EnergyWindow, NmInfo, PetInfo, Radiopharmaceutical, RoiProvenance,
    RoiSpec, RtDoseInfo, RtStructContent, SegmentAlgorithmType, SegmentSpec, SeriesInfo, StudyInfo,
    WrittenSeries, save_objects, write_rt_struct_with_content,
};
use sirt_dicom::*;
use sirt_geometry::{FrameOfReference, Grid, Image, Mask, PointLps};
use sirt_phantom::{Phantom, Preset, labels};

mod peers;
use peers::{dciodvfy, peer};

/// Everything written once for all tests.
struct Scene {
    phantom: Phantom,
    study: StudyInfo,
    ct: WrittenSeries,
    ct_files: Vec<PathBuf>,
    pet_files: Vec<PathBuf>,
    nm_file: PathBuf,
    seg_file: PathBuf,
    rtstruct_file: PathBuf,
    dose32_file: PathBuf,
    dose16_file: PathBuf,
    dose: Image<f32>,
    /// (ROI name, label values) of the structure set and the SEG.
    structures: Vec<(String, Vec<u16>)>,
}

fn out_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sirt-dicom-write")
}

/// The phantom's structures: liver (with its tumours), lungs, stomach, tumours (viable and
/// necrotic parts).
fn structures(p: &Phantom) -> Vec<(String, Vec<u16>)> {
    let n = p.truth.anatomy.tumours.len() as u16;
    let mut liver = vec![labels::LIVER];
    liver.extend((0..n).map(|t| labels::TUMOUR_BASE + t));
    liver.extend((0..n).map(|t| labels::NECROSIS_BASE + t));
    let mut s = vec![
        ("liver".to_string(), liver),
        ("lungs".to_string(), vec![labels::LUNG]),
        ("stomach".to_string(), vec![labels::STOMACH]),
    ];
    for (t, spec) in p.truth.anatomy.tumours.iter().enumerate() {
        let t = t as u16;
        s.push((
            spec.id.clone(),
            vec![labels::TUMOUR_BASE + t, labels::NECROSIS_BASE + t],
        ));
    }
    s
}

fn mask_of(labels: &Image<u16>, values: &[u16]) -> Mask {
    labels.map(|v| values.contains(&v))
}

fn scene() -> &'static Scene {
    static SCENE: OnceLock<Scene> = OnceLock::new();
    SCENE.get_or_init(|| {
        let p = sirt_phantom::generate(Preset::Small, 3).unwrap();
        let dir = out_dir().join("phantom");
        let _ = std::fs::remove_dir_all(&dir);
        let t0 = CivilDateTime::new(2025, 1, 15, 9, 0, 0.0).unwrap();
        let mut study = StudyInfo::new("Phantom^SIRT", "SIRT-PHANTOM-3", t0);
        study.utc_offset_minutes = Some(60);
        study.description = Some("sirtplan write test".into());
        let acq = &p.truth.acquisition;

        let ct = write_ct_series(&p.ct, &study, &SeriesInfo::new(1, "CT", t0)).unwrap();
        let ct_files = save_objects(dir.join("ct"), &ct.objects).unwrap();

        let spect_start = t0.plus_seconds(900.0);
        let maa_admin = spect_start.plus_seconds(-3600.0);
        let tc_half_life_s = 6.015 * 3600.0;
        let maa_bq = acq.maa_mbq * 1e6 * (std::f64::consts::LN_2 * 3600.0 / tc_half_life_s).exp();
        let nm = write_nm_tomo(
            &p.spect,
            &study,
            &SeriesInfo::new(2, "MAA SPECT", spect_start),
            &NmInfo {
                radiopharmaceutical: Radiopharmaceutical::tc99m_maa(maa_admin, maa_bq),
                energy_window: EnergyWindow::tc99m_photopeak(),
                acquisition_duration_s: acq.spect_duration_s,
                projections: 120,
            },
        )
        .unwrap();
        let nm_file = save_objects(dir.join("spect"), &[nm]).unwrap().remove(0);

        let y90_admin = t0.plus_seconds(14.0 * 86400.0);
        let pet_start = y90_admin.plus_seconds(acq.pet_delay_h * 3600.0);
        let pet = write_pet_series(
            &p.pet,
            &study,
            &SeriesInfo::new(3, "Y-90 PET", pet_start),
            &PetInfo {
                radiopharmaceutical: Radiopharmaceutical::y90_microspheres(
                    y90_admin,
                    acq.y90_gbq * 1e9,
                ),
                frame_duration_s: acq.pet_duration_s,
                decay_correction: sirt_dicom::write::DecayCorrection::Start,
            },
        )
        .unwrap();
        let pet_files = save_objects(dir.join("pet"), &pet.objects).unwrap();

        let structures = structures(&p);
        let specs: Vec<SegmentSpec> = structures
            .iter()
            .map(|(name, values)| match name.as_str() {
                "liver" => SegmentSpec::organ(
                    values,
                    "liver",
                    write::Code::new("10200004", "SCT", "Liver"),
                ),
                "lungs" => {
                    SegmentSpec::organ(values, "lungs", write::Code::new("39607008", "SCT", "Lung"))
                }
                "stomach" => SegmentSpec::organ(
                    values,
                    "stomach",
                    write::Code::new("69695003", "SCT", "Stomach"),
                ),
                t => SegmentSpec::tumour(values, t),
            })
            .map(|mut s| {
                s.color = Some([200, 80, 60]);
                s.algorithm = Some("test".into());
                s
            })
            .collect();
        let seg = write_seg(
            &p.labels,
            &specs,
            &ct.reference,
            &study,
            &SeriesInfo::new(4, "Structures (SEG)", t0),
        )
        .unwrap();
        let seg_file = save_objects(&dir, &[seg]).unwrap().remove(0);

        let masks: Vec<Mask> = structures
            .iter()
            .map(|(_, v)| mask_of(&p.labels, v))
            .collect();
        let rois: Vec<RoiSpec<'_>> = structures
            .iter()
            .zip(&masks)
            .map(|((name, _), mask)| RoiSpec {
                name: name.clone(),
                mask,
                interpreted_type: if name.starts_with('T') {
                    "GTV"
                } else {
                    "ORGAN"
                }
                .into(),
                color: [255, 128, 0],
            })
            .collect();
        let rtstruct = write_rt_struct(
            &rois,
            &ct.reference,
            &study,
            &SeriesInfo::new(5, "Structures (RTSTRUCT)", t0),
            "PHANTOM",
        )
        .unwrap();
        let rtstruct_file = save_objects(&dir, &[rtstruct]).unwrap().remove(0);

        // A dose on the PET grid: Bq/mL × 1e-3 as Gy (values up to a few hundred Gy).
        let dose = p.pet.map(|v| (v * 1e-3).max(0.0));
        let mut info = RtDoseInfo::without_plan("test dose");
        let d32 = write_rt_dose(&dose, &study, &SeriesInfo::new(6, "Dose", t0), &info).unwrap();
        info.bits = DoseBits::U16;
        let mut d16 =
            write_rt_dose(&dose, &study, &SeriesInfo::new(7, "Dose 16", t0), &info).unwrap();
        d16.file_name = "RTDOSE16.dcm".into();
        let dose_files = save_objects(&dir, &[d32, d16]).unwrap();
        Scene {
            phantom: p,
            study,
            ct,
            ct_files,
            pet_files,
            nm_file,
            seg_file,
            rtstruct_file,
            dose32_file: dose_files[0].clone(),
            dose16_file: dose_files[1].clone(),
            dose,
            structures,
        }
    })
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (f64::from(*x) - f64::from(*y)).abs())
        .fold(0.0, f64::max)
}

#[test]
fn ct_reads_back_with_the_same_grid_and_hu() {
    let s = scene();
    let back = read_image_series(&s.ct_files).unwrap();
    assert!(back.image.grid().same_as(s.phantom.ct.grid()));
    assert_eq!(back.modality, "CT");
    assert_eq!(back.rescale_type.as_deref(), Some("HU"));
    assert_eq!(back.sop_instance_uids, s.ct.reference.sop_instance_uids);
    let err = max_abs_diff(back.image.data(), s.phantom.ct.data());
    eprintln!("CT round trip: max |ΔHU| = {err}");
    assert!(err <= 0.5 + 1e-4, "{err}");
}

#[test]
fn pet_reads_back_in_bq_per_ml_with_the_decay_reference() {
    let s = scene();
    let back = load_pet_series(&s.pet_files).unwrap();
    assert!(back.image.grid().same_as(s.phantom.pet.grid()));
    assert_eq!(back.units, PetUnits::BqPerMl);
    assert_eq!(back.decay_reference.correction, DecayCorrection::Start);
    assert!(back.warnings.is_empty(), "{:?}", back.warnings);
    // Precision: half a step of each slice's slope (peak / 32767).
    let [nx, ny, nz] = s.phantom.pet.grid().dims;
    let mut worst = 0.0f64;
    for k in 0..nz {
        let a = &back.image.data()[k * nx * ny..(k + 1) * nx * ny];
        let b = &s.phantom.pet.data()[k * nx * ny..(k + 1) * nx * ny];
        let peak = b.iter().fold(0.0f64, |m, v| m.max(f64::from(*v).abs()));
        let err = max_abs_diff(a, b);
        // Half a step plus the f32 rounding of the values compared.
        let tol = peak / 32767.0 * 0.5 * 1.001 + peak * 2.0 * f64::from(f32::EPSILON);
        assert!(err <= tol, "slice {k}: {err} (peak {peak})");
        worst = worst.max(err / peak.max(1e-30));
    }
    eprintln!("PET round trip: max error / slice peak = {worst:.2e}");
    let rp = back.radiopharmaceutical.unwrap();
    assert!((rp.total_dose_bq.unwrap() - 1.9e9).abs() < 1.0);
    assert!((rp.half_life_s.unwrap() - 230_760.0).abs() < 1e-6);
    // Series start = acquisition start = administration + 20 h.
    let start = back.series_start.unwrap();
    assert_eq!(start.civil.to_string(), "2025-01-30T05:00:00");
}

#[test]
fn nm_tomo_reads_back_with_the_same_grid_and_counts() {
    let s = scene();
    let back = load_nm_tomo(&s.nm_file).unwrap();
    assert!(back.image.grid().same_as(s.phantom.spect.grid()));
    assert_eq!(back.image.data(), s.phantom.spect.data());
    assert_eq!(
        back.image_type,
        ["ORIGINAL", "PRIMARY", "RECON TOMO", "EMISSION"]
    );
    assert_eq!(back.energy_windows[0].ranges_kev, [(126.0, 154.0)]);
    assert_eq!(back.acquisition_duration_s, Some(1200.0));
    assert_eq!(back.radiopharmaceuticals.len(), 1);
    assert!(back.warnings.is_empty(), "{:?}", back.warnings);
    let rp = &back.radiopharmaceuticals[0];
    assert_eq!(rp.radionuclide.as_deref(), Some("^99m^Technetium"));
    assert_eq!(rp.name.as_deref(), Some("Tc-99m MAA"));
}

/// An oblique, left-handed grid (k against i × j): the writers keep the voxels; readers give the
/// right-handed grid with k reversed (multi-frame) or the same grid (single-frame, per slice).
fn oblique_left_handed() -> Grid {
    let (c, s) = (0.3f64.cos(), 0.3f64.sin());
    Grid::new(
        [7, 5, 4],
        [1.5, 2.0, 3.0],
        PointLps::new(-10.0, 20.0, 30.0),
        [[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, -1.0]],
        FrameOfReference("test frame".into()),
    )
    .unwrap()
}

fn ramp(grid: &Grid, scale: f32) -> Image<f32> {
    let data = (0..grid.len()).map(|n| n as f32 * scale).collect();
    Image::new(grid.clone(), data).unwrap()
}

/// The voxels of `img` with k reversed.
fn flip_k(img: &Image<f32>) -> Vec<f32> {
    let [nx, ny, nz] = img.grid().dims;
    (0..nz)
        .rev()
        .flat_map(|k| img.data()[k * nx * ny..(k + 1) * nx * ny].to_vec())
        .collect()
}

fn study() -> StudyInfo {
    StudyInfo::new(
        "Test^Grid",
        "T1",
        CivilDateTime::new(2024, 5, 6, 7, 8, 9.0).unwrap(),
    )
}

#[test]
fn left_handed_oblique_grids_keep_their_voxels() {
    let grid = oblique_left_handed();
    let t = CivilDateTime::new(2024, 5, 6, 7, 8, 9.0).unwrap();
    let dir = out_dir().join("oblique");
    let _ = std::fs::remove_dir_all(&dir);
    let study = study();
    let expect_frame = write::frame_uid(&grid.frame);

    // NM with non-integer values: Rescale Slope and Intercept.
    let img = ramp(&grid, 0.37).map(|v| v - 3.0);
    let nm = write_nm_tomo(
        &img,
        &study,
        &SeriesInfo::new(1, "nm", t),
        &NmInfo {
            radiopharmaceutical: Radiopharmaceutical::tc99m_maa(t, 1e8),
            energy_window: EnergyWindow::tc99m_photopeak(),
            acquisition_duration_s: 600.0,
            projections: 60,
        },
    )
    .unwrap();
    let f = save_objects(&dir, &[nm]).unwrap().remove(0);
    let back = load_nm_tomo(&f).unwrap();
    let g = back.image.grid();
    assert_eq!(g.frame.0, expect_frame);
    assert_eq!(g.direction[2], [0.0, 0.0, 1.0]);
    let last = grid.patient_from_index(sirt_geometry::ContinuousIndex::of_voxel(0, 0, 3));
    assert!(g.origin.distance(last) < 1e-4);
    let span = 0.37 * (grid.len() - 1) as f64;
    let err = max_abs_diff(back.image.data(), &flip_k(&img));
    assert!(err <= span / 65535.0, "{err}");

    // RT Dose, 32-bit.
    let dose = ramp(&grid, 0.5);
    let d = write_rt_dose(
        &dose,
        &study,
        &SeriesInfo::new(2, "dose", t),
        &RtDoseInfo::without_plan(""),
    )
    .unwrap();
    let f = save_objects(&dir, &[d]).unwrap().remove(0);
    let back = load_rt_dose(&f).unwrap();
    assert_eq!(back.units, DoseUnits::Gy);
    assert!(back.image.grid().origin.distance(last) < 1e-4);
    let err = max_abs_diff(back.image.data(), &flip_k(&dose));
    assert!(err <= 1e-4, "{err}");

    // CT: single-frame slices keep the grid when it is right-handed; here k comes back
    // reversed, with the same voxels in space.
    let ct = write_ct_series(&ramp(&grid, 7.0), &study, &SeriesInfo::new(3, "ct", t)).unwrap();
    let files = save_objects(dir.join("ct"), &ct.objects).unwrap();
    let back = load_image_series(&files).unwrap();
    assert!(back.grid().origin.distance(last) < 1e-4);
    assert_eq!(back.data(), flip_k(&ramp(&grid, 7.0)).as_slice());
}

#[test]
fn rt_dose_reads_back_within_the_dose_grid_scaling() {
    let s = scene();
    let max = s
        .dose
        .data()
        .iter()
        .fold(0.0f64, |m, v| m.max(f64::from(*v)));
    for (file, full) in [
        (&s.dose32_file, f64::from(u32::MAX)),
        (&s.dose16_file, f64::from(u16::MAX)),
    ] {
        let back = load_rt_dose(file).unwrap();
        assert!(back.image.grid().same_as(s.dose.grid()));
        assert_eq!(back.units, DoseUnits::Gy);
        assert_eq!(
            back.summation_type.as_deref(),
            Some(write::NO_PLAN_SUMMATION)
        );
        let step = max / full;
        let err = max_abs_diff(back.image.data(), s.dose.data());
        eprintln!(
            "RT Dose round trip ({}): max |ΔGy| = {err:.3e} (scaling {:.3e}, max {max:.1} Gy)",
            file.display(),
            back.scaling
        );
        // Half a step plus the f32 rounding of the values read.
        assert!(
            err <= step * 0.5 * 1.001 + max * 1e-7,
            "{err} vs step {step}"
        );
    }
}

#[test]
fn seg_reads_back_to_the_same_masks() {
    let s = scene();
    let seg = read_seg(&s.seg_file).unwrap();
    assert_eq!(seg.segmentation_type, SegmentationType::Binary);
    assert_eq!(
        seg.referenced_series_uid.as_deref(),
        Some(s.ct.reference.series_instance_uid.as_str())
    );
    assert_eq!(seg.segments.len(), s.structures.len());
    for (n, (name, values)) in s.structures.iter().enumerate() {
        let segment = seg.segment(name).unwrap();
        assert_eq!(segment.number as usize, n + 1);
        let mask = seg.mask(segment.number, s.phantom.ct.grid()).unwrap();
        assert_eq!(mask, mask_of(&s.phantom.labels, values), "{name}");
    }
}

fn dice(a: &Mask, b: &Mask) -> f64 {
    let both = a
        .data()
        .iter()
        .zip(b.data())
        .filter(|(x, y)| **x && **y)
        .count();
    2.0 * both as f64 / (a.count() + b.count()) as f64
}

#[test]
fn rt_struct_rasterises_back_to_the_masks() {
    let s = scene();
    let rs = read_rt_struct(&s.rtstruct_file).unwrap();
    assert!(rs.warnings.is_empty(), "{:?}", rs.warnings);
    assert_eq!(rs.label.as_deref(), Some("PHANTOM"));
    let grid = s.phantom.ct.grid();
    for (name, values) in &s.structures {
        let roi = rs.roi(name).unwrap();
        let truth = mask_of(&s.phantom.labels, values);
        let back = rasterize(roi, grid).unwrap();
        let d = dice(&back, &truth);
        let dv = back.volume_ml() / truth.volume_ml() - 1.0;
        eprintln!(
            "RT Struct {name}: {:.2} mL, Dice {d:.4}, volume {:+.3} %, {} contours",
            truth.volume_ml(),
            dv * 100.0,
            roi.contours.len()
        );
        if name == "liver" || truth.volume_ml() >= 9.0 {
            assert!(d >= 0.98, "{name}: Dice {d}");
            assert!(dv.abs() <= 0.02, "{name}: volume {dv}");
        }
        // The tracing is exact at the voxel centres.
        assert_eq!(back, truth, "{name}");
    }
}

#[test]
fn uids_are_shared_where_they_must_be_and_unique_elsewhere() {
    let s = scene();
    let mut files: Vec<&PathBuf> = s.ct_files.iter().chain(&s.pet_files).collect();
    files.extend([
        &s.nm_file,
        &s.seg_file,
        &s.rtstruct_file,
        &s.dose32_file,
        &s.dose16_file,
    ]);
    let mut instances = std::collections::HashSet::new();
    for f in &files {
        let o = open_file(f).unwrap();
        let get = |t| {
            o.element(t)
                .unwrap()
                .to_str()
                .unwrap()
                .trim_end_matches('\0')
                .to_string()
        };
        assert_eq!(get(tags::STUDY_INSTANCE_UID), s.study.study_instance_uid);
        assert!(instances.insert(get(tags::SOP_INSTANCE_UID)));
        assert!(write::is_valid_uid(&get(tags::SOP_INSTANCE_UID)));
        if let Ok(e) = o.element(tags::FRAME_OF_REFERENCE_UID) {
            assert_eq!(
                e.to_str().unwrap().trim_end_matches('\0'),
                sirt_phantom::FRAME_OF_REFERENCE_UID
            );
        }
    }
}

#[test]
fn bad_input_is_refused_naming_the_object() {
    let grid = oblique_left_handed();
    let t = CivilDateTime::new(2024, 1, 1, 0, 0, 0.0).unwrap();
    let mut img = ramp(&grid, 1.0);
    img.data_mut()[5] = f32::NAN;
    let e = write_ct_series(&img, &study(), &SeriesInfo::new(9, "bad ct", t)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "CT series 9 \"bad ct\": voxel [5, 0, 0] is NaN: only finite values can be written"
    );
    let neg = ramp(&grid, 1.0).map(|v| v - 2.0);
    let e = write_rt_dose(
        &neg,
        &study(),
        &SeriesInfo::new(1, "", t),
        &RtDoseInfo::without_plan(""),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("RT Dose series 1: voxel [0, 0, 0] is -2 Gy"),
        "{e}"
    );
    let s = scene();
    let small = Mask::filled(grid.clone(), true);
    let e = write_rt_struct(
        &[RoiSpec {
            name: "x".into(),
            mask: &small,
            interpreted_type: "ORGAN".into(),
            color: [1, 2, 3],
        }],
        &s.ct.reference,
        &s.study,
        &SeriesInfo::new(8, "rs", t),
        "L",
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("ROI \"x\": its mask is not on the grid of the referenced series"),
        "{e}"
    );
    let labels = Image::filled(grid, 1u16);
    let e = write_seg(
        &labels,
        &[SegmentSpec::tumour(&[1], "T")],
        &s.ct.reference,
        &s.study,
        &SeriesInfo::new(8, "seg", t),
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("the label map is not on the grid"),
        "{e}"
    );
    let mut bad_study = study();
    bad_study.study_instance_uid = "1.2.03".into();
    let e = write_ct_series(
        &ramp(&oblique_left_handed(), 1.0),
        &bad_study,
        &SeriesInfo::new(1, "", t),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "CT series 1: Study Instance UID \"1.2.03\" is not a valid DICOM UID"
    );
}

// ---------------------------------------------------------------------------------------------
// Peers.

/// A 16-bit copy of a 32-bit RT Dose (dciodvfy aborts on 32-bit pixels): the same object with
/// its values requantised to 16 bits and Dose Grid Scaling adjusted.
fn sixteen_bit_copy(src: &Path, dst: &Path) -> PathBuf {
    use dicom_core::{DataElement, PrimitiveValue, VR};
    let mut o = open_file(src).unwrap();
    let scaling: f64 = o
        .element(tags::DOSE_GRID_SCALING)
        .unwrap()
        .to_str()
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let raw = o
        .element(tags::PIXEL_DATA)
        .unwrap()
        .to_bytes()
        .unwrap()
        .to_vec();
    let values: Vec<u32> = raw
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    let factor = f64::from(max) / 65535.0;
    let bytes: Vec<u8> = values
        .iter()
        .flat_map(|&v| ((f64::from(v) / factor).round() as u16).to_le_bytes())
        .collect();
    o.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OW,
        PrimitiveValue::U8(bytes.into()),
    ));
    for (tag, v) in [
        (tags::BITS_ALLOCATED, 16u16),
        (tags::BITS_STORED, 16),
        (tags::HIGH_BIT, 15),
    ] {
        o.put(DataElement::new(tag, VR::US, PrimitiveValue::from(v)));
    }
    o.put(DataElement::new(
        tags::DOSE_GRID_SCALING,
        VR::DS,
        PrimitiveValue::from(format!("{:.6e}", scaling * factor)),
    ));
    o.write_to_file(dst).unwrap();
    dst.to_path_buf()
}

#[test]
fn dciodvfy_reports_no_errors() {
    if !peer(
        "dciodvfy (dicom3tools)",
        Command::new("sh").args(["-c", "command -v dciodvfy"]),
    ) {
        return;
    }
    let s = scene();
    let copy16 = sixteen_bit_copy(&s.dose32_file, &out_dir().join("phantom/RTDOSE32_as16.dcm"));
    let objects: Vec<(&str, &Path)> = vec![
        ("CT (first slice)", &s.ct_files[0]),
        ("CT (last slice)", s.ct_files.last().unwrap()),
        ("PET (first slice)", &s.pet_files[0]),
        ("NM tomo", &s.nm_file),
        ("SEG", &s.seg_file),
        ("RT Structure Set", &s.rtstruct_file),
        ("RT Dose written 16-bit", &s.dose16_file),
        ("RT Dose 32-bit, 16-bit copy", &copy16),
    ];
    let mut failures = Vec::new();
    for (what, file) in objects {
        let (errors, warnings) = dciodvfy(file);
        eprintln!(
            "dciodvfy {what}: {} errors, {} warnings",
            errors.len(),
            warnings.len()
        );
        for w in &warnings {
            eprintln!("    {w}");
        }
        for e in &errors {
            eprintln!("    {e}");
        }
        if !errors.is_empty() {
            failures.push(format!("{what}: {errors:?}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn pydicom_reads_every_object() {
    if !peer(
        "python3 with pydicom 3 and numpy",
        Command::new("python3").args([
            "-c",
            "import pydicom, numpy; assert int(pydicom.__version__.split('.')[0]) >= 3",
        ]),
    ) {
        return;
    }
    let s = scene();
    let script = r#"
import json, sys, pydicom, numpy as np
out = {}
for name, path in json.loads(sys.argv[1]).items():
    ds = pydicom.dcmread(path)
    r = {"modality": ds.Modality, "sop_class": ds.SOPClassUID}
    if "PixelData" in ds:
        a = ds.pixel_array
        r["shape"] = list(a.shape)
        if ds.Modality in ("CT", "PT"):
            v = a.astype(float) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
            r["sum"] = float(v.sum())
        elif ds.Modality == "RTDOSE":
            r["max"] = float(a.max()) * float(ds.DoseGridScaling)
            r["sum"] = float(a.astype(float).sum()) * float(ds.DoseGridScaling)
        elif ds.Modality == "NM":
            r["sum"] = float(a.astype(float).sum())
            r["ipp"] = [float(x) for x in ds.DetectorInformationSequence[0].ImagePositionPatient]
        elif ds.Modality == "SEG":
            r["set"] = int(a.sum())
            r["segments"] = [str(x.SegmentLabel) for x in ds.SegmentSequence]
    if ds.Modality == "RTSTRUCT":
        r["rois"] = [str(x.ROIName) for x in ds.StructureSetROISequence]
        r["contours"] = sum(len(c.ContourSequence) for c in ds.ROIContourSequence if "ContourSequence" in c)
    out[name] = r
print(json.dumps(out))
"#;
    let files = serde_json::json!({
        "ct": s.ct_files[30],
        "pt": s.pet_files[20],
        "nm": s.nm_file,
        "seg": s.seg_file,
        "rtstruct": s.rtstruct_file,
        "dose32": s.dose32_file,
        "dose16": s.dose16_file,
    });
    let out = Command::new("python3")
        .args(["-c", script, &files.to_string()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let sum_slice = |img: &Image<f32>, k: usize| -> f64 {
        let [nx, ny, _] = img.grid().dims;
        img.data()[k * nx * ny..(k + 1) * nx * ny]
            .iter()
            .map(|&x| f64::from(x))
            .sum()
    };
    let p = &s.phantom;
    let [nx, ny, _] = p.ct.grid().dims;
    assert_eq!(v["ct"]["shape"], serde_json::json!([ny, nx]));
    let ct_sum = sum_slice(&p.ct, 30);
    assert!((v["ct"]["sum"].as_f64().unwrap() - ct_sum).abs() <= 0.5 * (nx * ny) as f64);
    let pt_sum = sum_slice(&p.pet, 20);
    assert!((v["pt"]["sum"].as_f64().unwrap() - pt_sum).abs() <= 1e-3 * pt_sum.abs().max(1.0));
    let [sx, sy, sz] = p.spect.grid().dims;
    assert_eq!(v["nm"]["shape"], serde_json::json!([sz, sy, sx]));
    let counts: f64 = p.spect.data().iter().map(|&c| f64::from(c)).sum();
    assert_eq!(v["nm"]["sum"].as_f64().unwrap(), counts);
    let o = p.spect.grid().origin;
    let ipp = &v["nm"]["ipp"];
    assert!((ipp[0].as_f64().unwrap() - o.x).abs() < 1e-3);
    assert!((ipp[2].as_f64().unwrap() - o.z).abs() < 1e-3);
    let names: Vec<&str> = s.structures.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(v["seg"]["segments"], serde_json::json!(names));
    let set: usize = s
        .structures
        .iter()
        .map(|(_, values)| mask_of(&p.labels, values).count())
        .sum();
    assert_eq!(v["seg"]["set"].as_u64().unwrap() as usize, set);
    assert_eq!(v["rtstruct"]["rois"], serde_json::json!(names));
    assert!(v["rtstruct"]["contours"].as_u64().unwrap() > 0);
    let dmax = s
        .dose
        .data()
        .iter()
        .fold(0.0f64, |m, x| m.max(f64::from(*x)));
    let dsum: f64 = s.dose.data().iter().map(|&x| f64::from(x)).sum();
    for d in ["dose32", "dose16"] {
        assert!((v[d]["max"].as_f64().unwrap() - dmax).abs() <= dmax / 65535.0);
        assert!((v[d]["sum"].as_f64().unwrap() / dsum - 1.0).abs() < 1e-3);
    }
    eprintln!("pydicom read: {v}");
}

#[test]
fn ct_values_beyond_int16_get_a_rescale_slope() {
    let mut grid = oblique_left_handed();
    grid.direction[2] = [0.0, 0.0, 1.0];
    let img = ramp(&grid, 1000.0).map(|v| v - 40_000.0);
    let t = CivilDateTime::new(2024, 5, 6, 7, 8, 9.0).unwrap();
    let ct = write_ct_series(&img, &study(), &SeriesInfo::new(4, "wide", t)).unwrap();
    let dir = out_dir().join("wide");
    let _ = std::fs::remove_dir_all(&dir);
    let files = save_objects(&dir, &ct.objects).unwrap();
    let back = load_image_series(&files).unwrap();
    assert_eq!(back.grid().dims, grid.dims);
    let span = 1000.0 * (grid.len() - 1) as f64;
    let err = max_abs_diff(back.data(), img.data());
    assert!(err <= span / 65534.0 * 0.5 * 1.01, "{err}");
}

/// Who made an RT Structure Set and how: written where PS3.3 puts it (Operators' Name, ROI
/// Generation Algorithm and Description, ROI Interpreter), and refused when it does not fit the
/// VRs (PS3.5 6.2) or does not match the ROIs one for one.
#[test]
fn rt_struct_provenance_is_written_and_checked() {
    let s = scene();
    let t = CivilDateTime::new(2025, 1, 15, 9, 0, 0.0).unwrap();
    let mut liver = Mask::filled(s.ct.reference.grid.clone(), false);
    liver.data_mut()[0] = true;
    let rois = [RoiSpec {
        name: "liver".into(),
        mask: &liver,
        interpreted_type: "ORGAN".into(),
        color: [1, 2, 3],
    }];
    let made = |description: &str, interpreter: &str| RtStructContent {
        operator: Some("Curie^Marie".into()),
        description: Some("structures: liver".into()),
        rois: vec![RoiProvenance {
            algorithm: SegmentAlgorithmType::Semiautomatic,
            description: Some(description.into()),
            interpreter: Some(interpreter.into()),
        }],
    };
    let series = SeriesInfo::new(8, "rs", t);
    let write = |c: &RtStructContent| {
        write_rt_struct_with_content(&rois, &s.ct.reference, &s.study, &series, "L", c)
    };
    let ok = write(&made("region growing on \"ct\"", "Curie^Marie")).unwrap();
    let dir = out_dir().join("rt-provenance");
    let files = save_objects(&dir, std::slice::from_ref(&ok)).unwrap();
    let obj = open_file(&files[0]).unwrap();
    let text = |tag| {
        obj.element(tag)
            .unwrap()
            .to_str()
            .unwrap()
            .trim()
            .to_owned()
    };
    assert_eq!(text(tags::OPERATORS_NAME), "Curie^Marie");
    let roi = &obj
        .element(tags::STRUCTURE_SET_ROI_SEQUENCE)
        .unwrap()
        .items()
        .unwrap()[0];
    let in_roi = |tag| {
        roi.element(tag)
            .unwrap()
            .to_str()
            .unwrap()
            .trim()
            .to_owned()
    };
    assert_eq!(in_roi(tags::ROI_GENERATION_ALGORITHM), "SEMIAUTOMATIC");
    assert_eq!(
        in_roi(tags::ROI_GENERATION_DESCRIPTION),
        "region growing on \"ct\""
    );
    if peers::peer(
        "dciodvfy (dicom3tools)",
        std::process::Command::new("sh").args(["-c", "command -v dciodvfy"]),
    ) {
        let errors = peers::dciodvfy_errors(&files[0]);
        assert!(errors.is_empty(), "dciodvfy: {errors:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
    // 65 bytes (a dash is 3): too long for LO as dciodvfy counts.
    let long = format!("{}–", "x".repeat(62));
    let e = write(&made(&long, "Curie^Marie")).unwrap_err();
    assert!(
        e.to_string()
            .contains("ROI 1: ROI Generation Description of 65 bytes: expected at most 64"),
        "{e}"
    );
    let e = write(&made("ok", "Curie=Marie")).unwrap_err();
    assert!(
        e.to_string()
            .contains("ROI 1: ROI Interpreter \"Curie=Marie\": expected a person name"),
        "{e}"
    );
    let mut two = made("ok", "Curie^Marie");
    two.rois.push(two.rois[0].clone());
    let e = write(&two).unwrap_err();
    assert!(
        e.to_string()
            .contains("2 ROI provenances for 1 ROIs: expected one per ROI"),
        "{e}"
    );
}
