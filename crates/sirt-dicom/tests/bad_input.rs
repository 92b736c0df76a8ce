//! Bad input gives a clear error that names the file(s) and what is wrong; never a panic.
//! Altered files are written at test time into a temporary folder (tests/common).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;

use common::*;
use dicom_core::VR;
use dicom_dictionary_std::tags;
use sirt_dicom::*;

/// Five slices 1 mm apart (z = 0 … 4) from one CT slice.
fn five_slices(dir: &std::path::Path) -> Vec<PathBuf> {
    (0..5)
        .map(|k| ct_slice(dir, &format!("s{k}.dcm"), [-235.2, -226.8, k as f64], k + 1))
        .collect()
}

#[test]
fn a_complete_synthetic_stack_loads() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = five_slices(dir.path());
    files.reverse();
    let image = load_image_series(&files).unwrap();
    assert_eq!(image.grid().dims, [512, 512, 5]);
    assert!((image.grid().spacing_mm[2] - 1.0).abs() < 1e-9);
    assert_eq!(image.grid().origin.z, 0.0);
}

#[test]
fn bad_series_are_refused_with_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let files = five_slices(d);
    let mut report = String::new();
    let mut record = |case: &str, r: Result<sirt_geometry::Image<f32>, DicomError>| {
        let e = r.expect_err(case);
        report.push_str(&format!("{case}:\n  {}\n", redact(&e.to_string(), d)));
        e
    };

    // A missing middle slice (z = 2 of 0 … 4).
    let e = record(
        "missing middle slice",
        load_image_series(&[&files[0], &files[1], &files[3], &files[4]]),
    );
    assert!(matches!(e, DicomError::MissingSlice { missing: 1, .. }));

    // Two missing slices.
    let e = record(
        "two missing slices",
        load_image_series(&[&files[0], &files[3], &files[4]]),
    );
    assert!(
        matches!(
            e,
            DicomError::NonUniformSpacing { .. } | DicomError::MissingSlice { .. }
        ),
        "{e}"
    );

    // A duplicated slice (another file at the same position).
    let dup = ct_slice(d, "s2_copy.dcm", [-235.2, -226.8, 2.0], 99);
    let e = record(
        "duplicate slice",
        load_image_series(&[&files[0], &files[1], &files[2], &dup, &files[3]]),
    );
    assert!(matches!(e, DicomError::DuplicateSlice { .. }));

    // Non-uniform spacing (z = 0, 1, 2, 3, 4.5).
    let odd = ct_slice(d, "s4_5.dcm", [-235.2, -226.8, 4.5], 45);
    let e = record(
        "non-uniform spacing",
        load_image_series(&[&files[0], &files[1], &files[2], &files[3], &odd]),
    );
    assert!(matches!(e, DicomError::NonUniformSpacing { .. }));

    // Gantry tilt: positions move along y with z (20°).
    let tilted: Vec<PathBuf> = (0..4)
        .map(|k| {
            let z = k as f64;
            ct_slice(
                d,
                &format!("tilt{k}.dcm"),
                [-235.2, -226.8 + z * 20f64.to_radians().tan(), z],
                200 + k,
            )
        })
        .collect();
    let e = record("gantry tilt", load_image_series(&tilted));
    assert!(matches!(e, DicomError::GantryTilt { .. }));

    // Mixed series in one folder: dcmqi's CT and pydicom's CT_small.
    let e = record(
        "mixed series",
        load_image_series(&[data("dcmqi/ct-3slice_01.dcm"), data("pydicom/CT_small.dcm")]),
    );
    assert!(matches!(e, DicomError::Inconsistent { .. }));

    // Same series, another frame of reference.
    let other_frame = altered(&files[2], &d.join("frame.dcm"), |o| {
        set(o, tags::FRAME_OF_REFERENCE_UID, VR::UI, "1.2.3.4.5")
    });
    let e = record(
        "another frame of reference",
        load_image_series(&[&files[0], &files[1], &other_frame]),
    );
    assert!(matches!(e, DicomError::Inconsistent { .. }));

    // Same series, another orientation.
    let oblique = altered(&files[2], &d.join("oblique.dcm"), |o| {
        set(
            o,
            tags::IMAGE_ORIENTATION_PATIENT,
            VR::DS,
            "1\\0\\0\\0\\0.8660254\\0.5",
        )
    });
    let e = record(
        "another orientation",
        load_image_series(&[&files[0], &files[1], &oblique]),
    );
    assert!(matches!(e, DicomError::Inconsistent { .. }));

    // A truncated slice: cut in the middle of its pixel data, and in its header.
    let bytes = std::fs::read(&files[2]).unwrap();
    let cut = d.join("truncated_pixels.dcm");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let e = record(
        "truncated in the pixel data",
        load_image_series(&[&files[0], &files[1], &cut]),
    );
    assert!(matches!(e, DicomError::Read { .. }));
    assert!(e.to_string().contains("truncated"));
    let cut_header = d.join("truncated_header.dcm");
    std::fs::write(&cut_header, &bytes[..1000]).unwrap();
    let e = record("truncated in the header", load_image_series(&[&cut_header]));
    assert!(e.to_string().contains("truncated"));

    // Not DICOM, and empty.
    let text = d.join("notes.txt");
    std::fs::write(&text, "a text file, not DICOM\n").unwrap();
    let e = record("not DICOM", load_image_series(&[&text]));
    assert!(matches!(e, DicomError::NotDicom { .. }));
    let empty = d.join("empty.dcm");
    std::fs::write(&empty, b"").unwrap();
    record("empty file", load_image_series(&[&empty]));
    record("no files", load_image_series::<PathBuf>(&[]));
    record("missing file", load_image_series(&[d.join("absent.dcm")]));

    // Objects that are not image slices.
    record(
        "an RT Dose as a slice",
        load_image_series(&[data("dicompyler/rtdose.dcm")]),
    );
    record(
        "an RT Struct as a slice",
        load_image_series(&[data("pydicom/rtstruct.dcm")]),
    );
    // A slice without Image Position (Patient).
    let no_ipp = altered(&files[0], &d.join("no_ipp.dcm"), |o| {
        o.remove_element(tags::IMAGE_POSITION_PATIENT);
    });
    record("no Image Position (Patient)", load_image_series(&[&no_ipp]));

    insta::assert_snapshot!("bad_series", report);
}

