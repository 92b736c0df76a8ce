//! NIfTI-1 single-file images (`.nii`, `.nii.gz`) in and out, on LPS grids.
//!
//! | item | what |
//! |---|---|
//! | [`read`] | bytes of a `.nii` or `.nii.gz` → [`Image<f32>`] (scaling applied) with its [`Grid`] |
//! | [`read_labels`] | the same for integer label maps → [`Image<u16>`] |
//! | [`write`], [`write_labels`] | an image or label map → bytes (gzip on request), qform and sform both set |
//! | [`qform_sform_difference`], [`check_qform_sform`] | how far apart the qform and the sform place the image (header only), refused above a limit |
//!
//! Orientation (docs/coordinates.md): NIfTI world coordinates are RAS; a NIfTI affine A maps
//! (i, j, k, 1) to RAS, so the LPS affine is diag(−1, −1, 1) · A. The sform is used when its code
//! is set, else the qform (quaternion, qfac, pixdim), as nibabel's `get_best_affine` does; a file
//! with neither has no orientation and is refused, as is a sheared or singular affine. Where both
//! are set and disagree, [`check_qform_sform`] measures by how much (the caller decides).
//! Voxel order: i (x) fastest, then j, then k, as in sirt-geometry.
//!
//! ```
//! use sirt_geometry::{FrameOfReference, Grid, Image, PointLps};
//! let grid = Grid::axis_aligned([3, 2, 2], [1.5, 1.5, 3.0], PointLps::new(-10.0, 20.0, 5.0),
//!                               FrameOfReference("ct".into())).unwrap();
//! let img = Image::new(grid, (0..12).map(|v| v as f32).collect()).unwrap();
//! let bytes = sirt_nifti::write(&img, true).unwrap();
//! let back = sirt_nifti::read(&bytes, "x.nii.gz", FrameOfReference("ct".into())).unwrap();
//! assert!(back.grid().same_as(img.grid()));
//! assert_eq!(back.data(), img.data());
//! ```

// Matrix code indexes rows and columns by number, as the NIfTI-1 header formulas do.
#![allow(clippy::needless_range_loop)]

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use sirt_geometry::{FrameOfReference, Grid, Image, PointLps};
use std::io::{Read, Write};
use thiserror::Error;

/// Size of the NIfTI-1 header.
const HEADER_SIZE: usize = 348;
/// Offset of the voxel data in a single file written here (header + 4 extension bytes).
const VOX_OFFSET: usize = 352;
/// NIFTI_XFORM_SCANNER_ANAT: the code written for qform and sform.
const XFORM_SCANNER_ANAT: i16 = 1;
/// Largest decompressed size accepted, 8 GiB: protects against decompression bombs.
const MAX_DECOMPRESSED: u64 = 8 << 30;

/// Why a NIfTI file cannot be read or written.
#[derive(Debug, Error)]
pub enum NiftiError {
    /// Not a NIfTI-1 file, truncated, or a field out of range.
    #[error("{file}: {message}")]
    Invalid {
        /// The file name given.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// gzip stream error.
    #[error("{file}: cannot decompress the gzip stream")]
    Gzip {
        /// The file name given.
        file: String,
        /// The decoder's error.
        #[source]
        source: std::io::Error,
    },
    /// The voxel values read do not fill the header's grid.
    #[error("{file}: the voxel values do not make an image of the header's grid")]
    Image {
        /// The file name given.
        file: String,
        /// Why the image was refused.
        #[source]
        source: sirt_geometry::GeometryError,
    },
    /// The image cannot be written (grid too large for NIfTI-1 dims).
    #[error("cannot write NIfTI: {0}")]
    Write(String),
    /// The gzip encoder failed while writing a `.nii.gz`.
    #[error("cannot write NIfTI: gzip compression failed")]
    WriteGzip(#[source] std::io::Error),
    /// The qform and the sform are both set and place the image further apart than allowed
    /// ([`check_qform_sform`]).
    #[error(
        "{file}: the qform and the sform disagree by {:.2} mm at the image corner {:?} (qform: {:?} mm, sform: {:?} mm, RAS), more than {max_mm} mm; the sform is the one read",
        difference.distance_mm, difference.corner, difference.qform_ras, difference.sform_ras
    )]
    QformSform {
        /// The file name given.
        file: String,
        /// Where and by how much they disagree.
        difference: QformSformDifference,
        /// The largest distance allowed, mm.
        max_mm: f64,
    },
}

