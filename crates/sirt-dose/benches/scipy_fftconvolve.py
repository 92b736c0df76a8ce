"""The peer of benches/dose.rs: scipy.signal.fftconvolve on the same array sizes ('same'; float64
and float32: sirt-dose convolves in float32, so the float32 time is the fair peer),
timed with the same 2 cores. Run: python3 crates/sirt-dose/benches/scipy_fftconvolve.py"""
import os
import time

import numpy as np
import scipy
from scipy.signal import fftconvolve

k = np.fromfunction(lambda i, j, l: np.exp(-((i - 5) ** 2 + (j - 5) ** 2 + (l - 5) ** 2)), (11, 11, 11))
rng = np.random.default_rng(0)
for n in (128, 256):
    for dtype in (np.float64, np.float32):
        a = rng.random((n, n, n)).astype(dtype)
        kk = k.astype(dtype)
        fftconvolve(a, kk, mode="same")
        ts = []
        for _ in range(5):
            t = time.perf_counter()
            fftconvolve(a, kk, mode="same")
            ts.append(time.perf_counter() - t)
        print(f"scipy {scipy.__version__} fftconvolve {n}^3 with 11^3 {np.dtype(dtype).name}: median {1000 * sorted(ts)[2]:.1f} ms (cores {os.cpu_count()})")