#[test]
fn bad_dose_and_struct_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut report = String::new();
    let mut record = |case: &str, msg: String| {
        report.push_str(&format!("{case}:\n  {}\n", redact(&msg, d)));
    };
    let src = data("pydicom/rtdose.dcm");
    let no_scaling = altered(&src, &d.join("no_scaling.dcm"), |o| {
        o.remove_element(tags::DOSE_GRID_SCALING);
    });
    record(
        "no Dose Grid Scaling",
        load_rt_dose(&no_scaling).unwrap_err().to_string(),
    );
    let uneven = altered(&src, &d.join("uneven.dcm"), |o| {
        let offsets: Vec<String> = (0..15)
            .map(|k| if k < 14 { 5 * k } else { 80 }.to_string())
            .collect();
        set(
            o,
            tags::GRID_FRAME_OFFSET_VECTOR,
            VR::DS,
            &offsets.join("\\"),
        )
    });
    record(
        "non-uniform frame offsets",
        load_rt_dose(&uneven).unwrap_err().to_string(),
    );
    let short = altered(&src, &d.join("short.dcm"), |o| {
        set(o, tags::GRID_FRAME_OFFSET_VECTOR, VR::DS, "0\\5\\10")
    });
    record(
        "offsets for 3 of 15 frames",
        load_rt_dose(&short).unwrap_err().to_string(),
    );
    let bad_abs = altered(&src, &d.join("bad_absolute.dcm"), |o| {
        let offsets: Vec<String> = (0..15).map(|k| (100 + 5 * k).to_string()).collect();
        set(
            o,
            tags::GRID_FRAME_OFFSET_VECTOR,
            VR::DS,
            &offsets.join("\\"),
        )
    });
    record(
        "first offset neither 0 nor IPP z",
        load_rt_dose(&bad_abs).unwrap_err().to_string(),
    );
    record(
        "a CT as an RT Dose",
        load_rt_dose(data("pydicom/CT_small.dcm"))
            .unwrap_err()
            .to_string(),
    );
    record(
        "a CT as an RT Struct",
        read_rt_struct(data("pydicom/CT_small.dcm"))
            .unwrap_err()
            .to_string(),
    );
    let bytes = std::fs::read(data("dicompyler/rtss.dcm")).unwrap();
    let cut = d.join("rtss_truncated.dcm");
    std::fs::write(&cut, &bytes[..bytes.len() / 3]).unwrap();
    record(
        "truncated RT Struct",
        read_rt_struct(&cut).unwrap_err().to_string(),
    );
    let bytes = std::fs::read(data("pydicom/rtstruct.dcm")).unwrap();
    let cut = d.join("bare_rtstruct_truncated.dcm");
    std::fs::write(&cut, &bytes[..2000]).unwrap();
    record(
        "truncated RT Struct without file meta",
        read_rt_struct(&cut).unwrap_err().to_string(),
    );
    insta::assert_snapshot!("bad_dose_and_struct", report);
}