/// How far apart the qform and the sform of a file place the image: the largest distance over
/// its 8 corners (the outer corners of the corner voxels, continuous indices −0.5 and n − 0.5).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QformSformDifference {
    /// The largest distance, mm.
    pub distance_mm: f64,
    /// The corner where it is largest (continuous voxel index i, j, k).
    pub corner: [f64; 3],
    /// That corner by the qform, RAS mm.
    pub qform_ras: [f64; 3],
    /// That corner by the sform, RAS mm.
    pub sform_ras: [f64; 3],
}

/// The header fields sirt-nifti uses.
#[derive(Debug, Clone, PartialEq)]
struct Header {
    dims: [usize; 3],
    datatype: i16,
    bitpix: i16,
    pixdim: [f32; 8],
    vox_offset: usize,
    scl_slope: f32,
    scl_inter: f32,
    qform_code: i16,
    sform_code: i16,
    quatern: [f32; 3],
    qoffset: [f32; 3],
    srow: [[f32; 4]; 3],
    big_endian: bool,
}

struct Reader<'a> {
    b: &'a [u8],
    be: bool,
}

impl Reader<'_> {
    fn i16(&self, at: usize) -> i16 {
        let v = [self.b[at], self.b[at + 1]];
        if self.be {
            i16::from_be_bytes(v)
        } else {
            i16::from_le_bytes(v)
        }
    }
    fn f32(&self, at: usize) -> f32 {
        let v = [self.b[at], self.b[at + 1], self.b[at + 2], self.b[at + 3]];
        if self.be {
            f32::from_be_bytes(v)
        } else {
            f32::from_le_bytes(v)
        }
    }
}

fn invalid(file: &str, message: impl Into<String>) -> NiftiError {
    NiftiError::Invalid {
        file: file.to_owned(),
        message: message.into(),
    }
}

/// The error of an image of `file` that its grid refused.
fn image_error(file: &str) -> impl FnOnce(sirt_geometry::GeometryError) -> NiftiError + '_ {
    move |source| NiftiError::Image {
        file: file.to_owned(),
        source,
    }
}

/// The bytes of the file, gunzipped when they start with the gzip magic.
fn raw_bytes<'a>(bytes: &'a [u8], file: &str) -> Result<std::borrow::Cow<'a, [u8]>, NiftiError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        GzDecoder::new(bytes)
            .take(MAX_DECOMPRESSED)
            .read_to_end(&mut out)
            .map_err(|source| NiftiError::Gzip {
                file: file.to_owned(),
                source,
            })?;
        Ok(std::borrow::Cow::Owned(out))
    } else {
        Ok(std::borrow::Cow::Borrowed(bytes))
    }
}

