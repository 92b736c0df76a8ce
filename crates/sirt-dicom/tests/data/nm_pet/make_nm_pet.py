"""Writes the small NM (reconstructed SPECT) and PET test objects of sirt-dicom, and what they
should read as (expected.json), with pydicom and numpy only.

    python3 make_nm_pet.py        # in this folder; rewrites the .dcm files and expected.json

The objects follow PS3.3 (NM Image IOD: NM Multi-frame, NM Detector, NM Reconstruction, NM
Isotope modules; PET Image IOD: PET Series, PET Isotope, PET Image modules) with tiny images so
that they can be committed. expected.json is computed here from the definitions in the standard
(not by sirt-dicom): the LPS centre of probe voxels, their values, the SUV factor.
"""

import json
import math
import os

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = "1.2.826.0.1.3680043.10.1234.77."  # fixed UIDs: the files are reproducible
NM_STORAGE = "1.2.840.10008.5.1.4.1.1.20"
PET_STORAGE = "1.2.840.10008.5.1.4.1.1.128"


def uid(n):
    return ROOT + str(n)


def base(sop_class, sop_uid, modality, series_uid, frame_uid):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = uid(999)
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_uid
    ds.Modality = modality
    ds.PatientName = "Phantom^NMPET"
    ds.PatientID = "SIRT-TEST-1"
    ds.PatientBirthDate = ""
    ds.PatientSex = "O"
    ds.StudyInstanceUID = uid(1)
    ds.StudyDate = "20240301"
    ds.StudyTime = "080000"
    ds.ReferringPhysicianName = ""
    ds.StudyID = "1"
    ds.AccessionNumber = ""
    ds.SeriesInstanceUID = series_uid
    ds.SeriesNumber = 1
    ds.FrameOfReferenceUID = frame_uid
    ds.PositionReferenceIndicator = ""
    ds.Laterality = ""
    ds.PatientOrientationCodeSequence = Sequence([])
    ds.PatientGantryRelationshipCodeSequence = Sequence([])
    ds.Manufacturer = "sirtplan test data"
    ds.InstanceNumber = 1
    ds.PatientOrientation = ""
    ds.ContentDate = "20240301"
    ds.ContentTime = "120000"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    return ds


def code(value, scheme, meaning):
    c = Dataset()
    c.CodeValue = value
    c.CodingSchemeDesignator = scheme
    c.CodeMeaning = meaning
    return c


def write(ds, name):
    ds.save_as(os.path.join(HERE, name), enforce_file_format=True)


# ---------------------------------------------------------------- NM reconstructed SPECT
NM_COLS, NM_ROWS, NM_SLICES = 8, 6, 5
NM_IPP = [-100.0, -80.0, 50.0]
C30, S30 = 0.8660254038, 0.5  # cos 30°, sin 30° as written (DS has at most 16 characters)
NM_IOP = [C30, S30, 0.0, -S30, C30, 0.0]  # rotated 30° about z; normal = +z
NM_PS = [4.0, 3.5]  # row spacing (along j), column spacing (along i)
NM_SBS = 4.42
NM_SLICE_VECTOR = [3, 1, 5, 2, 4]  # frame f holds slice NM_SLICE_VECTOR[f]


def nm_stored(slice_no):
    j, i = np.mgrid[0:NM_ROWS, 0:NM_COLS]
    return (100 * slice_no + 10 * j + i).astype(np.uint16)


