//! DVK convolution of 128³ and 256³ activity maps with an 11³ kernel (issue 4: ≥ 3× faster than
//! scipy.signal.fftconvolve on the same arrays, 2 cores; `benches/scipy_fftconvolve.py` times the
//! peer), and a DVH of 10 structures on a 512 × 512 × 300 grid (goal < 300 ms): scattered labels
//! (every 7th voxel unlabelled: the worst case of the single pass) and contiguous ellipsoids (as
//! drawn in a patient).

#![allow(clippy::expect_used, missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use sirt_geometry::{FrameOfReference, Grid, Image, PointLps};
use sirt_nuclides::{KConvention, Nuclide};
use sirt_voxel_dosimetry::physics::engine::{ActivityMap, DoseEngine, KernelConvolution};
use sirt_voxel_dosimetry::physics::kernel::VoxelKernel;
use std::hint::black_box;

fn activity(n: usize) -> (ActivityMap, Image<f32>) {
    let g = Grid::axis_aligned(
        [n; 3],
        [4.42; 3],
        PointLps::new(0.0, 0.0, 0.0),
        FrameOfReference("f".into()),
    )
    .expect("grid");
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let data: Vec<f32> = (0..g.len())
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % 1000) as f32 / 1000.0
        })
        .collect();
    let map = ActivityMap {
        mbq: Image::new(g.clone(), data).expect("image"),
        nuclide: Nuclide::Y90,
        k: KConvention::TheraSphereIfu
            .resolve(Nuclide::Y90)
            .expect("k"),
        provenance: vec![],
    };
    (map, Image::filled(g, 1.04))
}

/// An 11³ kernel (half-width 5) with the shape of a voxel S-value kernel.
fn kernel11() -> VoxelKernel {
    let half = [5usize; 3];
    let energy: Vec<f64> = (0..11 * 11 * 11)
        .map(|o| {
            let (i, j, k) = (o % 11, (o / 11) % 11, o / 121);
            let r2 = [i, j, k]
                .iter()
                .map(|&c| (c as f64 - 5.0).powi(2))
                .sum::<f64>();
            (-r2).exp()
        })
        .collect();
    VoxelKernel {
        half,
        voxel_mm: [4.42; 3],
        energy_mev: energy,
        density_g_per_ml: 1.04,
        source: "bench".into(),
    }
}

fn bench(c: &mut Criterion) {
    let engine = KernelConvolution::new(kernel11());
    for n in [128usize, 256] {
        let (map, rho) = activity(n);
        // Warm the kernel-spectrum cache once, as a planning session would.
        engine.dose(&map, &rho).expect("dose");
        c.bench_function(&format!("dvk_fft_{n}^3_kernel_11^3"), |b| {
            b.iter(|| engine.dose(black_box(&map), &rho).expect("dose"))
        });
    }
    // DVH: 10 structures on 512 × 512 × 300.
    let g = Grid::axis_aligned(
        [512, 512, 300],
        [0.78, 0.78, 1.0],
        PointLps::new(0.0, 0.0, 0.0),
        FrameOfReference("f".into()),
    )
    .expect("grid");
    let dose = Image::new(
        g.clone(),
        (0..g.len()).map(|o| (o % 4000) as f32 / 10.0).collect(),
    )
    .expect("dose");
    let labels = Image::new(
        g.clone(),
        (0..g.len())
            .map(|o| {
                if o % 7 == 0 {
                    0
                } else {
                    ((o / 512 / 512) % 10 + 1) as u16
                }
            })
            .collect(),
    )
    .expect("labels");
    let structures: Vec<u16> = (1..=10).collect();
    // Contiguous structures as drawn in a patient: 10 ellipsoids (liver-, lung- and tumour-sized)
    // in a body, background label 0 (runs of one label along rows); a later one is drawn over an
    // earlier one (tumours over the liver).
    let ellipsoids: [([f64; 3], [f64; 3]); 10] = [
        ([200.0, 220.0, 150.0], [90.0, 80.0, 70.0]),
        ([120.0, 180.0, 230.0], [50.0, 60.0, 60.0]),
        ([320.0, 180.0, 230.0], [50.0, 60.0, 60.0]),
        ([170.0, 250.0, 140.0], [12.0, 12.0, 12.0]),
        ([230.0, 200.0, 160.0], [8.0, 8.0, 8.0]),
        ([260.0, 240.0, 120.0], [5.0, 5.0, 5.0]),
        ([300.0, 300.0, 100.0], [30.0, 25.0, 25.0]),
        ([256.0, 380.0, 150.0], [20.0, 20.0, 140.0]),
        ([360.0, 260.0, 80.0], [25.0, 20.0, 20.0]),
        ([180.0, 300.0, 60.0], [3.0, 3.0, 3.0]),
    ];
    let organs = Image::new(
        g.clone(),
        (0..g.len())
            .map(|o| {
                let (i, j, k) = (o % 512, (o / 512) % 512, o / 512 / 512);
                let p = [i as f64, j as f64, k as f64];
                ellipsoids
                    .iter()
                    .rposition(|(c, r)| {
                        (0..3).map(|a| ((p[a] - c[a]) / r[a]).powi(2)).sum::<f64>() <= 1.0
                    })
                    .map_or(0, |n| n as u16 + 1)
            })
            .collect(),
    )
    .expect("organs");
    for (name, labels) in [
        ("dvh_10_structures_512x512x300_scattered", &labels),
        ("dvh_10_structures_512x512x300_contiguous", &organs),
    ] {
        c.bench_function(name, |b| {
            b.iter(|| {
                black_box(
                    sirt_voxel_dosimetry::physics::dvh::dvh_labels(
                        &dose,
                        labels,
                        &structures,
                        None,
                        0.1,
                        &sirt_voxel_dosimetry::physics::dvh::DEFAULT_DX_PERCENT,
                        &sirt_voxel_dosimetry::physics::dvh::DEFAULT_VX_GY,
                    )
                    .expect("dvh"),
                )
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
