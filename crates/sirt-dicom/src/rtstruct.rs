//! RT Structure Set: ROIs and their contours, and rasterisation of an ROI onto a grid.
//!
//! Rasterisation (see [`rasterize`]): each closed planar contour is taken to the grid's index
//! space; its plane must be a slice plane of the grid (all points at one k within a tolerance);
//! it goes to the nearest slice, round(k), and is dropped when that slice is outside the grid.
//! When contours of several planes fall to one slice (contours finer than the grid), the plane
//! nearest the slice centre is used. On each slice a voxel is set when its **centre** is inside
//! by the even-odd rule over all the slice's contours, so inner contours are holes whatever the
//! orientation of the polygons. Edges are half-open (a centre exactly on a left edge is inside,
//! on a right edge outside), so that two polygons sharing an edge never both claim a voxel.
//! Slices are filled in parallel, each by a scanline pass over its polygons' edges.

use std::path::{Path, PathBuf};

use dicom_dictionary_std::tags;
use rayon::prelude::*;
use sirt_geometry::{FrameOfReference, Grid, Mask, PointLps};

use crate::DicomError;
use crate::file::{Attrs, Extent, open};

/// The geometric type of a contour (Contour Geometric Type, 3006,0042).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum ContourType {
    /// A closed polygon in one plane (the only type rasterised).
    ClosedPlanar,
    /// An open polyline in one plane.
    OpenPlanar,
    /// An open polyline not in one plane.
    OpenNonplanar,
    /// A single point.
    Point,
    /// Another value, as written.
    Other(String),
}

/// One contour: its type and points (LPS, mm).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Contour {
    /// Geometric type.
    pub geometric_type: ContourType,
    /// The points in order (closed polygons are not repeated at the end).
    pub points: Vec<PointLps>,
}

/// A region of interest of a structure set.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Roi {
    /// ROI Number (3006,0022).
    pub number: i64,
    /// ROI Name (3006,0026).
    pub name: String,
    /// Referenced Frame of Reference UID of the ROI, when stated.
    pub frame: Option<FrameOfReference>,
    /// RT ROI Interpreted Type (ORGAN, PTV, EXTERNAL, …), when stated.
    pub interpreted_type: Option<String>,
    /// ROI Display Color (RGB), when stated.
    pub color: Option<[u8; 3]>,
    /// Contours (empty when the ROI has none).
    pub contours: Vec<Contour>,
    /// The structure set file it was read from (for messages).
    pub file: PathBuf,
}

/// An RT Structure Set.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RtStruct {
    /// The file.
    pub file: PathBuf,
    /// Structure Set Label, when present.
    pub label: Option<String>,
    /// ROIs in the order of the Structure Set ROI Sequence.
    pub rois: Vec<Roi>,
    /// Problems that did not prevent reading (each names the ROI and what is wrong).
    pub warnings: Vec<String>,
}

impl RtStruct {
    /// The ROI of a name (exact match), if any.
    pub fn roi(&self, name: &str) -> Option<&Roi> {
        self.rois.iter().find(|r| r.name == name)
    }
}

fn contour_type(s: &str) -> ContourType {
    match s {
        "CLOSED_PLANAR" => ContourType::ClosedPlanar,
        "OPEN_PLANAR" => ContourType::OpenPlanar,
        "OPEN_NONPLANAR" => ContourType::OpenNonplanar,
        "POINT" => ContourType::Point,
        other => ContourType::Other(other.to_string()),
    }
}