def nm(name, number, sbs, rescale=None, rwv=None, per_frame_slopes=None, tz="+0100"):
    ds = base(NM_STORAGE, uid(100 + number), "NM", uid(10 + number), uid(2))
    ds.InstanceNumber = number
    ds.ImageType = ["ORIGINAL", "PRIMARY", "RECON TOMO", "EMISSION"]
    ds.SeriesDate = "20240301"
    ds.SeriesTime = "101500"
    ds.AcquisitionDate = "20240301"
    ds.AcquisitionTime = "101500"
    if tz is not None:
        ds.TimezoneOffsetFromUTC = tz
    ds.Rows, ds.Columns = NM_ROWS, NM_COLS
    ds.NumberOfFrames = NM_SLICES
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 16, 15
    ds.PixelRepresentation = 0
    ds.PixelSpacing = NM_PS
    ds.FrameIncrementPointer = 0x00540080
    ds.SliceVector = NM_SLICE_VECTOR
    ds.NumberOfSlices = NM_SLICES
    ds.SpacingBetweenSlices = sbs
    ds.SliceThickness = abs(sbs)
    ds.CorrectedImage = ["ATTN", "SCAT"]
    ds.CountsAccumulated = 1234567
    ds.PatientWeight = 70
    det = Dataset()
    det.CollimatorType = "PARA"
    det.FocalDistance = 0
    det.ImagePositionPatient = NM_IPP
    det.ImageOrientationPatient = NM_IOP
    ds.DetectorInformationSequence = Sequence([det])
    ds.NumberOfDetectors = 1
    ew = Dataset()
    rng = Dataset()
    rng.EnergyWindowLowerLimit = 126.45
    rng.EnergyWindowUpperLimit = 154.55
    ew.EnergyWindowRangeSequence = Sequence([rng])
    ew.EnergyWindowName = "EM"
    ds.EnergyWindowInformationSequence = Sequence([ew])
    ds.NumberOfEnergyWindows = 1
    rp = Dataset()
    rp.Radiopharmaceutical = "Tc99m MAA"
    rp.RadionuclideCodeSequence = Sequence([code("44588005", "SCT", "^99m^Technetium")])
    rp.RadionuclideTotalDose = 150  # MBq in NM objects
    rp.RadiopharmaceuticalStartDateTime = "20240301091500"
    rp.RadiopharmaceuticalStopDateTime = "20240301091600"
    ds.RadiopharmaceuticalInformationSequence = Sequence([rp])
    rot = Dataset()
    rot.StartAngle = 0
    rot.AngularStep = 6
    rot.RotationDirection = "CW"
    rot.ScanArc = 360
    rot.ActualFrameDuration = 20000
    rot.NumberOfFramesInRotation = 60
    ds.RotationInformationSequence = Sequence([rot])
    ds.NumberOfRotations = 1
    ds.TypeOfDetectorMotion = "STEP AND SHOOT"
    frames = [nm_stored(s) for s in NM_SLICE_VECTOR]
    if rescale is not None:
        ds.RescaleSlope, ds.RescaleIntercept = rescale
    if rwv is not None:
        m = Dataset()
        m.RealWorldValueFirstValueMapped = 0
        m.RealWorldValueLastValueMapped = 65535
        m.RealWorldValueSlope, m.RealWorldValueIntercept = rwv
        m.LUTExplanation = "activity concentration"
        m.LUTLabel = "BQML"
        m.MeasurementUnitsCodeSequence = Sequence([code("Bq/ml", "UCUM", "Becquerels/milliliter")])
        ds.RealWorldValueMappingSequence = Sequence([m])
    if per_frame_slopes is not None:
        groups = []
        for slope in per_frame_slopes:
            g = Dataset()
            pvt = Dataset()
            pvt.RescaleSlope = slope
            pvt.RescaleIntercept = 0
            pvt.RescaleType = "CNTS"
            g.PixelValueTransformationSequence = Sequence([pvt])
            groups.append(g)
        ds.PerFrameFunctionalGroupsSequence = Sequence(groups)
    ds.PixelData = np.stack(frames).tobytes()
    write(ds, name)