fn parse_header(b: &[u8], file: &str) -> Result<Header, NiftiError> {
    if b.len() < HEADER_SIZE {
        return Err(invalid(
            file,
            format!(
                "{} bytes: shorter than a NIfTI-1 header (348 bytes)",
                b.len()
            ),
        ));
    }
    let le = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    let be = i32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    let big_endian = match (le, be) {
        (348, _) => false,
        (_, 348) => true,
        _ => {
            return Err(invalid(
                file,
                "not a NIfTI-1 file (sizeof_hdr is not 348; NIfTI-2 is not supported)",
            ));
        }
    };
    let magic = &b[344..348];
    if magic != b"n+1\0" {
        return Err(invalid(
            file,
            format!(
                "magic {:?}: only single-file NIfTI-1 (\"n+1\") is read",
                String::from_utf8_lossy(magic)
            ),
        ));
    }
    let r = Reader { b, be: big_endian };
    let ndim = r.i16(40);
    if !(1..=7).contains(&ndim) {
        return Err(invalid(
            file,
            format!("dim[0] = {ndim}: expected 1 to 7 dimensions"),
        ));
    }
    let mut dims = [1usize; 3];
    for d in 1..=ndim as usize {
        let n = r.i16(40 + 2 * d);
        if n < 1 {
            return Err(invalid(
                file,
                format!("dim[{d}] = {n}: dimensions must be at least 1"),
            ));
        }
        if d <= 3 {
            dims[d - 1] = n as usize;
        } else if n != 1 {
            return Err(invalid(
                file,
                format!(
                    "dim[{d}] = {n}: only 3-D volumes are read (4th and higher dimensions must be 1)"
                ),
            ));
        }
    }
    let mut pixdim = [0f32; 8];
    for (d, p) in pixdim.iter_mut().enumerate() {
        *p = r.f32(76 + 4 * d);
    }
    let vox = r.f32(108);
    if !(vox.is_finite() && vox >= HEADER_SIZE as f32 && vox.fract() == 0.0) {
        return Err(invalid(
            file,
            format!("vox_offset {vox}: expected a whole number ≥ 348"),
        ));
    }
    let mut srow = [[0f32; 4]; 3];
    for (row, s) in srow.iter_mut().enumerate() {
        for (c, x) in s.iter_mut().enumerate() {
            *x = r.f32(280 + 16 * row + 4 * c);
        }
    }
    Ok(Header {
        dims,
        datatype: r.i16(70),
        bitpix: r.i16(72),
        pixdim,
        vox_offset: vox as usize,
        scl_slope: r.f32(112),
        scl_inter: r.f32(116),
        qform_code: r.i16(252),
        sform_code: r.i16(254),
        quatern: [r.f32(256), r.f32(260), r.f32(264)],
        qoffset: [r.f32(268), r.f32(272), r.f32(276)],
        srow,
        big_endian,
    })
}

/// The RAS affine of the header (sform if set, else qform) as rows of a 3 × 4 matrix.
fn ras_affine(h: &Header, file: &str) -> Result<[[f64; 4]; 3], NiftiError> {
    if h.sform_code > 0 {
        return Ok(sform_affine(h));
    }
    if h.qform_code > 0 {
        return Ok(qform_affine(h));
    }
    Err(invalid(
        file,
        "neither sform nor qform is set: the orientation is unknown",
    ))
}

/// The sform (srow_x, srow_y, srow_z) as rows of a 3 × 4 matrix.
fn sform_affine(h: &Header) -> [[f64; 4]; 3] {
    let mut m = [[0.0; 4]; 3];
    for r in 0..3 {
        for c in 0..4 {
            m[r][c] = f64::from(h.srow[r][c]);
        }
    }
    m
}

/// The qform (quaternion, qfac, pixdim, qoffset) as rows of a 3 × 4 matrix.
fn qform_affine(h: &Header) -> [[f64; 4]; 3] {
    // NIfTI-1 method 2 (nifti1.h): rotation from the quaternion (b, c, d), a ≥ 0.
    let [b, c, d] = h.quatern.map(f64::from);
    let a = (1.0 - (b * b + c * c + d * d)).max(0.0).sqrt();
    let rot = [
        [
            a * a + b * b - c * c - d * d,
            2.0 * (b * c - a * d),
            2.0 * (b * d + a * c),
        ],
        [
            2.0 * (b * c + a * d),
            a * a + c * c - b * b - d * d,
            2.0 * (c * d - a * b),
        ],
        [
            2.0 * (b * d - a * c),
            2.0 * (c * d + a * b),
            a * a + d * d - c * c - b * b,
        ],
    ];
    let qfac = if h.pixdim[0] < 0.0 { -1.0 } else { 1.0 };
    let scale = [
        f64::from(h.pixdim[1]),
        f64::from(h.pixdim[2]),
        qfac * f64::from(h.pixdim[3]),
    ];
    let mut m = [[0.0; 4]; 3];
    for r in 0..3 {
        for c in 0..3 {
            m[r][c] = rot[r][c] * scale[c];
        }
        m[r][3] = f64::from(h.qoffset[r]);
    }
    m
}

