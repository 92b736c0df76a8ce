"""Peers of benches/load_series.rs on the same CT series folder:
SimpleITK ImageSeriesReader (2 threads) and pydicom + numpy (HU volume, sorted along the normal).
Run: python3 crates/sirt-dicom/benches/peer_load_series.py DIR/dicom/ct"""
import os
import sys
import time

import numpy as np
import pydicom
import SimpleITK as sitk

d = sys.argv[1]
files = sorted(os.path.join(d, f) for f in os.listdir(d))


def sitk_load():
    r = sitk.ImageSeriesReader()
    r.SetFileNames(sitk.ImageSeriesReader.GetGDCMSeriesFileNames(d))
    r.SetNumberOfThreads(2)
    return sitk.GetArrayFromImage(r.Execute())


def pydicom_load():
    ds = [pydicom.dcmread(f) for f in files]
    n = np.cross(np.array(ds[0].ImageOrientationPatient[:3], float), np.array(ds[0].ImageOrientationPatient[3:], float))
    ds.sort(key=lambda x: float(np.dot(n, np.array(x.ImagePositionPatient, float))))
    return np.stack([x.pixel_array * float(x.RescaleSlope) + float(x.RescaleIntercept) for x in ds]).astype(np.float32)


for name, f in (("SimpleITK " + sitk.Version.VersionString(), sitk_load), ("pydicom " + pydicom.__version__ + " + numpy", pydicom_load)):
    f()
    ts = []
    for _ in range(5):
        t = time.perf_counter()
        v = f()
        ts.append(time.perf_counter() - t)
    print(f"{name}: median {1000 * sorted(ts)[2]:.0f} ms for {v.shape}")