def nm_expected(sbs, slopes, intercept=0.0):
    """Probe voxels of the volume as a reader must return it: k runs along +normal."""
    row = np.array(NM_IOP[:3])
    col = np.array(NM_IOP[3:])
    n = np.cross(row, col)
    ipp = np.array(NM_IPP)
    probes = []
    # slice s (1-based) is at IPP + (s-1)*sbs*n; sorted along +n.
    order = sorted(range(1, NM_SLICES + 1), key=lambda s: (s - 1) * sbs)
    for (i, j, k) in [(0, 0, 0), (7, 0, 0), (0, 5, 0), (3, 2, 1), (7, 5, 4), (1, 4, 2)]:
        s = order[k]
        frame = NM_SLICE_VECTOR.index(s)
        p = ipp + (s - 1) * sbs * n + i * NM_PS[1] * row + j * NM_PS[0] * col
        value = float(nm_stored(s)[j, i]) * slopes[frame] + intercept
        probes.append({"ijk": [i, j, k], "lps": p.tolist(), "value": value})
    return {
        "dims": [NM_COLS, NM_ROWS, NM_SLICES],
        "spacing": [NM_PS[1], NM_PS[0], abs(sbs)],
        "frame_order": [NM_SLICE_VECTOR.index(s) for s in order],
        "probes": probes,
    }


nm("nm_recon_tomo.dcm", 1, NM_SBS, rescale=(0.25, 0.0), rwv=(0.5, 0.0))
nm("nm_negative_spacing_rwv.dcm", 2, -NM_SBS, rwv=(0.5, 10.0), tz=None)
PER_FRAME = [1.0, 2.0, 0.5, 4.0, 0.125]
nm("nm_per_frame_scaling.dcm", 3, NM_SBS, per_frame_slopes=PER_FRAME)

# ---------------------------------------------------------------- PET series
PET_COLS, PET_ROWS = 6, 4
PET_Z = [-12.0, -20.0, -16.0]  # written out of order; spacing 4 mm
PET_SLOPES = [0.5, 2.0, 1.25]
PET_PS = [3.0, 2.5]
PET_IPP_XY = [-7.5, -4.5]
F18_HALF_LIFE = 6586.2
DOSE_BQ = 370e6
WEIGHT_KG = 75.0


def pet_stored(n):
    j, i = np.mgrid[0:PET_ROWS, 0:PET_COLS]
    return (1000 * (n + 1) + 10 * j + i).astype(np.int16)


def pet(n):
    sop = uid(300 + n)
    ds = base(PET_STORAGE, sop, "PT", uid(30), uid(3))
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.InstanceNumber = n + 1
    ds.SeriesDate = "20240301"
    ds.SeriesTime = "103000"
    ds.AcquisitionDate = "20240301"
    ds.AcquisitionTime = "103000"
    ds.TimezoneOffsetFromUTC = "+0100"
    ds.SeriesType = ["STATIC", "IMAGE"]
    ds.Units = "BQML"
    ds.CountsSource = "EMISSION"
    ds.CollimatorType = "NONE"
    ds.DecayCorrection = "START"
    ds.CorrectedImage = ["DECY", "ATTN", "SCAT"]
    ds.RandomsCorrectionMethod = "DLYD"
    ds.AttenuationCorrectionMethod = "CT"
    ds.ReconstructionMethod = "OSEM"
    ds.NumberOfSlices = len(PET_Z)
    ds.PatientWeight = WEIGHT_KG
    ds.PatientSize = 1.75
    rp = Dataset()
    rp.Radiopharmaceutical = "Fluorodeoxyglucose"
    rp.RadionuclideCodeSequence = Sequence([code("77004003", "SCT", "^18^Fluorine")])
    rp.RadionuclideTotalDose = DOSE_BQ
    rp.RadionuclideHalfLife = F18_HALF_LIFE
    rp.RadionuclidePositronFraction = 0.97
    rp.RadiopharmaceuticalStartTime = "093000"
    rp.RadiopharmaceuticalStartDateTime = "20240301093000"
    ds.RadiopharmaceuticalInformationSequence = Sequence([rp])
    ds.Rows, ds.Columns = PET_ROWS, PET_COLS
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 16, 15
    ds.PixelRepresentation = 1
    ds.PixelSpacing = PET_PS
    ds.SliceThickness = 4.0
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.ImagePositionPatient = [PET_IPP_XY[0], PET_IPP_XY[1], PET_Z[n]]
    ds.SliceLocation = PET_Z[n]
    ds.RescaleSlope = PET_SLOPES[n]
    ds.RescaleIntercept = 0
    ds.FrameReferenceTime = 0
    ds.ActualFrameDuration = 180000
    ds.DecayFactor = 1.0
    ds.ImageIndex = n + 1
    ds.PixelData = pet_stored(n).tobytes()
    write(ds, f"pet_{n + 1:02d}.dcm")


