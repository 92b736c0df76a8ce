//! DICOM SEG → masks: dcmqi's liver.dcm (BINARY, 3 frames) on its CT grid, and a FRACTIONAL
//! version of it made at test time.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use sirt_dicom::*;

fn ct() -> ImageSeries {
    read_image_series(&[1, 2, 3].map(|i| data(&format!("dcmqi/ct-3slice_0{i}.dcm")))).unwrap()
}

fn per_slice(m: &sirt_geometry::Mask) -> Vec<usize> {
    m.data()
        .chunks(512 * 512)
        .map(|s| s.iter().filter(|&&b| b).count())
        .collect()
}

#[test]
fn binary_liver_seg_on_its_ct_grid() {
    let ct = ct();
    let seg = read_seg(data("dcmqi_seg/liver.dcm")).unwrap();
    assert_eq!(seg.segmentation_type, SegmentationType::Binary);
    assert_eq!(seg.segments.len(), 1);
    assert_eq!(seg.segments[0].label, "Liver");
    assert_eq!(seg.frames_of(1), 3);
    assert_eq!(
        seg.referenced_series_uid.as_deref(),
        Some(ct.series_instance_uid.as_str())
    );
    let mask = seg.mask(1, ct.image.grid()).unwrap();
    // 107 098 liver voxels (dcmqi's data README; pydicom's pixel_array gives 36 233, 35 645,
    // 35 220 for frames at z = −128.69, −127.69, −126.69 mm, the CT slices k = 0, 1, 2).
    assert_eq!(mask.count(), 107_098);
    assert_eq!(per_slice(&mask), [36_233, 35_645, 35_220]);
    let voxel_ml = 0.810547 * 0.810547 * 1.0 / 1000.0;
    assert!((mask.volume_ml() - 107_098.0 * voxel_ml).abs() < 1e-6);
    let frac = seg.fractional_mask(1, ct.image.grid()).unwrap();
    assert!((frac.fractional_volume_ml() - mask.volume_ml()).abs() < 1e-9);
    // The liver is soft tissue: its mean CT number is between 0 and 200 HU.
    let (sum, n) = ct
        .image
        .data()
        .iter()
        .zip(mask.data())
        .filter(|(_, m)| **m)
        .fold((0.0f64, 0usize), |(s, n), (v, _)| {
            (s + f64::from(*v), n + 1)
        });
    let mean = sum / n as f64;
    assert!((0.0..200.0).contains(&mean), "liver mean {mean} HU");
}

#[test]
fn fractional_seg_gives_fractions() {
    let dir = tempfile::tempdir().unwrap();
    // Unpack the 1-bit frames to 8 bits: in = 255, and every voxel of the first row of each
    // liver run set to 128 (fraction 128/255 ≈ 0.502).
    let dst = altered(
        &data("dcmqi_seg/liver.dcm"),
        &dir.path().join("fractional.dcm"),
        |o| {
            let bits = o.element(tags::PIXEL_DATA).unwrap().to_bytes().unwrap();
            let n = 3 * 512 * 512;
            let mut bytes: Vec<u8> = (0..n)
                .map(|p| {
                    if (bits[p / 8] >> (p % 8)) & 1 == 1 {
                        255
                    } else {
                        0
                    }
                })
                .collect();
            for p in 1..n {
                if bytes[p] == 255 && bytes[p - 1] == 0 {
                    bytes[p] = 128;
                }
            }
            o.put(DataElement::new(
                tags::PIXEL_DATA,
                VR::OB,
                PrimitiveValue::U8(bytes.into()),
            ));
            for (tag, v) in [
                (tags::BITS_ALLOCATED, 8u16),
                (tags::BITS_STORED, 8),
                (tags::HIGH_BIT, 7),
            ] {
                o.put(DataElement::new(tag, VR::US, PrimitiveValue::from(v)));
            }
            o.put_str(tags::SEGMENTATION_TYPE, VR::CS, "FRACTIONAL");
            o.put_str(tags::SEGMENTATION_FRACTIONAL_TYPE, VR::CS, "OCCUPANCY");
            o.put(DataElement::new(
                tags::MAXIMUM_FRACTIONAL_VALUE,
                VR::US,
                PrimitiveValue::from(255u16),
            ));
        },
    );
    let ct = ct();
    let seg = read_seg(&dst).unwrap();
    assert_eq!(
        seg.segmentation_type,
        SegmentationType::Fractional {
            max: 255,
            kind: "OCCUPANCY".into()
        }
    );
    let frac = seg.fractional_mask(1, ct.image.grid()).unwrap();
    let full = frac.data().iter().filter(|&&f| f == 1.0).count();
    let half = frac
        .data()
        .iter()
        .filter(|&&f| (f - 128.0 / 255.0).abs() < 1e-6)
        .count();
    assert_eq!(full + half, 107_098);
    assert!(half > 100);
    let voxel_ml = ct.image.grid().voxel_volume_mm3() / 1000.0;
    let expected = (full as f64 + half as f64 * 128.0 / 255.0) * voxel_ml;
    assert!((frac.fractional_volume_ml() - expected).abs() < 1e-6);
    // Thresholded at 0.5: every voxel with a fraction (128/255 > 0.5).
    assert_eq!(seg.mask(1, ct.image.grid()).unwrap().count(), 107_098);
}

#[test]
fn seg_on_a_foreign_grid_is_refused() {
    let ct = ct();
    let seg = read_seg(data("dcmqi_seg/liver.dcm")).unwrap();
    let mut shifted = ct.image.grid().clone();
    shifted.origin.x += 0.3;
    let e1 = seg.mask(1, &shifted).unwrap_err();
    let mut coarse = ct.image.grid().clone();
    coarse.spacing_mm[0] *= 2.0;
    let e2 = seg.mask(1, &coarse).unwrap_err();
    let mut other = ct.image.grid().clone();
    other.frame = sirt_geometry::FrameOfReference("1.2.3".into());
    let e3 = seg.mask(1, &other).unwrap_err();
    let e4 = seg.mask(7, ct.image.grid()).unwrap_err();
    let e5 = read_seg(data("pydicom/CT_small.dcm")).unwrap_err();
    let text = [e1, e2, e3, e4, e5]
        .iter()
        .map(|e| redact(&e.to_string(), std::path::Path::new("/nonexistent")))
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!(text);
}
