#!/usr/bin/env python3
"""Reference values for tests/dicom_peer.rs, computed with pydicom + numpy on the same files.

Run from this folder:  python3 make_pydicom_reference.py > pydicom_reference.json
(pydicom 3.0.2, numpy 2.4 were used; `pip install pydicom numpy`.)

Geometry follows docs/coordinates.md: origin = Image Position (Patient) of the first slice after
sorting along n = row x column cosines, spacing = (PixelSpacing[1], PixelSpacing[0], slice
spacing), direction columns = (row cosines, column cosines, n); voxel (i, j, k) = column i,
row j, slice k.
"""

import json

import numpy as np
import pydicom
from pydicom.pixels import apply_modality_lut


def geometry(ds, positions_along_n, origin):
    iop = [float(x) for x in ds.ImageOrientationPatient]
    row, col = np.array(iop[:3]), np.array(iop[3:])
    n = np.cross(row, col)
    ps = [float(x) for x in ds.PixelSpacing]
    if len(positions_along_n) > 1:
        dz = (positions_along_n[-1] - positions_along_n[0]) / (len(positions_along_n) - 1)
    else:
        dz = float(ds.SliceThickness)
    return {
        "origin": [float(x) for x in origin],
        "spacing": [ps[1], ps[0], dz],
        "direction_columns": [row.tolist(), col.tolist(), n.tolist()],
        "frame_of_reference": str(ds.FrameOfReferenceUID),
    }


def voxels(vol, picks):
    """vol indexed [k][j][i]; picks are (i, j, k)."""
    return [{"ijk": list(p), "value": float(vol[p[2], p[1], p[0]])} for p in picks]


def ct_series(files, picks):
    dss = [pydicom.dcmread(f) for f in files]
    iop = [float(x) for x in dss[0].ImageOrientationPatient]
    n = np.cross(iop[:3], iop[3:])
    dss.sort(key=lambda d: float(np.dot(n, [float(x) for x in d.ImagePositionPatient])))
    pos = [float(np.dot(n, [float(x) for x in d.ImagePositionPatient])) for d in dss]
    vol = np.stack([apply_modality_lut(d.pixel_array, d).astype(np.float64) for d in dss])
    out = geometry(dss[0], pos, [float(x) for x in dss[0].ImagePositionPatient])
    out.update(
        {
            "files_in_order": [str(d.filename) for d in dss],
            "dims": [int(dss[0].Columns), int(dss[0].Rows), len(dss)],
            "sum": float(vol.sum()),
            "min": float(vol.min()),
            "max": float(vol.max()),
            "mean": float(vol.mean()),
            "voxels": voxels(vol, picks),
        }
    )
    return out


def rt_dose(file, picks):
    ds = pydicom.dcmread(file)
    iop = [float(x) for x in ds.ImageOrientationPatient]
    n = np.cross(iop[:3], iop[3:])
    ipp = np.array([float(x) for x in ds.ImagePositionPatient])
    offsets = [float(x) for x in ds.GridFrameOffsetVector]
    assert offsets[0] == 0.0 and all(b > a for a, b in zip(offsets, offsets[1:]))
    vol = ds.pixel_array.astype(np.float64) * float(ds.DoseGridScaling)
    if vol.ndim == 2:
        vol = vol[None]
    out = geometry(ds, offsets, ipp + offsets[0] * n)
    out.update(
        {
            "dims": [int(ds.Columns), int(ds.Rows), int(ds.NumberOfFrames)],
            "units": str(ds.DoseUnits),
            "bits_allocated": int(ds.BitsAllocated),
            "scaling": float(ds.DoseGridScaling),
            "sum": float(vol.sum()),
            "max": float(vol.max()),
            "argmax_ijk": [int(x) for x in np.unravel_index(np.argmax(vol), vol.shape)[::-1]],
            "nonzero": int(np.count_nonzero(vol)),
            "voxels": voxels(vol, picks),
        }
    )
    return out


def rt_struct(file, force=False):
    ds = pydicom.dcmread(file, force=force)
    names = {int(r.ROINumber): str(r.ROIName) for r in ds.StructureSetROISequence}
    rois = []
    for rc in ds.ROIContourSequence:
        cs = getattr(rc, "ContourSequence", [])
        rois.append(
            {
                "number": int(rc.ReferencedROINumber),
                "name": names[int(rc.ReferencedROINumber)],
                "contours": len(cs),
                "points": int(sum(len(c.ContourData) // 3 for c in cs)),
                "types": sorted({str(c.ContourGeometricType) for c in cs}),
            }
        )
    for num, name in names.items():
        if not any(r["number"] == num for r in rois):
            rois.append({"number": num, "name": name, "contours": 0, "points": 0, "types": []})
    rois.sort(key=lambda r: r["number"])
    return {"file_meta": hasattr(ds, "file_meta") and "TransferSyntaxUID" in ds.file_meta, "rois": rois}


ref = {
    "generator": f"pydicom {pydicom.__version__}, numpy {np.__version__}",
    "dcmqi_ct": ct_series(
        [f"dcmqi/ct-3slice_0{i}.dcm" for i in (1, 2, 3)],
        [(0, 0, 0), (256, 256, 0), (256, 256, 1), (300, 200, 2), (511, 511, 2), (100, 400, 1)],
    ),
    "pydicom_ct_small": ct_series(["pydicom/CT_small.dcm"], [(0, 0, 0), (64, 64, 0), (127, 100, 0)]),
    "dicompyler_dose": rt_dose(
        "dicompyler/rtdose.dcm", [(0, 0, 0), (97, 64, 49), (120, 70, 40), (150, 30, 60), (193, 128, 97)]
    ),
    "pydicom_dose": rt_dose("pydicom/rtdose.dcm", [(0, 0, 0), (5, 5, 7), (9, 9, 14)]),
    "dicompyler_rtss": rt_struct("dicompyler/rtss.dcm"),
    "pydicom_rtstruct": rt_struct("pydicom/rtstruct.dcm", force=True),
}
print(json.dumps(ref, indent=1))
