"""Peer of benches/resample.rs (`resample_linear_ct_512x512x300_to_spect_4mm`): SimpleITK's
ResampleImageFilter (trilinear, 2 threads) on the same sizes, values and transform.

Source: 512 x 512 x 300 float32 image, 0.78 x 0.78 x 1.25 mm, first voxel at (-200, -200, -180),
values (n % 1000) with n the linear index (i fastest); target: 100 x 100 x 94 voxels of 4 mm,
first voxel at (-198, -198, -178); transform: a translation of (1.5, -2, 3) mm from target-frame
points to source-frame points (ITK's resampling convention = sirt-geometry's `ct_from_spect`),
outside value -1000, float32 output.
Run: python3 crates/sirt-geometry/benches/peer_resample.py [repeats]"""
import sys
import time

import numpy as np
import SimpleITK as sitk

repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 21
values = (np.arange(512 * 512 * 300, dtype=np.int64) % 1000).astype(np.float32).reshape(300, 512, 512)
ct = sitk.GetImageFromArray(values)
ct.SetSpacing((0.78, 0.78, 1.25))
ct.SetOrigin((-200.0, -200.0, -180.0))
tx = sitk.TranslationTransform(3, (1.5, -2.0, 3.0))

r = sitk.ResampleImageFilter()
r.SetSize((100, 100, 94))
r.SetOutputSpacing((4.0, 4.0, 4.0))
r.SetOutputOrigin((-198.0, -198.0, -178.0))
r.SetOutputDirection((1, 0, 0, 0, 1, 0, 0, 0, 1))
r.SetTransform(tx)
r.SetInterpolator(sitk.sitkLinear)
r.SetDefaultPixelValue(-1000.0)
r.SetOutputPixelType(sitk.sitkFloat32)
r.SetNumberOfThreads(2)

out = r.Execute(ct)
ts = []
for _ in range(repeats):
    t = time.perf_counter()
    out = r.Execute(ct)
    ts.append(time.perf_counter() - t)
ts.sort()
print(f"SimpleITK {sitk.Version.VersionString()} ResampleImageFilter linear, 2 threads: "
      f"median {1000 * ts[len(ts) // 2]:.1f} ms (min {1000 * ts[0]:.1f}) over {repeats} runs, "
      f"output {out.GetSize()}")
