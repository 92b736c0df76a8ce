"""Peer of crates/sirt-segmentation/tests/peer.rs: scipy.ndimage and SimpleITK on the same
inputs, raw little-endian arrays in memory order i fastest (numpy shape (nz, ny, nx)).

Usage:
  python3 peer_ndimage.py probe
  python3 peer_ndimage.py label    MASK_U8 nx ny nz CONN(6|26) OUT_I32
  python3 peer_ndimage.py sqedt    MASK_U8 nx ny nz sx sy sz OUT_F64
      squared distance (mm^2) of every voxel to the nearest voxel of the mask
  python3 peer_ndimage.py margin   MASK_U8 nx ny nz sx sy sz R(mm) grow|shrink TOL OUT_U8
      grow: edt(~mask)^2 <= R^2 + TOL; shrink: edt(mask)^2 > R^2 + TOL
  python3 peer_ndimage.py fill     MASK_U8 nx ny nz OUT_U8
  python3 peer_ndimage.py fill2d   MASK_U8 nx ny nz OUT_U8     (binary_fill_holes of each slice)
  python3 peer_ndimage.py connected IMG_F32 nx ny nz LO HI CONN(6|26) OUT_U8 i,j,k [i,j,k ...]
      SimpleITK ConnectedThreshold, seeds as voxel indices
Prints one line of JSON facts on stdout."""
import json
import sys

import numpy as np


def load(path, dtype, nx, ny, nz):
    return np.fromfile(path, dtype=dtype).reshape(nz, ny, nx)


def main(argv):
    cmd = argv[1]
    if cmd == "probe":
        import scipy.ndimage  # noqa: F401
        import SimpleITK  # noqa: F401
        print(json.dumps({"ok": True}))
        return
    from scipy import ndimage

    if cmd == "label":
        _, _, path, nx, ny, nz, conn, out = argv
        m = load(path, np.uint8, int(nx), int(ny), int(nz)).astype(bool)
        structure = ndimage.generate_binary_structure(3, 1 if conn == "6" else 3)
        labels, n = ndimage.label(m, structure=structure)
        labels.astype("<i4").tofile(out)
        sizes = np.bincount(labels.ravel())[1:]
        print(json.dumps({"count": int(n), "sizes": sorted(int(s) for s in sizes)}))
    elif cmd == "sqedt":
        _, _, path, nx, ny, nz, sx, sy, sz, out = argv
        m = load(path, np.uint8, int(nx), int(ny), int(nz)).astype(bool)
        d = ndimage.distance_transform_edt(~m, sampling=(float(sz), float(sy), float(sx)))
        (d.astype("<f8") ** 2).tofile(out)
        print(json.dumps({"max": float(d.max())}))
    elif cmd == "margin":
        _, _, path, nx, ny, nz, sx, sy, sz, r, kind, tol, out = argv
        m = load(path, np.uint8, int(nx), int(ny), int(nz)).astype(bool)
        sampling = (float(sz), float(sy), float(sx))
        limit = float(r) ** 2 + float(tol)
        if kind == "grow":
            res = ndimage.distance_transform_edt(~m, sampling=sampling) ** 2 <= limit
        else:
            res = ndimage.distance_transform_edt(m, sampling=sampling) ** 2 > limit
        res.astype(np.uint8).tofile(out)
        print(json.dumps({"count": int(res.sum())}))
    elif cmd == "fill":
        _, _, path, nx, ny, nz, out = argv
        m = load(path, np.uint8, int(nx), int(ny), int(nz)).astype(bool)
        res = ndimage.binary_fill_holes(m)
        res.astype(np.uint8).tofile(out)
        print(json.dumps({"count": int(res.sum())}))
    elif cmd == "fill2d":
        _, _, path, nx, ny, nz, out = argv
        m = load(path, np.uint8, int(nx), int(ny), int(nz)).astype(bool)
        res = np.stack([ndimage.binary_fill_holes(s) for s in m])
        res.astype(np.uint8).tofile(out)
        print(json.dumps({"count": int(res.sum())}))
    elif cmd == "connected":
        import SimpleITK as sitk

        path, nx, ny, nz, lo, hi, conn, out = argv[2:10]
        seeds = [tuple(int(v) for v in s.split(",")) for s in argv[10:]]
        img = sitk.GetImageFromArray(load(path, "<f4", int(nx), int(ny), int(nz)))
        f = sitk.ConnectedThresholdImageFilter()
        f.SetLower(float(lo))
        f.SetUpper(float(hi))
        f.SetSeedList(seeds)
        f.SetReplaceValue(1)
        f.SetConnectivity(f.FaceConnectivity if conn == "6" else f.FullConnectivity)
        res = sitk.GetArrayFromImage(f.Execute(img)).astype(np.uint8)
        res.tofile(out)
        print(json.dumps({"count": int(res.sum())}))
    else:
        raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    main(sys.argv)
