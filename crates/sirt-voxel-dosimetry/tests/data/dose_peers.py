"""Peers for the dose outputs of sirtplan (crates/sirt-voxel-dosimetry/tests/dose_out_peers.rs).

    python3 dose_peers.py probe-dicompyler        exits 0 when pydicom and dicompyler-core work
    python3 dose_peers.py probe-pydicom           exits 0 when pydicom and numpy work
    python3 dose_peers.py probe-nibabel           exits 0 when nibabel works
    python3 dose_peers.py dvh RTSTRUCT RTDOSE     JSON: each ROI's DVH by dicompyler-core
    python3 dose_peers.py rtdose RTDOSE OUT.f64   JSON: RT Dose attributes by pydicom; writes
                                                  pixel x DoseGridScaling (Gy) as float64, frame
                                                  by frame, row by row (file order)
    python3 dose_peers.py nifti FILE OUT.f32      JSON: header and affine by nibabel; writes the
                                                  data as float32 with i fastest (sirtplan order)

dicompyler-core 0.5.6 imports `pydicom.dicomio.read_file`, which pydicom 3 removed (its
`dcmread` takes the same arguments); the alias below lets it run next to pydicom 3, which the
other peer tests use. Nothing else of dicompyler-core needs changing.
"""

import json
import sys


def dicompyler():
    import pydicom
    import pydicom.dicomio

    if not hasattr(pydicom.dicomio, "read_file"):
        pydicom.dicomio.read_file = pydicom.dcmread
    from dicompylercore import dicomparser, dvhcalc

    return dicomparser, dvhcalc


def dvh(rtstruct, rtdose):
    import dicompylercore

    dicomparser, dvhcalc = dicompyler()
    structures = dicomparser.DicomParser(rtstruct).GetStructures()
    out = {"dicompyler_core": dicompylercore.__version__, "rois": []}
    for number, s in sorted(structures.items()):
        d = dvhcalc.get_dvh(rtstruct, rtdose, number)
        stat = lambda name: float(d.statistic(name).value)
        out["rois"].append(
            {
                "number": int(number),
                "name": s["name"],
                "volume_cc": float(d.volume),
                "mean_gy": float(d.mean),
                "min_gy": float(d.min),
                "max_gy": float(d.max),
                "d90_gy": stat("D90"),
                "d95_gy": stat("D95"),
                "bin_gy": float(d.bins[1] - d.bins[0]) if len(d.bins) > 1 else None,
            }
        )
    return out


def rtdose(path, out):
    import numpy as np
    import pydicom

    ds = pydicom.dcmread(path)
    scaling = float(ds.DoseGridScaling)
    gy = ds.pixel_array.astype(np.float64) * scaling
    if gy.ndim == 2:
        gy = gy[np.newaxis]
    gy.astype("<f8").tofile(out)
    return {
        "pydicom": pydicom.__version__,
        "modality": str(ds.Modality),
        "dose_units": str(ds.DoseUnits),
        "dose_type": str(ds.DoseType),
        "summation_type": str(ds.DoseSummationType),
        "bits_allocated": int(ds.BitsAllocated),
        "scaling": scaling,
        "shape": list(gy.shape),
        "position": [float(v) for v in ds.ImagePositionPatient],
        "orientation": [float(v) for v in ds.ImageOrientationPatient],
        "pixel_spacing": [float(v) for v in ds.PixelSpacing],
        "frame_offsets": [float(v) for v in ds.GridFrameOffsetVector],
        "frame_of_reference": str(ds.FrameOfReferenceUID),
    }


def nifti(path, out):
    import nibabel as nib
    import numpy as np

    img = nib.load(path)
    data = np.asarray(img.dataobj)
    data.astype("<f4").ravel(order="F").tofile(out)
    hdr = img.header
    return {
        "nibabel": nib.__version__,
        "dtype": str(img.get_data_dtype()),
        "array_dtype": str(data.dtype),
        "shape": list(data.shape),
        "affine": img.affine.tolist(),
        "qform_code": int(hdr["qform_code"]),
        "sform_code": int(hdr["sform_code"]),
        "spatial_unit": hdr.get_xyzt_units()[0],
        "slope_inter": [None if v is None else float(v) for v in hdr.get_slope_inter()],
        "descrip": hdr["descrip"].tobytes().rstrip(b"\0").decode("ascii", "replace"),
    }


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "probe-dicompyler":
        dicompyler()
        return 0
    if cmd == "probe-pydicom":
        import numpy  # noqa: F401
        import pydicom  # noqa: F401

        return 0
    if cmd == "probe-nibabel":
        import nibabel  # noqa: F401

        return 0
    if cmd == "dvh":
        print(json.dumps(dvh(argv[2], argv[3])))
        return 0
    if cmd == "rtdose":
        print(json.dumps(rtdose(argv[2], argv[3])))
        return 0
    if cmd == "nifti":
        print(json.dumps(nifti(argv[2], argv[3])))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
