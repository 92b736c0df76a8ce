//! The digital phantom as DICOM: one study (new UIDs each run, the phantom's Frame of Reference
//! UID for every image) with the CT, the MAA SPECT (NM tomo), the Y-90 PET, a SEG of the label
//! map, a SEG of the lobar territories (right lobe V–VIII, left lobe II–IV) and an RT Structure
//! Set with the organs, tumours and the two lobes, all referencing the CT.
//!
//! Dates (synthetic, UTC): CT and MAA SPECT on 2025-01-15 (MAA injected at 09:00, SPECT at
//! 10:00, its total dose the phantom's MAA activity at acquisition decayed back 1 h); Y-90
//! administered 2025-01-29 10:00, PET `pet_delay_h` later, values decay corrected to its start.
//!
//! `sirtplan phantom` and `sirtplan demo` write these files beside the phantom's NIfTI images;
//! the tests of this crate plan the demo case on them.

use sirt_dicom::write::{
    CivilDateTime, Code, DecayCorrection, EnergyWindow, NmInfo, PetInfo, Radiopharmaceutical,
    RoiSpec, SegmentSpec, SeriesInfo, StudyInfo, WriteError, write_ct_series, write_nm_tomo,
    write_pet_series, write_rt_struct, write_seg,
};
use sirt_geometry::Mask;
use sirt_phantom::{Phantom, labels};

/// Files (path relative to the output folder, bytes) of the phantom's DICOM objects, under
/// `dicom/`: `ct/`, `spect/`, `pet/`, `seg.dcm`, `territories-seg.dcm`, `rtstruct.dcm`.
pub fn files(p: &Phantom) -> Result<Vec<(String, Vec<u8>)>, WriteError> {
    let acq = &p.truth.acquisition;
    let day0 = CivilDateTime::new(2025, 1, 15, 9, 0, 0.0)?;
    let mut study = StudyInfo::new(
        "Phantom^SIRT",
        &format!("SIRT-PHANTOM-{}", p.truth.seed),
        day0,
    );
    study.utc_offset_minutes = Some(0);
    study.description = Some("sirtplan digital SIRT phantom (synthetic)".into());
    let mut out = Vec::new();

    let ct = write_ct_series(&p.ct, &study, &SeriesInfo::new(1, "CT (phantom)", day0))?;
    for o in &ct.objects {
        out.push((format!("dicom/ct/{}", o.file_name), o.bytes.clone()));
    }

    let maa_admin = day0;
    let spect_start = day0.plus_seconds(3600.0);
    let tc = sirt_dicom::write::Radionuclide::tc99m();
    let maa_bq = acq.maa_mbq * 1e6 * (std::f64::consts::LN_2 * 3600.0 / tc.half_life_s).exp();
    let nm = write_nm_tomo(
        &p.spect,
        &study,
        &SeriesInfo::new(2, "Tc-99m MAA SPECT (phantom)", spect_start),
        &NmInfo {
            radiopharmaceutical: Radiopharmaceutical::tc99m_maa(maa_admin, maa_bq),
            energy_window: EnergyWindow::tc99m_photopeak(),
            acquisition_duration_s: acq.spect_duration_s,
            projections: 120,
        },
    )?;
    out.push((format!("dicom/spect/{}", nm.file_name), nm.bytes));

    let y90_admin = CivilDateTime::new(2025, 1, 29, 10, 0, 0.0)?;
    let pet_start = y90_admin.plus_seconds(acq.pet_delay_h * 3600.0);
    let pet = write_pet_series(
        &p.pet,
        &study,
        &SeriesInfo::new(3, "Y-90 PET (phantom)", pet_start),
        &PetInfo {
            radiopharmaceutical: Radiopharmaceutical::y90_microspheres(
                y90_admin,
                acq.y90_gbq * 1e9,
            ),
            frame_duration_s: acq.pet_duration_s,
            decay_correction: DecayCorrection::Start,
        },
    )?;
    for o in &pet.objects {
        out.push((format!("dicom/pet/{}", o.file_name), o.bytes.clone()));
    }

    let seg = write_seg(
        &p.labels,
        &segments(p),
        &ct.reference,
        &study,
        &SeriesInfo::new(4, "Label map (SEG)", day0),
    )?;
    out.push(("dicom/seg.dcm".into(), seg.bytes));

    let lobes = p.lobar_territories();
    let territory_seg = write_seg(
        &lobes,
        &territory_segments(),
        &ct.reference,
        &study,
        &SeriesInfo::new(6, "Lobar territories (SEG)", day0),
    )?;
    out.push(("dicom/territories-seg.dcm".into(), territory_seg.bytes));

    let rois = structures(p);
    let mut masks: Vec<Mask> = rois
        .iter()
        .map(|(_, values, _, _)| p.labels.map(|v| values.contains(&v)))
        .collect();
    let lobe_rois = lobe_structures();
    masks.extend(
        lobe_rois
            .iter()
            .map(|(_, value, _, _)| lobes.map(|v| v == *value)),
    );
    let specs: Vec<RoiSpec<'_>> = rois
        .iter()
        .map(|(name, _, kind, color)| (name.clone(), *kind, *color))
        .chain(
            lobe_rois
                .iter()
                .map(|(name, _, kind, color)| ((*name).to_owned(), *kind, *color)),
        )
        .zip(&masks)
        .map(|((name, kind, color), mask)| RoiSpec {
            name,
            mask,
            interpreted_type: kind.into(),
            color,
        })
        .collect();
    let rs = write_rt_struct(
        &specs,
        &ct.reference,
        &study,
        &SeriesInfo::new(5, "Structures (RTSTRUCT)", day0),
        "PHANTOM",
    )?;
    out.push(("dicom/rtstruct.dcm".into(), rs.bytes));
    Ok(out)
}

