#!/usr/bin/env python3
"""The peer of `cargo bench -p sirt-registration --bench rigid`: SimpleITK's
ImageRegistrationMethod on the same pairs, with the issue's comparison settings (issue 16):
Mattes MI (50 bins), 10 % random sampling with a fixed seed, linear interpolation, regular-step
gradient descent (at most 200 iterations per level, physical-shift scales), a 3-level pyramid
(shrink 4/2/1, smoothing 2/1/0 voxels), Euler3DTransform from CenteredTransformInitializer
(GEOMETRY).

Usage: simpleitk_rigid.py LEARNING_RATE MIN_STEP RELAXATION GRADIENT_TOLERANCE SEED FIXED MOVING...
Prints one JSON object per moving image (one line each): the geometry SimpleITK read, the time
of Execute alone (s), the iterations per level and the transform moving_from_fixed as a 3 x 3
matrix and an offset: y = M x + offset (LPS mm, fixed point x to moving point y).
"""

import json
import sys
import time

import SimpleITK as sitk


def geometry(image):
    return {
        "size": list(image.GetSize()),
        "spacing": list(image.GetSpacing()),
        "origin": list(image.GetOrigin()),
        # Row-major direction matrix: column c is the direction of index axis c.
        "direction": list(image.GetDirection()),
    }


def register(fixed, moving, lr, min_step, relaxation, gtol, seed):
    r = sitk.ImageRegistrationMethod()
    r.SetMetricAsMattesMutualInformation(numberOfHistogramBins=50)
    r.SetMetricSamplingStrategy(r.RANDOM)
    r.SetMetricSamplingPercentage(0.10, seed)
    r.SetInterpolator(sitk.sitkLinear)
    r.SetOptimizerAsRegularStepGradientDescent(
        learningRate=lr,
        minStep=min_step,
        numberOfIterations=200,
        relaxationFactor=relaxation,
        gradientMagnitudeTolerance=gtol,
    )
    r.SetOptimizerScalesFromPhysicalShift()
    r.SetShrinkFactorsPerLevel([4, 2, 1])
    r.SetSmoothingSigmasPerLevel([2, 1, 0])
    r.SmoothingSigmasAreSpecifiedInPhysicalUnitsOff()
    initial = sitk.CenteredTransformInitializer(
        fixed,
        moving,
        sitk.Euler3DTransform(),
        sitk.CenteredTransformInitializerFilter.GEOMETRY,
    )
    r.SetInitialTransform(initial, inPlace=False)
    iterations = []
    r.AddCommand(sitk.sitkMultiResolutionIterationEvent, lambda: iterations.append(0))
    def count():
        if iterations:
            iterations[-1] = r.GetOptimizerIteration() + 1
    r.AddCommand(sitk.sitkIterationEvent, count)
    start = time.perf_counter()
    out = r.Execute(fixed, moving)
    seconds = time.perf_counter() - start
    if isinstance(out, sitk.CompositeTransform):
        out = out.GetNthTransform(0)
    euler = sitk.Euler3DTransform(out)
    m = euler.GetMatrix()
    c = euler.GetCenter()
    t = euler.GetTranslation()
    matrix = [list(m[0:3]), list(m[3:6]), list(m[6:9])]
    # y = M (x - c) + c + t = M x + (c + t - M c)
    offset = [c[i] + t[i] - sum(matrix[i][k] * c[k] for k in range(3)) for i in range(3)]
    return {
        "seconds": seconds,
        "iterations": iterations,
        "stop": r.GetOptimizerStopConditionDescription(),
        "metric": r.GetMetricValue(),
        "matrix": matrix,
        "offset": offset,
    }


def main():
    lr, min_step, relaxation, gtol = (float(x) for x in sys.argv[1:5])
    seed = int(sys.argv[5])
    fixed = sitk.ReadImage(sys.argv[6], sitk.sitkFloat32)
    for path in sys.argv[7:]:
        moving = sitk.ReadImage(path, sitk.sitkFloat32)
        result = register(fixed, moving, lr, min_step, relaxation, gtol, seed)
        result["moving"] = path
        result["fixed_geometry"] = geometry(fixed)
        result["moving_geometry"] = geometry(moving)
        result["threads"] = sitk.ProcessObject.GetGlobalDefaultNumberOfThreads()
        result["version"] = sitk.Version.VersionString()
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
