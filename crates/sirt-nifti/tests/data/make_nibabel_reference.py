"""NIfTI files written by nibabel, and what nibabel reads from them, for sirt-nifti's tests.

Run in this folder: python3 make_nibabel_reference.py   (writes *.nii[.gz] and nibabel_reference.json)
For each file: the best affine nibabel uses (sform if its code > 0, else qform), the LPS position of a
few voxels (x and y of nibabel's RAS negated), and voxel values after scaling.
"""
import json
import math

import nibabel as nib
import numpy as np


def rot(axis, angle):
    x, y, z = np.array(axis, float) / np.linalg.norm(axis)
    s, c = math.sin(angle), math.cos(angle)
    t = 1 - c
    return np.array([[t*x*x+c, t*x*y-s*z, t*x*z+s*y], [t*x*y+s*z, t*y*y+c, t*y*z-s*x], [t*x*z-s*y, t*y*z+s*x, t*z*z+c]])


def affine(r, spacing, origin):
    a = np.eye(4)
    a[:3, :3] = r @ np.diag(spacing)
    a[:3, 3] = origin
    return a


rng = np.random.default_rng(7)
cases = []

# 1. Oblique, sform and qform, float32, gzip.
shape = (6, 5, 4)
aff = affine(rot((1, 2, 0.5), 0.4), (1.5, 2.0, 3.0), (-20.0, 35.5, 12.25))
data = rng.normal(size=shape).astype(np.float32)
img = nib.Nifti1Image(data, aff)
img.set_qform(aff, code=1)
img.set_sform(aff, code=2)
nib.save(img, "oblique_sform.nii.gz")
cases.append("oblique_sform.nii.gz")

# 2. qform only, left-handed (qfac = -1), int16 with scl_slope/inter.
shape = (4, 3, 5)
r = rot((0, 0, 1), 0.3) @ np.diag([1, 1, -1])
aff = affine(r, (0.8, 0.8, 2.5), (100.0, -50.0, 7.0))
data = rng.integers(-100, 100, size=shape).astype(np.int16)
img = nib.Nifti1Image(data, None)
img.set_qform(aff, code=1)
img.set_sform(None, code=0)
img.header.set_slope_inter(2.0, -100.0)
nib.save(img, "qform_lefthanded_scaled.nii")
cases.append("qform_lefthanded_scaled.nii")

# 3. Label map, uint8, LAS-like axis flip, sform only.
shape = (5, 5, 3)
aff = affine(np.diag([-1.0, 1.0, 1.0]), (2.0, 2.0, 2.0), (4.0, -4.0, 0.0))
data = rng.integers(0, 4, size=shape).astype(np.uint8)
img = nib.Nifti1Image(data, aff)
img.set_qform(None, code=0)
img.set_sform(aff, code=1)
nib.save(img, "labels_las.nii")
cases.append("labels_las.nii")

# 4. Big-endian float64.
shape = (3, 3, 3)
aff = affine(rot((0.2, 1, 0), -0.7), (1.0, 1.25, 1.5), (0.0, 0.0, -30.0))
data = rng.normal(size=shape)
hdr = nib.Nifti1Header(endianness=">")
hdr.set_data_dtype(">f8")
img = nib.Nifti1Image(data, aff, header=hdr)
nib.save(img, "bigendian_f64.nii")
cases.append("bigendian_f64.nii")

out = {"provenance": f"nibabel {nib.__version__}, numpy {np.__version__}, make_nibabel_reference.py", "files": {}}
for name in cases:
    img = nib.load(name)
    a = img.affine
    d = np.asarray(img.dataobj, dtype=np.float64)  # scaled, as get_fdata
    shape = d.shape
    probes = [(0, 0, 0), (1, 2, 3 % shape[2]), tuple(s - 1 for s in shape)]
    pts = []
    for (i, j, k) in probes:
        ras = a @ np.array([i, j, k, 1.0])
        pts.append({"ijk": [i, j, k], "lps": [-ras[0], -ras[1], ras[2]], "value": float(d[i, j, k])})
    out["files"][name] = {"shape": list(shape), "probes": pts, "sum": float(d.sum())}
with open("nibabel_reference.json", "w") as f:
    json.dump(out, f, indent=1)
print("ok")