#[test]
fn dose_offsets_absolute_and_decreasing_give_the_same_grid() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let src = data("pydicom/rtdose.dcm");
    let reference = load_rt_dose(&src).unwrap();
    // Absolute z coordinates (type b): first value = IPP z = −761.87.
    let abs = altered(&src, &d.join("absolute.dcm"), |o| {
        let offsets: Vec<String> = (0..15)
            .map(|k| format!("{}", -761.87 + 5.0 * k as f64))
            .collect();
        set(
            o,
            tags::GRID_FRAME_OFFSET_VECTOR,
            VR::DS,
            &offsets.join("\\"),
        )
    });
    let a = load_rt_dose(&abs).unwrap();
    assert!(a.image.grid().same_as(reference.image.grid()));
    assert_eq!(a.image.data(), reference.image.data());

    // Decreasing relative offsets: frames are put back in order of increasing position, so the
    // grid starts at the last frame and k runs along +n.
    let dec = altered(&src, &d.join("decreasing.dcm"), |o| {
        let offsets: Vec<String> = (0..15).map(|k| format!("{}", -5.0 * k as f64)).collect();
        set(
            o,
            tags::GRID_FRAME_OFFSET_VECTOR,
            VR::DS,
            &offsets.join("\\"),
        )
    });
    let b = load_rt_dose(&dec).unwrap();
    let g = b.image.grid();
    assert!((g.origin.z - (-761.87 - 70.0)).abs() < 1e-9);
    assert_eq!(g.direction[2], [0.0, 0.0, 1.0]);
    for k in 0..15 {
        for (i, j) in [(0, 0), (7, 0), (5, 5), (9, 9)] {
            assert_eq!(b.image.get(i, j, k), reference.image.get(i, j, 14 - k));
        }
    }
}