/// The header of a `.nii` or `.nii.gz` without its voxel data (only the header is
/// decompressed).
fn header_only(bytes: &[u8], file: &str) -> Result<Header, NiftiError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut b = Vec::with_capacity(HEADER_SIZE);
        GzDecoder::new(bytes)
            .take(HEADER_SIZE as u64)
            .read_to_end(&mut b)
            .map_err(|source| NiftiError::Gzip {
                file: file.to_owned(),
                source,
            })?;
        parse_header(&b, file)
    } else {
        parse_header(bytes, file)
    }
}

/// How far apart the qform and the sform of a file place the image (None unless both are set):
/// the file's header only is read.
pub fn qform_sform_difference(
    bytes: &[u8],
    file: &str,
) -> Result<Option<QformSformDifference>, NiftiError> {
    let h = header_only(bytes, file)?;
    if h.qform_code <= 0 || h.sform_code <= 0 {
        return Ok(None);
    }
    let (q, s) = (qform_affine(&h), sform_affine(&h));
    let apply = |m: &[[f64; 4]; 3], c: [f64; 3]| {
        [0, 1, 2].map(|r| m[r][0] * c[0] + m[r][1] * c[1] + m[r][2] * c[2] + m[r][3])
    };
    let mut worst: Option<QformSformDifference> = None;
    for corner in 0..8 {
        let c = [0, 1, 2].map(|a| {
            if corner >> a & 1 == 0 {
                -0.5
            } else {
                h.dims[a] as f64 - 0.5
            }
        });
        let (qp, sp) = (apply(&q, c), apply(&s, c));
        let d =
            ((qp[0] - sp[0]).powi(2) + (qp[1] - sp[1]).powi(2) + (qp[2] - sp[2]).powi(2)).sqrt();
        if worst.is_none_or(|w| d > w.distance_mm) {
            worst = Some(QformSformDifference {
                distance_mm: d,
                corner: c,
                qform_ras: qp,
                sform_ras: sp,
            });
        }
    }
    Ok(worst)
}

/// Refuses a file whose qform and sform are both set and differ by more than `max_mm` at a
/// corner of the image ([`NiftiError::QformSform`], with the numbers); a file with one of them
/// only, or both within `max_mm`, passes. [`read`] itself reads the sform when it is set.
pub fn check_qform_sform(bytes: &[u8], file: &str, max_mm: f64) -> Result<(), NiftiError> {
    match qform_sform_difference(bytes, file)? {
        Some(difference) if difference.distance_mm.is_nan() || difference.distance_mm > max_mm => {
            Err(NiftiError::QformSform {
                file: file.to_owned(),
                difference,
                max_mm,
            })
        }
        _ => Ok(()),
    }
}

/// The LPS grid of an affine: spacing = column norms, direction = normalised columns.
fn grid_of(h: &Header, file: &str, frame: FrameOfReference) -> Result<Grid, NiftiError> {
    let ras = ras_affine(h, file)?;
    // LPS = diag(−1, −1, 1) · RAS.
    let flip = [-1.0, -1.0, 1.0];
    let mut spacing = [0.0; 3];
    let mut direction = [[0.0; 3]; 3];
    for c in 0..3 {
        let col = [
            flip[0] * ras[0][c],
            flip[1] * ras[1][c],
            flip[2] * ras[2][c],
        ];
        let norm = (col[0] * col[0] + col[1] * col[1] + col[2] * col[2]).sqrt();
        if !(norm.is_finite() && norm > 0.0) {
            return Err(invalid(
                file,
                format!("the affine is singular (axis {c} has zero length)"),
            ));
        }
        spacing[c] = norm;
        direction[c] = [col[0] / norm, col[1] / norm, col[2] / norm];
    }
    let origin = PointLps::new(flip[0] * ras[0][3], flip[1] * ras[1][3], ras[2][3]);
    Grid::new(h.dims, spacing, origin, direction, frame)
        .map_err(|e| invalid(file, format!("affine not usable as a grid: {e}")))
}

