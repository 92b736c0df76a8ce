//! Resampling against SimpleITK 2.5.7 (ITK 5.4) on the same oblique image, grid and transform
//! (tests/data/make_sitk_reference.py wrote tests/data/sitk_resample_reference.json).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use sirt_geometry::*;

fn arr3(v: &Value) -> [f64; 3] {
    [
        v[0].as_f64().unwrap(),
        v[1].as_f64().unwrap(),
        v[2].as_f64().unwrap(),
    ]
}

fn dims(v: &Value) -> [usize; 3] {
    [0, 1, 2].map(|c| v[c].as_u64().unwrap() as usize)
}

#[test]
fn linear_and_nearest_match_simpleitk() {
    let r: Value = serde_json::from_str(include_str!("data/sitk_resample_reference.json")).unwrap();
    let (ct, spect) = (
        FrameOfReference("source".into()),
        FrameOfReference("target".into()),
    );
    let s = &r["source"];
    let dir = [0, 1, 2].map(|c| arr3(&s["direction_columns"][c]));
    let o = arr3(&s["origin"]);
    let src_grid = Grid::new(
        dims(&s["dims"]),
        arr3(&s["spacing"]),
        PointLps::new(o[0], o[1], o[2]),
        dir,
        ct.clone(),
    )
    .unwrap();
    let values: Vec<f32> = s["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect();
    let src = Image::new(src_grid, values).unwrap();
    let t = &r["target"];
    let to = arr3(&t["origin"]);
    let tgt = Grid::axis_aligned(
        dims(&t["dims"]),
        arr3(&t["spacing"]),
        PointLps::new(to[0], to[1], to[2]),
        spect.clone(),
    )
    .unwrap();
    let x = &r["target_to_source"];
    let rot = [0, 1, 2].map(|c| arr3(&x["rotation_rows"][c]));
    let source_from_target = Rigid::new(ct, spect, rot, arr3(&x["translation"])).unwrap();

    let linear = resample_linear(&src, &tgt, &source_from_target, -1.0).unwrap();
    let nearest = resample_nearest(&src, &tgt, &source_from_target, -1.0).unwrap();
    let mut inside = 0;
    for (n, (ours, itk)) in linear
        .data()
        .iter()
        .zip(r["linear"].as_array().unwrap())
        .enumerate()
    {
        let itk = itk.as_f64().unwrap();
        assert!(
            (f64::from(*ours) - itk).abs() < 1e-4,
            "linear voxel {n}: ours {ours}, ITK {itk}"
        );
        if itk != -1.0 {
            inside += 1;
        }
    }
    for (n, (ours, itk)) in nearest
        .data()
        .iter()
        .zip(r["nearest"].as_array().unwrap())
        .enumerate()
    {
        let itk = itk.as_f64().unwrap();
        assert!(
            (f64::from(*ours) - itk).abs() < 1e-5,
            "nearest voxel {n}: ours {ours}, ITK {itk}"
        );
    }
    assert!(inside > 200, "too few voxels inside the source: {inside}");
}