#[test]
fn sixteen_bit_dose_reads_like_thirty_two_bit() {
    let dir = tempfile::tempdir().unwrap();
    let src = data("pydicom/rtdose.dcm");
    let reference = load_rt_dose(&src).unwrap();
    // Re-encode the 32-bit pixels as 16-bit values / 100 with 100 × the scaling.
    let dst = altered(&src, &dir.path().join("dose16.dcm"), |o| {
        let px = o.element(tags::PIXEL_DATA).unwrap().to_bytes().unwrap();
        let words: Vec<u16> = px
            .chunks_exact(4)
            .map(|c| (u32::from_le_bytes([c[0], c[1], c[2], c[3]]) / 100) as u16)
            .collect();
        o.put(dicom_core::DataElement::new(
            tags::PIXEL_DATA,
            VR::OW,
            dicom_core::PrimitiveValue::U16(words.into()),
        ));
        o.put(dicom_core::DataElement::new(
            tags::BITS_ALLOCATED,
            VR::US,
            dicom_core::PrimitiveValue::from(16u16),
        ));
        o.put(dicom_core::DataElement::new(
            tags::BITS_STORED,
            VR::US,
            dicom_core::PrimitiveValue::from(16u16),
        ));
        o.put(dicom_core::DataElement::new(
            tags::HIGH_BIT,
            VR::US,
            dicom_core::PrimitiveValue::from(15u16),
        ));
        set(o, tags::DOSE_GRID_SCALING, VR::DS, "0.0001");
    });
    let d16 = load_rt_dose(&dst).unwrap();
    assert!(d16.image.grid().same_as(reference.image.grid()));
    for (a, b) in d16.image.data().iter().zip(reference.image.data()) {
        assert!((a - b).abs() <= 1e-4 + 1e-6, "{a} vs {b}");
    }
}

#[test]
fn a_header_claiming_gigabytes_is_refused_at_once() {
    // dicom-rs would allocate and zero-fill a stated length before reading it; the length check
    // (src/guard.rs) refuses the file first.
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(data("pydicom/CT_small.dcm")).unwrap();
    let header = [0xE0, 0x7F, 0x10, 0x00, b'O', b'W', 0, 0];
    let at = bytes
        .windows(8)
        .position(|w| w == header)
        .expect("Pixel Data header");
    bytes[at + 8..at + 12].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    let bad = dir.path().join("huge.dcm");
    std::fs::write(&bad, &bytes).unwrap();
    let t = std::time::Instant::now();
    let e = load_image_series(&[&bad]).unwrap_err();
    let report = scan(dir.path());
    assert!(t.elapsed().as_secs_f64() < 1.0, "{:?}", t.elapsed());
    assert!(
        e.to_string()
            .contains("element (7FE0,0010) at byte 6300 claims 4294967280 bytes"),
        "{e}"
    );
    assert_eq!(report.skipped.len(), 1);
}

/// A reproducer kept by fuzzing (fuzz/regressions/<target>/).
fn fuzz_regression(target: &str, name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/regressions")
        .join(target)
        .join(name)
}

#[test]
fn the_length_check_follows_dicom_rs_where_fuzzing_led_them_apart() {
    // Each file made dicom-rs allocate gigabytes because the length check (src/guard.rs) had
    // walked other bytes than dicom-rs reads:
    // - a UL of stated length 6 is read as one value (4 bytes): the next header starts on the
    //   2 bytes left (crafted file, and the fuzzed RT Struct where (0000,0000) had length 10);
    // - dicom-rs counts the stated length, not the bytes read, when it finds where a
    //   defined-length item ends (fuzzed RT Struct);
    // - dicom-rs accepts any VR for the File Meta Information Group Length when its length is
    //   4 (fuzzed NM file with `US`).
    let cases = [
        (
            "dicom_rtstruct_seg",
            "odd-length-ul-desync.dcm",
            "element (0009,0010) at byte 38 claims 268435456 bytes",
        ),
        (
            "dicom_rtstruct_seg",
            "oom-cc7b299248b9701b2756cadd9981b3e8f07b9f2a",
            "claims 4294901824 bytes",
        ),
        (
            "dicom_rtstruct_seg",
            "oom-806968d282275dbe952aed7876db57b316d9c899",
            "element (0031,FFFE) at byte 1142 claims 4294836224 bytes",
        ),
        (
            "dicom_nm_pet",
            "oom-3e3b5813239cb595893cc8aee1d09f41fc75bcbc",
            "element (4C55,0004) at byte 454 claims 2438397984 bytes",
        ),
    ];
    for (target, name, claim) in cases {
        let f = fuzz_regression(target, name);
        let t = std::time::Instant::now();
        let e = read_rt_struct(&f).unwrap_err();
        assert!(e.to_string().contains(claim), "{name}: {e}");
        assert!(read_seg(&f).is_err());
        assert!(load_image_series(&[&f]).is_err());
        assert!(load_nm_tomo(&f).is_err());
        assert!(load_pet_series_any_units(&[&f]).is_err());
        assert!(t.elapsed().as_secs_f64() < 1.0, "{name}: {:?}", t.elapsed());
    }
}

