//! Rasterising every ROI of the sample RT Structure Set (dicompyler-core 0.5.6 example,
//! `tests/data/dicompyler/rtss.dcm`: 10 ROIs, 441 contours, 88 158 points) — issue 3: faster
//! than plastimatch, same volumes. `benches/run_imaging_benches.sh` times
//! `plastimatch convert` on the same inputs and grids.
//!
//! Grids:
//! - the RT Dose grid of the example (194 × 129 × 98, 2.5 × 2.5 × 3 mm), on which the recorded
//!   plastimatch / dicompyler-core volumes were computed (`tests/peer.rs`);
//! - the referenced CT grid: 512 × 512 × 98 voxels of 1.074219 × 1.074219 × 3 mm, first voxel
//!   at (−275, −524, −122.4407) mm. The example ships one of the 98 CT images the structure
//!   set's Contour Image Sequence references (`ct.0.dcm`, the last one: Image Position
//!   (−275, −524, 168.5593), Pixel Spacing 1.074219, Slice Thickness 3, identity orientation);
//!   the grid is that image's plane repeated every 3 mm down to the first contour plane
//!   (z = −122.44 mm).
//!
//! Run: `cargo bench -p sirt-dicom --bench rasterize`.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::print_stderr,
    missing_docs
)]

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use sirt_dicom::{RtStruct, load_rt_dose, rasterize, read_rt_struct};
use sirt_geometry::{FrameOfReference, Grid, Mask, PointLps};
use std::hint::black_box;

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

/// The referenced CT grid (see the module documentation).
fn ct_grid(frame: FrameOfReference) -> Grid {
    Grid::axis_aligned(
        [512, 512, 98],
        [1.074219, 1.074219, 3.0],
        PointLps::new(-275.0, -524.0, 168.5593 - 97.0 * 3.0),
        frame,
    )
    .expect("grid")
}

fn all(ss: &RtStruct, grid: &Grid) -> Vec<Mask> {
    ss.rois
        .iter()
        .map(|r| rasterize(r, grid).expect("rasterize"))
        .collect()
}

fn bench(c: &mut Criterion) {
    let rtss = data("dicompyler/rtss.dcm");
    let ss = read_rt_struct(&rtss).expect("rtss");
    let dose_grid = load_rt_dose(data("dicompyler/rtdose.dcm"))
        .expect("dose")
        .image
        .grid()
        .clone();
    let frame = ss.rois[0].frame.clone().expect("frame");
    let ct = ct_grid(frame);
    for (name, grid) in [
        ("dose_grid_194x129x98", &dose_grid),
        ("ct_grid_512x512x98", &ct),
    ] {
        let voxels: Vec<usize> = all(&ss, grid).iter().map(Mask::count).collect();
        eprintln!("{name}: voxels per ROI {voxels:?}");
    }
    let mut g = c.benchmark_group("rasterize_all_rois");
    g.sample_size(20);
    g.bench_function("dose_grid_194x129x98", |b| {
        b.iter(|| all(black_box(&ss), &dose_grid))
    });
    g.bench_function("ct_grid_512x512x98", |b| {
        b.iter(|| all(black_box(&ss), &ct))
    });
    // Reading the structure set (1.9 MB) too, as plastimatch does in its timing.
    g.bench_function("read_rtss_and_dose_grid_194x129x98", |b| {
        b.iter(|| all(&read_rt_struct(black_box(&rtss)).expect("rtss"), &dose_grid))
    });
    g.bench_function("read_rtss_and_ct_grid_512x512x98", |b| {
        b.iter(|| all(&read_rt_struct(black_box(&rtss)).expect("rtss"), &ct))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
