"""The peer of benches/dose.rs: scipy.signal.fftconvolve on the same array sizes ('same'; float64
and float32: sirt-voxel-dosimetry convolves in float32, so the float32 time is the fair peer), timed on the
same 2 cores, once with scipy's default (one FFT worker) and once with `scipy.fft.set_workers(2)`
(both cores, as sirtplan uses them). Run: python3 crates/sirt-voxel-dosimetry/benches/scipy_fftconvolve.py"""
import os
import time

import numpy as np
import scipy
import scipy.fft
from scipy.signal import fftconvolve

k = np.fromfunction(lambda i, j, l: np.exp(-((i - 5) ** 2 + (j - 5) ** 2 + (l - 5) ** 2)), (11, 11, 11))
rng = np.random.default_rng(0)


def median_ms(a, kk):
    fftconvolve(a, kk, mode="same")
    ts = []
    for _ in range(5):
        t = time.perf_counter()
        fftconvolve(a, kk, mode="same")
        ts.append(time.perf_counter() - t)
    return 1000 * sorted(ts)[2]


for n in (128, 256):
    for dtype in (np.float64, np.float32):
        a = rng.random((n, n, n)).astype(dtype)
        kk = k.astype(dtype)
        one = median_ms(a, kk)
        with scipy.fft.set_workers(2):
            two = median_ms(a, kk)
        name = np.dtype(dtype).name
        print(f"scipy {scipy.__version__} fftconvolve {n}^3 with 11^3 {name}: median {one:.1f} ms (1 worker), {two:.1f} ms (2 workers; cores {os.cpu_count()})")