/// Reads the ROIs and contours of an RT Structure Set (files without a file meta header too).
pub fn read_rt_struct(file: impl AsRef<Path>) -> Result<RtStruct, DicomError> {
    let path = file.as_ref();
    let f = open(path, Extent::All)?;
    let a = f.attrs();
    let modality = a.req_str(tags::MODALITY, "Modality (0008,0060)")?;
    if modality != "RTSTRUCT" {
        return Err(DicomError::Unsupported {
            file: path.to_path_buf(),
            what: format!(
                "modality \"{modality}\" where an RT Structure Set (RTSTRUCT) was expected"
            ),
        });
    }
    let mut warnings = Vec::new();
    let mut rois = structure_set_rois(a, &mut warnings)?;
    for item in a.items(tags::RTROI_OBSERVATIONS_SEQUENCE) {
        let it = Attrs::new(item, path);
        let Some(n) = it.opt_i64(tags::REFERENCED_ROI_NUMBER, "Referenced ROI Number")? else {
            continue;
        };
        if let Some(roi) = rois.iter_mut().find(|r| r.number == n) {
            roi.interpreted_type = it.opt_str(tags::RTROI_INTERPRETED_TYPE);
        }
    }
    for item in a.items(tags::ROI_CONTOUR_SEQUENCE) {
        let it = Attrs::new(item, path);
        let Some(n) = it.opt_i64(
            tags::REFERENCED_ROI_NUMBER,
            "Referenced ROI Number (3006,0084)",
        )?
        else {
            warnings.push(
                "an item of the ROI Contour Sequence has no Referenced ROI Number; it is ignored"
                    .into(),
            );
            continue;
        };
        let Some(roi) = rois.iter_mut().find(|r| r.number == n) else {
            warnings.push(format!(
                "the ROI Contour Sequence refers to ROI {n}, which the Structure Set ROI Sequence \
                 does not define; its contours are ignored"
            ));
            continue;
        };
        read_roi_contours(it, roi, &mut warnings)?;
    }
    Ok(RtStruct {
        file: path.to_path_buf(),
        label: a.opt_str(tags::STRUCTURE_SET_LABEL),
        rois,
        warnings,
    })
}

/// The ROIs of the Structure Set ROI Sequence (number, name, frame), without contours; items
/// without ROI Number are skipped with a warning, a number twice is refused.
fn structure_set_rois(a: Attrs<'_>, warnings: &mut Vec<String>) -> Result<Vec<Roi>, DicomError> {
    let path = a.path;
    let mut rois: Vec<Roi> = Vec::new();
    for item in a.items(tags::STRUCTURE_SET_ROI_SEQUENCE) {
        let it = Attrs::new(item, path);
        let Some(number) = it.opt_i64(tags::ROI_NUMBER, "ROI Number (3006,0022)")? else {
            warnings.push(
                "an item of the Structure Set ROI Sequence has no ROI Number; it is ignored".into(),
            );
            continue;
        };
        if rois.iter().any(|r| r.number == number) {
            return Err(DicomError::InvalidAttribute {
                file: path.to_path_buf(),
                attribute: "ROI Number (3006,0022)",
                reason: format!("ROI number {number} appears twice"),
            });
        }
        rois.push(Roi {
            number,
            name: it.opt_str(tags::ROI_NAME).unwrap_or_default(),
            frame: it
                .opt_str(tags::REFERENCED_FRAME_OF_REFERENCE_UID)
                .map(FrameOfReference),
            interpreted_type: None,
            color: None,
            contours: Vec::new(),
            file: path.to_path_buf(),
        });
    }
    Ok(rois)
}

