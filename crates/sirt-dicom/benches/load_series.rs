//! Loading a 512 × 512 × 300 CT series (issue 3: at least 2× faster than SimpleITK's
//! ImageSeriesReader on 2 cores; `benches/peer_load_series.py` times SimpleITK and pydicom +
//! numpy on the same files). The series is the large phantom's CT, written once by
//! `sirtplan phantom --preset large --out DIR`; set SIRTPLAN_BENCH_CT to its `dicom/ct` folder.

#![allow(clippy::expect_used, clippy::panic, missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use std::path::PathBuf;

fn bench(c: &mut Criterion) {
    let Some(dir) = std::env::var_os("SIRTPLAN_BENCH_CT").map(PathBuf::from) else {
        panic!(
            "set SIRTPLAN_BENCH_CT to a CT series folder (sirtplan phantom --preset large --out DIR; DIR/dicom/ct)"
        );
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    let img = sirt_dicom::load_image_series(&files).expect("series");
    assert_eq!(img.grid().dims, [512, 512, 300]);
    let mut g = c.benchmark_group("load");
    g.sample_size(10);
    g.bench_function("ct_series_512x512x300", |b| {
        b.iter(|| sirt_dicom::load_image_series(&files).expect("series"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