for n in range(len(PET_Z)):
    pet(n)

order = sorted(range(len(PET_Z)), key=lambda n: PET_Z[n])
pet_probes = []
for (i, j, k) in [(0, 0, 0), (5, 3, 0), (2, 1, 1), (5, 0, 2)]:
    n = order[k]
    p = [PET_IPP_XY[0] + i * PET_PS[1], PET_IPP_XY[1] + j * PET_PS[0], PET_Z[n]]
    pet_probes.append({"ijk": [i, j, k], "lps": p, "value": float(pet_stored(n)[j, i]) * PET_SLOPES[n]})

# ---------------------------------------------------------------- Enhanced CT / MR
ENH_CT_STORAGE = "1.2.840.10008.5.1.4.1.1.2.1"
ENH_MR_STORAGE = "1.2.840.10008.5.1.4.1.1.4.1"
ENH_COLS, ENH_ROWS = 5, 4
ENH_Z = [30.0, 22.5, 27.5, 25.0]  # frames out of order; spacing 2.5 mm
ENH_INTERCEPTS = [-1024.0, -1000.0, -1024.0, -1010.0]  # per frame (CT)
ENH_PS = [0.8, 0.7]
ENH_IPP_XY = [-2.0, -1.5]


def enh_stored(f):
    j, i = np.mgrid[0:ENH_ROWS, 0:ENH_COLS]
    return (500 * (f + 1) + 10 * j + i).astype(np.uint16)


def enhanced(name, storage, modality, number):
    ds = base(storage, uid(400 + number), modality, uid(40 + number), uid(4))
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL", "NONE"]
    ds.ContentQualification = "RESEARCH"
    ds.AcquisitionDateTime = "20240301100000"
    ds.AcquisitionDuration = 1.0
    ds.AcquisitionNumber = 1
    ds.AcquisitionContextSequence = Sequence([])
    ds.ManufacturerModelName = "make_nm_pet.py"
    ds.DeviceSerialNumber = "1"
    ds.SoftwareVersions = "1"
    ds.Rows, ds.Columns = ENH_ROWS, ENH_COLS
    ds.NumberOfFrames = len(ENH_Z)
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 16, 15
    ds.PixelRepresentation = 0
    ds.BurnedInAnnotation = "NO"
    ds.LossyImageCompression = "00"
    ds.PresentationLUTShape = "IDENTITY"
    ds.ContentDate, ds.ContentTime = "20240301", "100000"
    ds.InstanceNumber = number
    dim = Dataset()
    dim.DimensionOrganizationUID = uid(50 + number)
    ds.DimensionOrganizationSequence = Sequence([dim])
    idx = Dataset()
    idx.DimensionOrganizationUID = uid(50 + number)
    idx.DimensionIndexPointer = 0x00200032
    idx.FunctionalGroupPointer = 0x00209113
    ds.DimensionIndexSequence = Sequence([idx])
    shared = Dataset()
    pm = Dataset()
    pm.PixelSpacing = ENH_PS
    pm.SliceThickness = 2.5
    shared.PixelMeasuresSequence = Sequence([pm])
    po = Dataset()
    po.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    shared.PlaneOrientationSequence = Sequence([po])
    if modality == "MR":
        rwv = Dataset()
        rwv.RealWorldValueFirstValueMapped = 0
        rwv.RealWorldValueLastValueMapped = 65535
        rwv.RealWorldValueSlope = 0.001
        rwv.RealWorldValueIntercept = 0
        rwv.LUTExplanation = "T1 map"
        rwv.LUTLabel = "T1"
        rwv.MeasurementUnitsCodeSequence = Sequence([code("s", "UCUM", "second")])
        shared.RealWorldValueMappingSequence = Sequence([rwv])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    groups = []
    for f, z in enumerate(ENH_Z):
        g = Dataset()
        fc = Dataset()
        fc.StackID = "1"
        fc.InStackPositionNumber = sorted(ENH_Z).index(z) + 1
        fc.DimensionIndexValues = [sorted(ENH_Z).index(z) + 1]
        g.FrameContentSequence = Sequence([fc])
        pp = Dataset()
        pp.ImagePositionPatient = [ENH_IPP_XY[0], ENH_IPP_XY[1], z]
        g.PlanePositionSequence = Sequence([pp])
        if modality == "CT":
            pvt = Dataset()
            pvt.RescaleIntercept = ENH_INTERCEPTS[f]
            pvt.RescaleSlope = 1
            pvt.RescaleType = "HU"
            g.PixelValueTransformationSequence = Sequence([pvt])
        groups.append(g)
    ds.PerFrameFunctionalGroupsSequence = Sequence(groups)
    ds.PixelData = np.stack([enh_stored(f) for f in range(len(ENH_Z))]).tobytes()
    write(ds, name)