/// The voxel values as f64, in file order, scaling applied when `scale`.
fn values(h: &Header, b: &[u8], file: &str, scale: bool) -> Result<Vec<f64>, NiftiError> {
    let n = h.dims[0]
        .checked_mul(h.dims[1])
        .and_then(|x| x.checked_mul(h.dims[2]))
        .ok_or_else(|| invalid(file, "dimensions overflow"))?;
    let (size, expected_bitpix) = match h.datatype {
        2 | 256 => (1, 8),
        4 | 512 => (2, 16),
        8 | 16 | 768 => (4, 32),
        64 => (8, 64),
        other => {
            return Err(invalid(
                file,
                format!(
                    "datatype {other} is not read (uint8, int8, int16, uint16, int32, uint32, float32, float64 are)"
                ),
            ));
        }
    };
    if h.bitpix != expected_bitpix {
        return Err(invalid(
            file,
            format!("bitpix {} does not match datatype {}", h.bitpix, h.datatype),
        ));
    }
    let need = n
        .checked_mul(size)
        .and_then(|x| x.checked_add(h.vox_offset))
        .ok_or_else(|| invalid(file, "size overflow"))?;
    if b.len() < need {
        return Err(invalid(
            file,
            format!(
                "truncated: {} bytes of voxel data expected, {} present",
                need - h.vox_offset,
                b.len().saturating_sub(h.vox_offset)
            ),
        ));
    }
    let data = &b[h.vox_offset..need];
    let be = h.big_endian;
    let mut out = Vec::with_capacity(n);
    for chunk in data.chunks_exact(size) {
        let v = match (h.datatype, be) {
            (2, _) => f64::from(chunk[0]),
            (256, _) => f64::from(chunk[0] as i8),
            (4, false) => f64::from(i16::from_le_bytes([chunk[0], chunk[1]])),
            (4, true) => f64::from(i16::from_be_bytes([chunk[0], chunk[1]])),
            (512, false) => f64::from(u16::from_le_bytes([chunk[0], chunk[1]])),
            (512, true) => f64::from(u16::from_be_bytes([chunk[0], chunk[1]])),
            (8, false) => f64::from(i32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]])),
            (8, true) => f64::from(i32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]])),
            (768, false) => f64::from(u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]])),
            (768, true) => f64::from(u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]])),
            (16, false) => f64::from(f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]])),
            (16, true) => f64::from(f32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]])),
            (_, false) => f64::from_le_bytes([
                chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7],
            ]),
            (_, true) => f64::from_be_bytes([
                chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7],
            ]),
        };
        out.push(v);
    }
    // scl_slope = 0 means "no scaling" (nifti1.h).
    if scale && h.scl_slope != 0.0 && h.scl_slope.is_finite() && h.scl_inter.is_finite() {
        let (m, c) = (f64::from(h.scl_slope), f64::from(h.scl_inter));
        for v in &mut out {
            *v = *v * m + c;
        }
    }
    Ok(out)
}

/// Reads an image; `file` names it in errors, `frame` is its frame of reference (NIfTI has none).
pub fn read(bytes: &[u8], file: &str, frame: FrameOfReference) -> Result<Image<f32>, NiftiError> {
    let b = raw_bytes(bytes, file)?;
    let h = parse_header(&b, file)?;
    let grid = grid_of(&h, file, frame)?;
    let v = values(&h, &b, file, true)?;
    Image::new(grid, v.into_iter().map(|x| x as f32).collect()).map_err(image_error(file))
}

/// Reads an integer label map (no scaling; values must be whole numbers from 0 to 65535).
pub fn read_labels(
    bytes: &[u8],
    file: &str,
    frame: FrameOfReference,
) -> Result<Image<u16>, NiftiError> {
    let b = raw_bytes(bytes, file)?;
    let h = parse_header(&b, file)?;
    if matches!(h.datatype, 16 | 64) {
        return Err(invalid(
            file,
            "a label map must have an integer datatype, found floating point",
        ));
    }
    let grid = grid_of(&h, file, frame)?;
    let v = values(&h, &b, file, false)?;
    let mut labels = Vec::with_capacity(v.len());
    for (n, x) in v.into_iter().enumerate() {
        if !(0.0..=65535.0).contains(&x) {
            return Err(invalid(
                file,
                format!("label {x} at voxel {n} is outside 0 to 65535"),
            ));
        }
        labels.push(x as u16);
    }
    Image::new(grid, labels).map_err(image_error(file))
}

