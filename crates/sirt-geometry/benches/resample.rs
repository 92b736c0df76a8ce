//! Resampling a 512 × 512 × 300 CT-sized image onto a 4 mm SPECT grid through a rigid transform
//! (issue 3 goal: under 200 ms).

#![allow(clippy::expect_used, missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use sirt_geometry::*;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let ct_frame = FrameOfReference("ct".into());
    let spect_frame = FrameOfReference("spect".into());
    let ct_grid = Grid::axis_aligned(
        [512, 512, 300],
        [0.78, 0.78, 1.25],
        PointLps::new(-200.0, -200.0, -180.0),
        ct_frame.clone(),
    )
    .expect("ct grid");
    let data: Vec<f32> = (0..ct_grid.len()).map(|n| (n % 1000) as f32).collect();
    let ct = Image::new(ct_grid, data).expect("ct");
    let spect = Grid::axis_aligned(
        [100, 100, 94],
        [4.0, 4.0, 4.0],
        PointLps::new(-198.0, -198.0, -178.0),
        spect_frame.clone(),
    )
    .expect("spect grid");
    let ct_from_spect = Rigid::translation(ct_frame, spect_frame, [1.5, -2.0, 3.0]);
    let mask = ct.map(|v| v > 500.0);
    c.bench_function("resample_linear_ct_512x512x300_to_spect_4mm", |b| {
        b.iter(|| {
            resample_linear(black_box(&ct), &spect, &ct_from_spect, -1000.0).expect("resample")
        })
    });
    c.bench_function("resample_mask_fractional_s3_ct_to_spect_4mm", |b| {
        b.iter(|| {
            resample_mask_fractional(black_box(&mask), &spect, &ct_from_spect, 3).expect("resample")
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
