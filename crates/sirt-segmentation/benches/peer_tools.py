"""Peer of benches/tools.rs: SimpleITK on the same Large phantom CT in the same run.

- ConnectedThreshold (face connectivity) from the same seeds (voxel indices i,j,k) and bounds;
  the grown mask is written to OUT_U8 (compared voxel for voxel by the bench);
- BinaryThreshold of one 512 x 512 slice (the threshold preview), inside and outside values 1/0.

Times are medians of REPEATS runs of Execute alone (array conversions excluded).
Usage: python3 peer_tools.py CT_F32 nx ny nz LO HI PREVIEW_LO PREVIEW_HI SLICE REPEATS OUT_U8 i,j,k ..."""
import sys
import time

import numpy as np
import SimpleITK as sitk


def median_ms(f, repeats):
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    ts.sort()
    return 1000 * ts[len(ts) // 2], 1000 * ts[0]


def main(argv):
    path, nx, ny, nz, lo, hi, plo, phi, k, repeats, out = argv[1:12]
    nx, ny, nz, k, repeats = int(nx), int(ny), int(nz), int(k), int(repeats)
    seeds = [tuple(int(v) for v in s.split(",")) for s in argv[12:]]
    ct = np.fromfile(path, dtype="<f4").reshape(nz, ny, nx)
    img = sitk.GetImageFromArray(ct)
    f = sitk.ConnectedThresholdImageFilter()
    f.SetLower(float(lo))
    f.SetUpper(float(hi))
    f.SetSeedList(seeds)
    f.SetReplaceValue(1)
    f.SetConnectivity(f.FaceConnectivity)
    res = f.Execute(img)
    sitk.GetArrayFromImage(res).astype(np.uint8).tofile(out)
    med, low = median_ms(lambda: f.Execute(img), repeats)
    print(f"ConnectedThreshold SimpleITK {sitk.Version.VersionString()}: median {med:.1f} ms "
          f"(min {low:.1f})")
    sl = sitk.GetImageFromArray(np.ascontiguousarray(ct[k]))
    b = sitk.BinaryThresholdImageFilter()
    b.SetLowerThreshold(float(plo))
    b.SetUpperThreshold(float(phi))
    b.SetInsideValue(1)
    b.SetOutsideValue(0)
    b.SetNumberOfThreads(2)
    med, low = median_ms(lambda: b.Execute(sl), repeats)
    print(f"BinaryThreshold of slice {k}, 2 threads: median {med:.3f} ms (min {low:.3f})")


if __name__ == "__main__":
    main(sys.argv)
