//! RT Struct rasterisation rules on synthetic contours with known answers: voxel centres,
//! even-odd holes, nearest slice, half-open edges, planes, frames.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;

use common::data;
use sirt_dicom::*;
use sirt_geometry::{FrameOfReference, Grid, PointLps};

fn frame() -> FrameOfReference {
    FrameOfReference("1.2.3".into())
}

/// 20 × 20 × 5 voxels of 1 × 1 × 2 mm, first voxel centre at the origin.
fn grid() -> Grid {
    Grid::axis_aligned(
        [20, 20, 5],
        [1.0, 1.0, 2.0],
        PointLps::new(0.0, 0.0, 0.0),
        frame(),
    )
    .unwrap()
}

fn square(x0: f64, y0: f64, x1: f64, y1: f64, z: f64, clockwise: bool) -> Contour {
    let mut points = vec![
        PointLps::new(x0, y0, z),
        PointLps::new(x1, y0, z),
        PointLps::new(x1, y1, z),
        PointLps::new(x0, y1, z),
    ];
    if clockwise {
        points.reverse();
    }
    Contour {
        geometric_type: ContourType::ClosedPlanar,
        points,
    }
}

fn roi(contours: Vec<Contour>) -> Roi {
    Roi {
        number: 1,
        name: "test".into(),
        frame: Some(frame()),
        interpreted_type: None,
        color: None,
        contours,
        file: PathBuf::from("synthetic.dcm"),
    }
}

fn slice_counts(m: &sirt_geometry::Mask) -> Vec<usize> {
    let n = m.grid().dims[0] * m.grid().dims[1];
    m.data()
        .chunks(n)
        .map(|s| s.iter().filter(|&&b| b).count())
        .collect()
}

#[test]
fn voxel_centres_inside_a_square() {
    // Edges at 2.5 and 7.5: centres 3 … 7 on both axes.
    let m = rasterize(&roi(vec![square(2.5, 2.5, 7.5, 7.5, 4.0, false)]), &grid()).unwrap();
    assert_eq!(slice_counts(&m), [0, 0, 25, 0, 0]);
    assert!(m.get(3, 3, 2).unwrap() && m.get(7, 7, 2).unwrap());
    assert!(!m.get(2, 3, 2).unwrap() && !m.get(8, 7, 2).unwrap());
    assert!((m.volume_ml() - 25.0 * 2.0 / 1000.0).abs() < 1e-12);
}

#[test]
fn inner_contours_are_holes_whatever_their_orientation() {
    for clockwise in [false, true] {
        let r = roi(vec![
            square(2.5, 2.5, 7.5, 7.5, 4.0, false),
            square(3.5, 3.5, 5.5, 5.5, 4.0, clockwise),
        ]);
        let m = rasterize(&r, &grid()).unwrap();
        assert_eq!(m.count(), 25 - 4, "clockwise hole: {clockwise}");
        assert!(!m.get(4, 4, 2).unwrap() && !m.get(5, 5, 2).unwrap());
        // An island inside the hole is filled again.
        let mut r2 = r.clone();
        r2.contours.push(square(4.8, 4.8, 5.2, 5.2, 4.0, false));
        assert_eq!(rasterize(&r2, &grid()).unwrap().count(), 25 - 4 + 1);
    }
}

#[test]
fn polygons_sharing_an_edge_do_not_overlap_or_leave_a_gap() {
    // Centres at i = 5 lie on the shared edge x = 5: they belong to the right square only.
    let r = roi(vec![
        square(2.5, 2.5, 5.0, 7.5, 4.0, false),
        square(5.0, 2.5, 7.5, 7.5, 4.0, true),
    ]);
    assert_eq!(rasterize(&r, &grid()).unwrap().count(), 25);
    let left = rasterize(&roi(vec![square(2.5, 2.5, 5.0, 7.5, 4.0, false)]), &grid()).unwrap();
    let right = rasterize(&roi(vec![square(5.0, 2.5, 7.5, 7.5, 4.0, true)]), &grid()).unwrap();
    assert_eq!((left.count(), right.count()), (10, 15));
}

#[test]
fn contours_go_to_the_nearest_slice() {
    let g = grid();
    // z = 4.9 mm is k = 2.45 → slice 2; z = 5.1 mm is k = 2.55 → slice 3.
    let m = rasterize(&roi(vec![square(2.5, 2.5, 7.5, 7.5, 4.9, false)]), &g).unwrap();
    assert_eq!(slice_counts(&m), [0, 0, 25, 0, 0]);
    let m = rasterize(&roi(vec![square(2.5, 2.5, 7.5, 7.5, 5.1, false)]), &g).unwrap();
    assert_eq!(slice_counts(&m), [0, 0, 0, 25, 0]);
    // Within half a slice of the grid's ends: kept; beyond: left out.
    let m = rasterize(&roi(vec![square(2.5, 2.5, 7.5, 7.5, -0.9, false)]), &g).unwrap();
    assert_eq!(slice_counts(&m), [25, 0, 0, 0, 0]);
    let m = rasterize(&roi(vec![square(2.5, 2.5, 7.5, 7.5, -1.1, false)]), &g).unwrap();
    assert_eq!(m.count(), 0);
    let m = rasterize(&roi(vec![square(2.5, 2.5, 7.5, 7.5, 40.0, false)]), &g).unwrap();
    assert_eq!(m.count(), 0);
}

