//! RT Structure Set and SEG decoding on arbitrary bytes: `read_rt_struct`, then every ROI
//! rasterised onto a small grid laid over its first contour point (16 × 16 × 4 voxels of 2 mm);
//! `read_seg`, then each segment's mask on a small grid of its size. Must return `Ok` or `Err`,
//! never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sirt_geometry::{FrameOfReference, Grid, PointLps};

include!("common_tmp.rs");

const T: &str = "dicom_rtstruct_seg";

fuzz_target!(|data: &[u8]| {
    let Some(p) = write_input(T, "in.dcm", data) else {
        return;
    };
    match sirt_dicom::read_rt_struct(&p) {
        Ok(rs) => {
            for roi in rs.rois.iter().take(8) {
                let frame = roi
                    .frame
                    .clone()
                    .unwrap_or(FrameOfReference("1.2.3".into()));
                let origin = roi
                    .contours
                    .first()
                    .and_then(|c| c.points.first())
                    .copied()
                    .filter(|p| p.is_finite())
                    .map(|p| PointLps::new(p.x - 16.0, p.y - 16.0, p.z - 4.0))
                    .unwrap_or(PointLps::new(0.0, 0.0, 0.0));
                if let Ok(grid) = Grid::axis_aligned([16, 16, 4], [2.0, 2.0, 2.0], origin, frame) {
                    if let Ok(mask) = sirt_dicom::rasterize(roi, &grid) {
                        let _ = mask.count();
                    }
                }
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    match sirt_dicom::read_seg(&p) {
        Ok(seg) => {
            let dims = [seg.columns.min(64), seg.rows.min(64), 4];
            if let Ok(grid) = Grid::axis_aligned(
                dims,
                [1.0, 1.0, 1.0],
                PointLps::new(0.0, 0.0, 0.0),
                seg.frame.clone(),
            ) {
                for s in seg.segments.iter().take(4) {
                    let _ = seg.mask(s.number, &grid);
                    let _ = seg.fractional_mask(s.number, &grid);
                }
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