/// The colour and contours of `roi` from its ROI Contour Sequence item `it`; empty contours
/// and closed polygons of fewer than 3 points are skipped with a warning.
fn read_roi_contours(
    it: Attrs<'_>,
    roi: &mut Roi,
    warnings: &mut Vec<String>,
) -> Result<(), DicomError> {
    let path = it.path;
    let n = roi.number;
    roi.color = it
        .opt_f64s(tags::ROI_DISPLAY_COLOR, "ROI Display Color (3006,002A)")
        .ok()
        .flatten()
        .filter(|c| c.len() == 3)
        .map(|c| [0, 1, 2].map(|i| c[i].clamp(0.0, 255.0) as u8));
    for (ci, citem) in it.items(tags::CONTOUR_SEQUENCE).iter().enumerate() {
        let c = Attrs::new(citem, path);
        let contour_err = |what: String| DicomError::Contour {
            file: path.to_path_buf(),
            roi_number: n,
            roi_name: roi.name.clone(),
            what,
        };
        let geometric_type = contour_type(
            &c.opt_str(tags::CONTOUR_GEOMETRIC_TYPE)
                .unwrap_or_else(|| "CLOSED_PLANAR".into()),
        );
        let data = c
            .opt_f64s(tags::CONTOUR_DATA, "Contour Data (3006,0050)")?
            .unwrap_or_default();
        if data.len() % 3 != 0 {
            return Err(contour_err(format!(
                "contour {} has {} coordinates in Contour Data, not a multiple of 3",
                ci + 1,
                data.len()
            )));
        }
        let points: Vec<PointLps> = data
            .chunks_exact(3)
            .map(|p| PointLps::new(p[0], p[1], p[2]))
            .collect();
        if let Some(stated) =
            c.opt_u32(tags::NUMBER_OF_CONTOUR_POINTS, "Number of Contour Points")?
            && stated as usize != points.len()
        {
            warnings.push(format!(
                "ROI {n} \"{}\" contour {}: Number of Contour Points says {stated} but \
                 Contour Data holds {} points; the data are used",
                roi.name,
                ci + 1,
                points.len()
            ));
        }
        if points.is_empty() {
            warnings.push(format!(
                "ROI {n} \"{}\" contour {} is empty; it is ignored",
                roi.name,
                ci + 1
            ));
            continue;
        }
        if geometric_type == ContourType::ClosedPlanar && points.len() < 3 {
            warnings.push(format!(
                "ROI {n} \"{}\" contour {} is a closed polygon of {} point(s); it encloses \
                 nothing and is ignored",
                roi.name,
                ci + 1,
                points.len()
            ));
            continue;
        }
        roi.contours.push(Contour {
            geometric_type,
            points,
        });
    }
    Ok(())
}

/// A polygon in the grid's index space (i, j) on one slice.
struct Polygon {
    k: f64,
    slice: usize,
    pts: Vec<(f64, f64)>,
}

/// Fills slice `k` (`nx` × `ny` voxels, i fastest) with the polygons of the plane nearest its
/// centre among `list`, by the even-odd rule on voxel centres with half-open edges.
///
/// Scanline fill: each edge gives its crossing with every row y = j it spans (an edge from
/// a to b crosses y when exactly one of a.j, b.j is above y, i.e. min ≤ y < max, so rows
/// ⌈min⌉ … ⌈max⌉ − 1), at i = a.i + (y − a.j)(b.i − a.i)/(b.j − a.j); the crossings of a row,
/// sorted, pair up into the runs of centres inside (x₀ ≤ i < x₁). The work is proportional to
/// the edges and crossings, not to rows × edges.
fn fill_slice(k: usize, list: &[&Polygon], tol_k: f64, nx: usize, ny: usize, slice: &mut [bool]) {
    let Some(nearest) = list
        .iter()
        .map(|p| p.k)
        .min_by(|a, b| (a - k as f64).abs().total_cmp(&(b - k as f64).abs()))
    else {
        return;
    };
    let on_plane: Vec<&Polygon> = list
        .iter()
        .copied()
        .filter(|p| (p.k - nearest).abs() <= tol_k)
        .collect();
    let (jmin, jmax) = on_plane
        .iter()
        .flat_map(|p| p.pts.iter().map(|&(_, j)| j))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), j| {
            (lo.min(j), hi.max(j))
        });
    let j0 = jmin.ceil().max(0.0);
    let j1 = jmax.floor().min(ny as f64 - 1.0);
    if j0.is_nan() || j1.is_nan() || j0 > j1 {
        return;
    }
    // (row, crossing) of every edge with every row of [j0, j1] it spans.
    let mut crossings: Vec<(usize, f64)> = Vec::new();
    for p in &on_plane {
        let n = p.pts.len();
        for e in 0..n {
            let (ai, aj) = p.pts[e];
            let (bi, bj) = p.pts[(e + 1) % n];
            if aj == bj {
                continue;
            }
            let lo = aj.min(bj).ceil().max(j0);
            let hi = (aj.max(bj).ceil() - 1.0).min(j1);
            if lo > hi {
                continue;
            }
            for j in (lo as usize)..=(hi as usize) {
                let y = j as f64;
                crossings.push((j, ai + (y - aj) * (bi - ai) / (bj - aj)));
            }
        }
    }
    crossings.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    for row_crossings in crossings.chunk_by(|a, b| a.0 == b.0) {
        let j = row_crossings[0].0;
        let row = &mut slice[j * nx..(j + 1) * nx];
        for pair in row_crossings.chunks_exact(2) {
            // Centres i with x0 <= i < x1 are inside.
            let lo = pair[0].1.ceil().max(0.0);
            let hi = (pair[1].1.ceil() - 1.0).min(nx as f64 - 1.0);
            if lo <= hi {
                row[lo as usize..=hi as usize].fill(true);
            }
        }
    }
}

