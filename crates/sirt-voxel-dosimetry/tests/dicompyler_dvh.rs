//! DVH statistics on the dicompyler-core example (RT Dose + RT Struct, in sirt-dicom's test data)
//! against dicompyler-core 0.5.6 and plastimatch 1.10.0 (shared/reference/dicompyler_core_reference,
//! copied in tests/data/dvh_stats_example_data.csv): volume and mean within 1 % (issue 4).
//! Our mean is exact over the voxels; dicompyler's comes from 0.01 Gy bins, so low-dose structures
//! are compared within 1 % or half a bin (0.005 Gy).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use sirt_voxel_dosimetry::physics::dvh::dvh;
use std::path::Path;

#[test]
fn dvh_matches_dicompyler_and_plastimatch() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sirt-dicom/tests/data/dicompyler");
    let dose = sirt_dicom::load_rt_dose(data.join("rtdose.dcm")).unwrap();
    let rs = sirt_dicom::read_rt_struct(data.join("rtss.dcm")).unwrap();
    let csv = include_str!("data/dvh_stats_example_data.csv");
    let grid = dose.image.grid().clone();
    let mut compared = 0;
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (number, name) = (f[0].parse::<i64>().unwrap(), f[1]);
        let Ok(volume) = f[3].parse::<f64>() else {
            continue;
        };
        let Ok(mean) = f[6].parse::<f64>() else {
            assert_eq!(volume, 0.0, "{name}");
            continue;
        };
        let roi = rs.rois.iter().find(|r| r.number == number).unwrap();
        let mask = sirt_dicom::rasterize(roi, &grid)
            .unwrap()
            .map(|b| f32::from(u8::from(b)));
        let h = dvh(&dose.image, &mask, None, 0.01, &[95.0, 50.0], &[1.0, 2.0]).unwrap();
        let dv = h.volume_ml / volume - 1.0;
        let dm = h.mean_gy - mean;
        println!(
            "{name:<16} volume {:.3} / {volume} mL ({:+.3} %)  mean {:.4} / {mean} Gy ({:+.3} %)  D95 {:.2} / {}  D50 {:.2} / {}",
            h.volume_ml,
            dv * 100.0,
            h.mean_gy,
            dm / mean * 100.0,
            h.d[0].1,
            f[7],
            h.d[1].1,
            f[8]
        );
        assert!(
            dv.abs() < 0.01,
            "{name}: volume {} vs {volume}",
            h.volume_ml
        );
        assert!(
            dm.abs() < (0.01 * mean).max(0.005),
            "{name}: mean {} vs {mean}",
            h.mean_gy
        );
        compared += 1;
    }
    assert_eq!(compared, 9);
}
