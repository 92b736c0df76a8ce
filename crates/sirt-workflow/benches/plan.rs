//! Planning a 5-injection case from the analytic models (issue 2 goal: < 1 ms).

#![allow(clippy::expect_used, missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn five_injection_case() -> String {
    let demo = include_str!("../../../examples/demo-net-case.toml");
    // Three more injections in session 1 and 2, partition and MIRD, on the same tumours' lobes.
    let extra = r#"
[[injections]]
id = "S6"
session = "1"
territory = "segmental"
lobe = "right"
perfused_volume = "160 mL"
method = "mird"
lsf = 0.05
goal = { perfused_dose = "150 Gy" }

[[injections]]
id = "S4"
session = "2"
territory = "segmental"
lobe = "left"
perfused_volume = "120 mL"
method = "mird"
lsf = 0.05
goal = { perfused_dose = "120 Gy" }

[[injections]]
id = "S8"
session = "1"
territory = "segmental"
lobe = "right"
perfused_volume = "140 mL"
method = "partition"
lsf = 0.05
tumours = [{ id = "T3", tnr = 2.0, fraction = 0.5 }]
goal = { maximum = true }
limits = { normal_liver_max = "60 Gy" }
"#;
    let demo = demo.replace(
        "{ id = \"T3\", tnr = 2.2 },",
        "{ id = \"T3\", tnr = 2.2, fraction = 0.5 },",
    );
    let insert_at = demo.find("[[earlier_treatments]]").unwrap_or(demo.len());
    format!("{}{}\n{}", &demo[..insert_at], extra, &demo[insert_at..])
}

fn bench(c: &mut Criterion) {
    let text = five_injection_case();
    let case = sirt_case::parse(&text, "bench").expect("bench case");
    assert_eq!(case.injections.len(), 5);
    let devices = sirt_devices::Catalogue::embedded().expect("catalogue");
    let rules = sirt_rules::RuleSet::embedded().expect("rules");
    c.bench_function("plan_5_injections", |b| {
        b.iter(|| sirt_workflow::plan(black_box(&case), &devices, &rules, "bench").expect("plan"))
    });
    c.bench_function("parse_and_plan_5_injections", |b| {
        b.iter(|| {
            let case = sirt_case::parse(black_box(&text), "bench").expect("case");
            sirt_workflow::plan(&case, &devices, &rules, "bench").expect("plan")
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