/// Largest distance (mm) of a contour's points from its plane along the grid normal, and largest
/// distance between two contours taken as one plane.
fn plane_tolerance_mm(grid: &Grid) -> f64 {
    (0.01 * grid.spacing_mm[2]).max(0.01)
}

/// The binary mask of an ROI on a grid: voxels whose centre lies inside the ROI's closed planar
/// contours on the nearest slice (see the module documentation for the rules).
///
/// Errors: the ROI is in another frame of reference than the grid; a contour is not in a slice
/// plane of the grid (oblique to it). Contours of other types than CLOSED_PLANAR and contours
/// outside the grid are left out; an ROI without contours gives an empty mask.
pub fn rasterize(roi: &Roi, grid: &Grid) -> Result<Mask, DicomError> {
    if let Some(frame) = &roi.frame
        && *frame != grid.frame
    {
        return Err(DicomError::FrameMismatch {
            file: roi.file.clone(),
            what: format!("ROI {} \"{}\"", roi.number, roi.name),
            expected: grid.frame.clone(),
            found: frame.clone(),
        });
    }
    let tol_k = plane_tolerance_mm(grid) / grid.spacing_mm[2];
    let nz = grid.dims[2];
    let mut polys: Vec<Polygon> = Vec::new();
    for (ci, c) in roi.contours.iter().enumerate() {
        if c.geometric_type != ContourType::ClosedPlanar || c.points.len() < 3 {
            continue;
        }
        let idx: Vec<_> = c
            .points
            .iter()
            .map(|&p| grid.index_from_patient(p))
            .collect();
        if idx
            .iter()
            .any(|x| !(x.i.is_finite() && x.j.is_finite() && x.k.is_finite()))
        {
            return Err(DicomError::Contour {
                file: roi.file.clone(),
                roi_number: roi.number,
                roi_name: roi.name.clone(),
                what: format!(
                    "contour {} has points too far from the grid to be placed on it",
                    ci + 1
                ),
            });
        }
        let k_mean = idx.iter().map(|x| x.k).sum::<f64>() / idx.len() as f64;
        let spread = idx.iter().map(|x| (x.k - k_mean).abs()).fold(0.0, f64::max);
        if spread > tol_k {
            return Err(DicomError::Contour {
                file: roi.file.clone(),
                roi_number: roi.number,
                roi_name: roi.name.clone(),
                what: format!(
                    "contour {} is not in a slice plane of the grid: its points lie up to \
                     {:.3} mm from their mean plane along the grid's slice normal {:?} \
                     (tolerance {:.3} mm); rasterise on a grid parallel to the contours",
                    ci + 1,
                    spread * grid.spacing_mm[2],
                    grid.direction[2],
                    plane_tolerance_mm(grid)
                ),
            });
        }
        let s = (k_mean + 0.5).floor();
        if s < 0.0 || s >= nz as f64 {
            continue;
        }
        polys.push(Polygon {
            k: k_mean,
            slice: s as usize,
            pts: idx.iter().map(|x| (x.i, x.j)).collect(),
        });
    }
    let mut mask = Mask::filled(grid.clone(), false);
    let (nx, ny) = (grid.dims[0], grid.dims[1]);
    // Per slice: the plane nearest the slice centre, and the polygons of that plane.
    let mut by_slice: Vec<Vec<&Polygon>> = (0..nz).map(|_| Vec::new()).collect();
    for p in &polys {
        by_slice[p.slice].push(p);
    }
    // Slices are independent: filled in parallel, each into its own part of the mask.
    mask.data_mut()
        .par_chunks_mut(nx * ny)
        .zip(by_slice.par_iter())
        .enumerate()
        .for_each(|(k, (slice, list))| fill_slice(k, list, tol_k, nx, ny, slice));
    Ok(mask)
}