enhanced("enhanced_ct.dcm", ENH_CT_STORAGE, "CT", 1)
enhanced("enhanced_mr.dcm", ENH_MR_STORAGE, "MR", 2)


def enh_expected(values):
    order = sorted(range(len(ENH_Z)), key=lambda f: ENH_Z[f])
    probes = []
    for (i, j, k) in [(0, 0, 0), (4, 3, 0), (2, 1, 2), (4, 0, 3)]:
        f = order[k]
        p = [ENH_IPP_XY[0] + i * ENH_PS[1], ENH_IPP_XY[1] + j * ENH_PS[0], ENH_Z[f]]
        probes.append({"ijk": [i, j, k], "lps": p, "value": values(f, float(enh_stored(f)[j, i]))})
    return {"dims": [ENH_COLS, ENH_ROWS, len(ENH_Z)], "spacing": [ENH_PS[1], ENH_PS[0], 2.5],
            "frame_order": order, "probes": probes}


elapsed = 3600.0  # 09:30 → 10:30, same offset
dose_ref = DOSE_BQ * math.exp(-math.log(2) * elapsed / F18_HALF_LIFE)
expected = {
    "nm_recon_tomo.dcm": nm_expected(NM_SBS, [0.25] * NM_SLICES),
    "nm_negative_spacing_rwv.dcm": nm_expected(-NM_SBS, [0.5] * NM_SLICES, 10.0),
    "nm_per_frame_scaling.dcm": nm_expected(NM_SBS, PER_FRAME),
    "enhanced_ct.dcm": enh_expected(lambda f, v: v + ENH_INTERCEPTS[f]),
    "enhanced_mr.dcm": enh_expected(lambda f, v: v * 0.001),
    "pet": {
        "dims": [PET_COLS, PET_ROWS, len(PET_Z)],
        "spacing": [PET_PS[1], PET_PS[0], 4.0],
        "probes": pet_probes,
        "files_in_order": [f"pet_{n + 1:02d}.dcm" for n in order],
        "elapsed_s": elapsed,
        "dose_at_reference_bq": dose_ref,
        "suv_factor_g_per_bq": WEIGHT_KG * 1000.0 / dose_ref,
    },
}
with open(os.path.join(HERE, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1)
    f.write("\n")
