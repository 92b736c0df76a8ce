//! End to end `sirtplan plan` on the demo phantom (issue 4: load the CT, SPECT, PET and RT Struct,
//! resample, kernel dose for the prediction, the delivered and the prediction at the delivered
//! activity, DVHs, report; goal < 5 s). The phantom and its case file are written once by
//! `sirtplan demo --phantom-dir` (outside the timing); each iteration runs the binary as a user
//! would, output to /dev/null.

#![allow(clippy::expect_used, clippy::panic, missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use std::process::{Command, Stdio};

fn bench(c: &mut Criterion) {
    let exe = env!("CARGO_BIN_EXE_sirtplan");
    let dir = std::env::temp_dir().join(format!("sirtplan-bench-{}", std::process::id()));
    let status = Command::new(exe)
        .args(["demo", "--phantom-dir"])
        .arg(&dir)
        .stdout(Stdio::null())
        .status()
        .expect("demo");
    assert!(status.success());
    let case = dir.join("demo-phantom-case.toml");
    let mut g = c.benchmark_group("end_to_end");
    g.sample_size(10);
    g.bench_function("plan_demo_phantom_kernel", |b| {
        b.iter(|| {
            let s = Command::new(exe)
                .arg("plan")
                .arg(&case)
                .stdout(Stdio::null())
                .status()
                .expect("plan");
            assert!(s.success());
        })
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