#[test]
fn when_two_planes_fall_on_one_slice_the_nearest_is_used() {
    // Slice 2 is at z = 4 mm; planes at 3.4 mm (k = 1.7) and 4.4 mm (k = 2.2) both round to 2.
    let r = roi(vec![
        square(2.5, 2.5, 7.5, 7.5, 3.4, false),
        square(10.5, 10.5, 12.5, 12.5, 4.4, false),
    ]);
    let m = rasterize(&r, &grid()).unwrap();
    assert_eq!(slice_counts(&m), [0, 0, 4, 0, 0]);
}

#[test]
fn parts_outside_the_grid_are_clipped() {
    let m = rasterize(
        &roi(vec![square(-10.0, -10.0, 2.5, 30.0, 0.0, false)]),
        &grid(),
    )
    .unwrap();
    // Columns 0 … 2, all 20 rows.
    assert_eq!(m.count(), 3 * 20);
}

#[test]
fn other_contour_types_and_empty_rois_give_nothing() {
    let mut open = square(2.5, 2.5, 7.5, 7.5, 4.0, false);
    open.geometric_type = ContourType::OpenPlanar;
    let point = Contour {
        geometric_type: ContourType::Point,
        points: vec![PointLps::new(5.0, 5.0, 4.0)],
    };
    assert_eq!(
        rasterize(&roi(vec![open, point]), &grid()).unwrap().count(),
        0
    );
    assert_eq!(rasterize(&roi(vec![]), &grid()).unwrap().count(), 0);
}

#[test]
fn a_disc_has_the_area_of_its_polygon() {
    // A 128-gon of radius 20 mm on a 0.25 mm grid: voxel area vs the shoelace area.
    let g = Grid::axis_aligned(
        [200, 200, 1],
        [0.25, 0.25, 1.0],
        PointLps::new(-24.875, -24.875, 0.0),
        frame(),
    )
    .unwrap();
    let n = 128;
    let points: Vec<PointLps> = (0..n)
        .map(|t| {
            let a = std::f64::consts::TAU * t as f64 / n as f64;
            PointLps::new(20.0 * a.cos() + 0.1, 20.0 * a.sin() - 0.05, 0.0)
        })
        .collect();
    let area: f64 = (0..n)
        .map(|t| {
            let (p, q) = (points[t], points[(t + 1) % n]);
            p.x * q.y - q.x * p.y
        })
        .sum::<f64>()
        / 2.0;
    let r = roi(vec![Contour {
        geometric_type: ContourType::ClosedPlanar,
        points,
    }]);
    let m = rasterize(&r, &g).unwrap();
    let voxel_area = m.count() as f64 * 0.25 * 0.25;
    assert!(
        (voxel_area - area).abs() / area < 0.002,
        "{voxel_area} vs {area}"
    );
}

#[test]
fn oblique_contours_and_other_frames_are_refused() {
    let mut tilted = square(2.5, 2.5, 7.5, 7.5, 4.0, false);
    tilted.points[2].z = 5.0;
    let e = rasterize(&roi(vec![tilted]), &grid()).unwrap_err();
    assert!(matches!(e, DicomError::Contour { .. }));
    let mut other = roi(vec![square(2.5, 2.5, 7.5, 7.5, 4.0, false)]);
    other.frame = Some(FrameOfReference("9.9.9".into()));
    let e2 = rasterize(&other, &grid()).unwrap_err();
    assert!(matches!(e2, DicomError::FrameMismatch { .. }));
    insta::assert_snapshot!(format!("{e}\n{e2}"));
}

#[test]
fn bare_rtstruct_rectangles_rasterise_to_their_volume() {
    // pydicom's rtstruct.dcm (no file meta): ROI "patient" is a 400 × 300 mm rectangle on the
    // planes z = −200, −190, −180 mm. On a 2 mm grid one voxel wider than it on each side, with
    // 10 mm slices and voxel centres off the edges, 200 × 150 × 3 voxels are inside: 3600 mL.
    let ss = read_rt_struct(data("pydicom/rtstruct.dcm")).unwrap();
    let patient = ss.roi("patient").unwrap();
    let g = Grid::axis_aligned(
        [202, 152, 3],
        [2.0, 2.0, 10.0],
        PointLps::new(-201.0, -151.0, -200.0),
        patient.frame.clone().unwrap(),
    )
    .unwrap();
    let m = rasterize(patient, &g).unwrap();
    assert_eq!(m.count(), 200 * 150 * 3);
    assert!((m.volume_ml() - 3600.0).abs() < 1e-9);
    // The isocentre ROIs are points: nothing to fill.
    assert_eq!(
        rasterize(ss.roi("Isocenter 1").unwrap(), &g)
            .unwrap()
            .count(),
        0
    );
}