/// CT_small.dcm (explicit VR little endian) rewritten as Deflated Explicit VR Little Endian,
/// with `edit` applied to the data set bytes before they are deflated.
fn deflated_ct(dst: &std::path::Path, edit: impl FnOnce(&mut Vec<u8>)) {
    use std::io::Write;
    let bytes = std::fs::read(data("pydicom/CT_small.dcm")).unwrap();
    let group_length = u32::from_le_bytes(bytes[140..144].try_into().unwrap()) as usize;
    let dataset_at = 144 + group_length;
    // Meta elements after the group length, the Transfer Syntax UID replaced.
    let mut meta = Vec::new();
    let mut at = 144;
    while at < dataset_at {
        let tag = (
            u16::from_le_bytes([bytes[at], bytes[at + 1]]),
            u16::from_le_bytes([bytes[at + 2], bytes[at + 3]]),
        );
        let vr = &bytes[at + 4..at + 6];
        let (head, len) = if vr == b"OB" || vr == b"UN" {
            (
                12,
                u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap()) as usize,
            )
        } else {
            (
                8,
                u16::from_le_bytes([bytes[at + 6], bytes[at + 7]]) as usize,
            )
        };
        if tag == (0x0002, 0x0010) {
            let ts = b"1.2.840.10008.1.2.1.99";
            meta.extend_from_slice(&[0x02, 0x00, 0x10, 0x00, b'U', b'I']);
            meta.extend_from_slice(&(ts.len() as u16).to_le_bytes());
            meta.extend_from_slice(ts);
        } else {
            meta.extend_from_slice(&bytes[at..at + head + len]);
        }
        at += head + len;
    }
    let mut dataset = bytes[dataset_at..].to_vec();
    edit(&mut dataset);
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&dataset).unwrap();
    let deflated = z.finish().unwrap();
    let mut out = bytes[..132].to_vec();
    out.extend_from_slice(&[0x02, 0x00, 0x00, 0x00, b'U', b'L', 4, 0]);
    out.extend_from_slice(&(meta.len() as u32).to_le_bytes());
    out.extend_from_slice(&meta);
    out.extend_from_slice(&deflated);
    std::fs::write(dst, out).unwrap();
}

#[test]
fn deflated_data_sets_are_read_and_their_lengths_checked_after_inflation() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("deflated.dcm");
    deflated_ct(&good, |_| {});
    let plain = load_image_series(&[data("pydicom/CT_small.dcm")]).unwrap();
    let inflated = load_image_series(&[&good]).unwrap();
    assert_eq!(plain, inflated);
    // A Pixel Data header claiming 4 GB inside the compressed stream.
    let bad = dir.path().join("deflated_huge.dcm");
    deflated_ct(&bad, |d| {
        let header = [0xE0, 0x7F, 0x10, 0x00, b'O', b'W', 0, 0];
        let at = d.windows(8).position(|w| w == header).unwrap();
        d[at + 8..at + 12].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    });
    let t = std::time::Instant::now();
    let e = load_image_series(&[&bad]).unwrap_err();
    assert!(t.elapsed().as_secs_f64() < 1.0, "{:?}", t.elapsed());
    assert!(e.to_string().contains("element (7FE0,0010)"), "{e}");
    assert!(e.to_string().contains("claims 4294967280 bytes"), "{e}");
}