/// Quaternion (b, c, d) and qfac of the rotation part of a RAS direction matrix (columns).
fn quaternion(cols: [[f64; 3]; 3]) -> ([f64; 3], f64) {
    // Rows of R from the columns.
    let mut r = [[0.0; 3]; 3];
    for (c, col) in cols.iter().enumerate() {
        for row in 0..3 {
            r[row][c] = col[row];
        }
    }
    let det = r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1])
        - r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0])
        + r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
    let qfac = if det < 0.0 { -1.0 } else { 1.0 };
    if qfac < 0.0 {
        for row in &mut r {
            row[2] = -row[2];
        }
    }
    // mat44_to_quatern of nifti1_io.c.
    let trace1 = r[0][0] + r[1][1] + r[2][2] + 1.0;
    let (a, b, c, d): (f64, f64, f64, f64);
    if trace1 > 0.5 {
        let aa = 0.5 * trace1.sqrt();
        a = aa;
        b = 0.25 * (r[2][1] - r[1][2]) / aa;
        c = 0.25 * (r[0][2] - r[2][0]) / aa;
        d = 0.25 * (r[1][0] - r[0][1]) / aa;
    } else {
        let xd = 1.0 + r[0][0] - (r[1][1] + r[2][2]);
        let yd = 1.0 + r[1][1] - (r[0][0] + r[2][2]);
        let zd = 1.0 + r[2][2] - (r[0][0] + r[1][1]);
        if xd > 1.0 {
            let bb = 0.5 * xd.sqrt();
            b = bb;
            c = 0.25 * (r[0][1] + r[1][0]) / bb;
            d = 0.25 * (r[0][2] + r[2][0]) / bb;
            a = 0.25 * (r[2][1] - r[1][2]) / bb;
        } else if yd > 1.0 {
            let cc = 0.5 * yd.sqrt();
            c = cc;
            b = 0.25 * (r[0][1] + r[1][0]) / cc;
            d = 0.25 * (r[1][2] + r[2][1]) / cc;
            a = 0.25 * (r[0][2] - r[2][0]) / cc;
        } else {
            let dd = 0.5 * zd.sqrt();
            d = dd;
            b = 0.25 * (r[0][2] + r[2][0]) / dd;
            c = 0.25 * (r[1][2] + r[2][1]) / dd;
            a = 0.25 * (r[1][0] - r[0][1]) / dd;
        }
    }
    // Keep a ≥ 0 (the quaternion and its negative are the same rotation).
    if a < 0.0 {
        ([-b, -c, -d], qfac)
    } else {
        ([b, c, d], qfac)
    }
}

