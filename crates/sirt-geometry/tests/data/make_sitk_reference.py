"""Reference resampling by SimpleITK (ITK 5.4) for sirt-geometry's tests.

Run: python3 make_sitk_reference.py > sitk_resample_reference.json
The source image is oblique; the target grid is axis aligned and in another frame; the transform
maps target-frame points to source-frame points (ITK's resampling convention = our
`source_from_target`). Outputs are listed with i fastest, then j, then k.
"""
import json
import math

import numpy as np
import SimpleITK as sitk


def rotation(axis, angle):
    x, y, z = np.array(axis, float) / np.linalg.norm(axis)
    s, c = math.sin(angle), math.cos(angle)
    t = 1 - c
    return np.array([
        [t * x * x + c, t * x * y - s * z, t * x * z + s * y],
        [t * x * y + s * z, t * y * y + c, t * y * z - s * x],
        [t * x * z - s * y, t * y * z + s * x, t * z * z + c],
    ])


src_dims = (12, 10, 8)
src_spacing = (2.0, 1.5, 3.0)
src_origin = (-10.0, 5.0, 20.0)
src_dir = rotation((1.0, -0.5, 0.3), 0.35)  # columns = axis directions
values = np.zeros(src_dims[::-1])
for k in range(src_dims[2]):
    for j in range(src_dims[1]):
        for i in range(src_dims[0]):
            values[k, j, i] = (i * 7 + j * 13 + k * 29) % 17 + 0.25 * i
src = sitk.GetImageFromArray(values)
src.SetSpacing(src_spacing)
src.SetOrigin(src_origin)
src.SetDirection(tuple(src_dir.flatten()))  # row-major 3x3, columns are the axes

tgt_dims = (9, 9, 6)
tgt_spacing = (2.5, 2.5, 2.5)
tgt_origin = (-8.0, 3.0, 18.0)

rot = rotation((0.3, 0.2, 1.0), 0.2)
translation = (1.2, -0.7, 2.1)
tx = sitk.AffineTransform(3)
tx.SetMatrix(tuple(rot.flatten()))
tx.SetTranslation(translation)

out = {}
for name, interp in (("linear", sitk.sitkLinear), ("nearest", sitk.sitkNearestNeighbor)):
    r = sitk.ResampleImageFilter()
    r.SetSize(tgt_dims)
    r.SetOutputSpacing(tgt_spacing)
    r.SetOutputOrigin(tgt_origin)
    r.SetOutputDirection((1, 0, 0, 0, 1, 0, 0, 0, 1))
    r.SetTransform(tx)
    r.SetInterpolator(interp)
    r.SetDefaultPixelValue(-1.0)
    r.SetOutputPixelType(sitk.sitkFloat64)
    out[name] = sitk.GetArrayFromImage(r.Execute(src)).flatten().tolist()

print(json.dumps({
    "provenance": f"SimpleITK {sitk.Version.VersionString()} ResampleImageFilter, make_sitk_reference.py",
    "source": {"dims": src_dims, "spacing": src_spacing, "origin": src_origin,
               "direction_columns": src_dir.T.tolist(), "values": values.flatten().tolist()},
    "target": {"dims": tgt_dims, "spacing": tgt_spacing, "origin": tgt_origin},
    "target_to_source": {"rotation_rows": rot.tolist(), "translation": translation},
    "default": -1.0,
    "linear": out["linear"],
    "nearest": out["nearest"],
}))