/// ROIs of the structure set: name, label values, RT ROI Interpreted Type, colour.
fn structures(p: &Phantom) -> Vec<(String, Vec<u16>, &'static str, [u8; 3])> {
    let n = p.truth.anatomy.tumours.len() as u16;
    let mut liver = vec![labels::LIVER];
    liver.extend((0..n).map(|t| labels::TUMOUR_BASE + t));
    liver.extend((0..n).map(|t| labels::NECROSIS_BASE + t));
    let mut rois = vec![
        ("liver".to_string(), liver, "ORGAN", [160, 82, 45]),
        (
            "lungs".to_string(),
            vec![labels::LUNG],
            "ORGAN",
            [120, 180, 255],
        ),
        (
            "stomach".to_string(),
            vec![labels::STOMACH],
            "ORGAN",
            [255, 200, 120],
        ),
    ];
    for (t, spec) in p.truth.anatomy.tumours.iter().enumerate() {
        let t = t as u16;
        rois.push((
            spec.id.clone(),
            vec![labels::TUMOUR_BASE + t, labels::NECROSIS_BASE + t],
            "GTV",
            [230, 40, 40],
        ));
    }
    rois
}

/// The lobar territories as ROIs: name, territory label value, RT ROI Interpreted Type
/// (TREATED_VOLUME, PS3.3 C.8.8.8.1: the perfused territory of an injection is what it
/// treats), colour.
fn lobe_structures() -> [(&'static str, u16, &'static str, [u8; 3]); 2] {
    use sirt_phantom::territories::{LEFT_LOBE, LEFT_LOBE_NAME, RIGHT_LOBE, RIGHT_LOBE_NAME};
    [
        (
            RIGHT_LOBE_NAME,
            RIGHT_LOBE,
            "TREATED_VOLUME",
            [80, 200, 120],
        ),
        (LEFT_LOBE_NAME, LEFT_LOBE, "TREATED_VOLUME", [200, 120, 220]),
    ]
}

/// The lobar territories' SEG segments (the liver's SNOMED CT code, each named by its lobe).
fn territory_segments() -> Vec<SegmentSpec> {
    lobe_structures()
        .into_iter()
        .map(|(name, value, _, color)| {
            let mut s = SegmentSpec::organ(&[value], name, Code::new("10200004", "SCT", "Liver"));
            s.description = Some(format!(
                "lobar territory, Couinaud segments {}",
                if value == sirt_phantom::territories::RIGHT_LOBE {
                    "V–VIII"
                } else {
                    "II–IV"
                }
            ));
            s.algorithm = Some("sirtplan phantom (Couinaud segments by planes)".into());
            s.color = Some(color);
            s
        })
        .collect()
}

/// A display colour per label value.
fn color(v: u16) -> [u8; 3] {
    match v {
        labels::BODY => [241, 214, 145],
        labels::BONE => [241, 241, 241],
        labels::LUNG => [120, 180, 255],
        labels::STOMACH => [255, 200, 120],
        labels::LIVER => [160, 82, 45],
        v if v >= labels::NECROSIS_BASE => [90, 60, 60],
        _ => [230, 40, 40],
    }
}

/// One segment per label value present in the label map (as `labels.nii.gz`).
fn segments(p: &Phantom) -> Vec<SegmentSpec> {
    let mut present: Vec<u16> = p.labels.data().to_vec();
    present.sort_unstable();
    present.dedup();
    let tumour_id = |n: u16| {
        p.truth
            .anatomy
            .tumours
            .get(usize::from(n))
            .map(|t| t.id.clone())
            .unwrap_or_else(|| format!("T{}", n + 1))
    };
    present
        .into_iter()
        .filter(|&v| v != labels::AIR)
        .map(|v| {
            let mut s = match v {
                labels::BODY => {
                    SegmentSpec::organ(&[v], "body", Code::new("38266002", "SCT", "Entire body"))
                }
                labels::BONE => SegmentSpec::organ(
                    &[v],
                    "spine",
                    Code::new("421060004", "SCT", "Vertebral column"),
                ),
                labels::LUNG => {
                    SegmentSpec::organ(&[v], "lungs", Code::new("39607008", "SCT", "Lung"))
                }
                labels::STOMACH => {
                    SegmentSpec::organ(&[v], "stomach", Code::new("69695003", "SCT", "Stomach"))
                }
                labels::LIVER => {
                    SegmentSpec::organ(&[v], "normal liver", Code::new("10200004", "SCT", "Liver"))
                }
                v if v >= labels::NECROSIS_BASE => {
                    let mut s = SegmentSpec::tumour(
                        &[v],
                        &format!("{} necrosis", tumour_id(v - labels::NECROSIS_BASE)),
                    );
                    s.property_type = Code::new("6574001", "SCT", "Necrosis");
                    s
                }
                v if v >= labels::TUMOUR_BASE => {
                    SegmentSpec::tumour(&[v], &tumour_id(v - labels::TUMOUR_BASE))
                }
                v => SegmentSpec::organ(
                    &[v],
                    &format!("label {v}"),
                    Code::new("85756007", "SCT", "Tissue"),
                ),
            };
            s.description = Some(format!("label value {v}"));
            s.algorithm = Some("sirtplan phantom (analytic shapes)".into());
            s.color = Some(color(v));
            s
        })
        .collect()
}