fn encode(
    grid: &Grid,
    datatype: i16,
    bitpix: i16,
    data: Vec<u8>,
    gzip: bool,
) -> Result<Vec<u8>, NiftiError> {
    let mut h = vec![0u8; VOX_OFFSET];
    let put_i16 =
        |h: &mut Vec<u8>, at: usize, v: i16| h[at..at + 2].copy_from_slice(&v.to_le_bytes());
    let put_i32 =
        |h: &mut Vec<u8>, at: usize, v: i32| h[at..at + 4].copy_from_slice(&v.to_le_bytes());
    let put_f32 =
        |h: &mut Vec<u8>, at: usize, v: f32| h[at..at + 4].copy_from_slice(&v.to_le_bytes());
    put_i32(&mut h, 0, HEADER_SIZE as i32);
    put_i16(&mut h, 40, 3);
    for (d, &n) in grid.dims.iter().enumerate() {
        let n = i16::try_from(n).map_err(|_| {
            NiftiError::Write(format!("dimension {n} exceeds the NIfTI-1 limit 32767"))
        })?;
        put_i16(&mut h, 42 + 2 * d, n);
    }
    for d in 3..7 {
        put_i16(&mut h, 42 + 2 * d, 1);
    }
    put_i16(&mut h, 70, datatype);
    put_i16(&mut h, 72, bitpix);
    // RAS direction columns and the quaternion.
    let flip = [-1.0, -1.0, 1.0];
    let ras_cols = grid
        .direction
        .map(|c| [flip[0] * c[0], flip[1] * c[1], flip[2] * c[2]]);
    let (q, qfac) = quaternion(ras_cols);
    put_f32(&mut h, 76, qfac as f32);
    for (d, &s) in grid.spacing_mm.iter().enumerate() {
        put_f32(&mut h, 80 + 4 * d, s as f32);
    }
    for d in 4..8 {
        put_f32(&mut h, 76 + 4 * d, 1.0);
    }
    put_f32(&mut h, 108, VOX_OFFSET as f32);
    put_f32(&mut h, 112, 1.0);
    put_f32(&mut h, 116, 0.0);
    h[123] = 2; // xyzt_units: mm
    let descrip = b"sirtplan (research use only)";
    h[148..148 + descrip.len()].copy_from_slice(descrip);
    put_i16(&mut h, 252, XFORM_SCANNER_ANAT);
    put_i16(&mut h, 254, XFORM_SCANNER_ANAT);
    let origin_ras = [
        flip[0] * grid.origin.x,
        flip[1] * grid.origin.y,
        grid.origin.z,
    ];
    for c in 0..3 {
        put_f32(&mut h, 256 + 4 * c, q[c] as f32);
        put_f32(&mut h, 268 + 4 * c, origin_ras[c] as f32);
    }
    for row in 0..3 {
        for c in 0..3 {
            put_f32(
                &mut h,
                280 + 16 * row + 4 * c,
                (ras_cols[c][row] * grid.spacing_mm[c]) as f32,
            );
        }
        put_f32(&mut h, 280 + 16 * row + 12, origin_ras[row] as f32);
    }
    h[344..348].copy_from_slice(b"n+1\0");
    h.extend_from_slice(&data);
    if !gzip {
        return Ok(h);
    }
    let mut e = GzEncoder::new(Vec::new(), Compression::new(6));
    e.write_all(&h).map_err(NiftiError::WriteGzip)?;
    e.finish().map_err(NiftiError::WriteGzip)
}

/// Writes an image as float32 NIfTI-1 (`gzip` for `.nii.gz`).
pub fn write(image: &Image<f32>, gzip: bool) -> Result<Vec<u8>, NiftiError> {
    let data: Vec<u8> = image.data().iter().flat_map(|v| v.to_le_bytes()).collect();
    encode(image.grid(), 16, 32, data, gzip)
}

/// Writes an image of whole numbers (CT in HU) as int16 NIfTI-1: half the bytes of float32, the
/// same values. Refused (naming the voxel) when a value is not a whole number in the int16 range,
/// so nothing is rounded or clipped silently: such an image is written with [`write`].
pub fn write_int16(image: &Image<f32>, gzip: bool) -> Result<Vec<u8>, NiftiError> {
    let mut data = Vec::with_capacity(image.data().len() * 2);
    for (i, &v) in image.data().iter().enumerate() {
        if v.fract() != 0.0 || !(f32::from(i16::MIN)..=f32::from(i16::MAX)).contains(&v) {
            return Err(NiftiError::Write(format!(
                "voxel {i}: expected a whole number within -32768..=32767 for int16, found {v}"
            )));
        }
        // Exact: a whole number within the i16 range.
        #[allow(clippy::cast_possible_truncation)]
        data.extend_from_slice(&(v as i16).to_le_bytes());
    }
    encode(image.grid(), 4, 16, data, gzip)
}

/// Writes a label map as uint16 NIfTI-1.
pub fn write_labels(labels: &Image<u16>, gzip: bool) -> Result<Vec<u8>, NiftiError> {
    let data: Vec<u8> = labels.data().iter().flat_map(|v| v.to_le_bytes()).collect();
    encode(labels.grid(), 512, 16, data, gzip)
}
