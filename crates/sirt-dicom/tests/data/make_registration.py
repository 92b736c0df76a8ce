"""Writes Spatial Registration objects with pydicom (an independent writer) for
tests/registration.rs, and the points they map, computed with NumPy. Usage:
    python3 make_registration.py OUT_DIR   -> OUT_DIR/*.dcm and OUT_DIR/expected.json"""
import json
import math
import sys

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

REG = "1.2.840.10008.5.1.4.1.1.66.1"
DEFORMABLE = "1.2.840.10008.5.1.4.1.1.66.3"
CT_FRAME = "1.2.826.0.1.3680043.10.1234.100"
SPECT_FRAME = "1.2.826.0.1.3680043.10.1234.200"
PET_FRAME = "1.2.826.0.1.3680043.10.1234.300"


def rot_z(deg):
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, -s, 0, 0], [s, c, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1.0]])


def rot_x(deg):
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[1, 0, 0, 0], [0, c, -s, 0], [0, s, c, 0], [0, 0, 0, 1.0]])


def trans(t):
    m = np.eye(4)
    m[:3, 3] = t
    return m


def stored(m):
    """The matrix as written in the DS values (10 significant digits): what a reader gets."""
    return np.array([float(f"{v:.10g}") for v in m.flatten()]).reshape(4, 4)


def matrix_item(m, kind):
    it = Dataset()
    it.FrameOfReferenceTransformationMatrixType = kind
    it.FrameOfReferenceTransformationMatrix = [f"{v:.10g}" for v in m.flatten()]
    return it


def registration_item(frame, matrices):
    item = Dataset()
    item.FrameOfReferenceUID = frame
    mr = Dataset()
    mr.MatrixSequence = Sequence([matrix_item(m, k) for m, k in matrices])
    cat = Dataset()
    cat.CodeValue = "125025"
    cat.CodingSchemeDesignator = "DCM"
    cat.CodeMeaning = "Visual Alignment"
    mr.RegistrationTypeCodeSequence = Sequence([cat])
    item.MatrixRegistrationSequence = Sequence([mr])
    return item


def write(path, items, sop_class=REG):
    ds = Dataset()
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = generate_uid()
    ds.PatientName = "SIRT^Phantom"
    ds.PatientID = "PHANTOM-1"
    ds.PatientBirthDate = ""
    ds.PatientSex = "O"
    ds.StudyInstanceUID = "1.2.826.0.1.3680043.10.1234.1"
    ds.StudyDate = "20261126"
    ds.StudyTime = "100000"
    ds.ReferringPhysicianName = ""
    ds.StudyID = "1"
    ds.AccessionNumber = ""
    ds.Modality = "REG"
    ds.SeriesInstanceUID = generate_uid()
    ds.SeriesNumber = 90
    ds.Laterality = ""
    ds.FrameOfReferenceUID = CT_FRAME
    ds.PositionReferenceIndicator = ""
    ds.Manufacturer = "pydicom test writer"
    ds.InstanceNumber = 1
    ds.ContentDate = "20261126"
    ds.ContentTime = "100000"
    ds.ContentLabel = "REG"
    ds.ContentDescription = "rigid SPECT to CT"
    ds.ContentCreatorName = "Test^Writer"
    ds.RegistrationSequence = Sequence(items)
    ds.SpecificCharacterSet = "ISO_IR 100"
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta = meta
    ds.save_as(path, enforce_file_format=True)


def main():
    out = sys.argv[1]
    points = [[0.0, 0.0, 0.0], [100.0, -50.0, 25.0], [-12.5, 80.0, -300.0]]
    expected = {"points": points}

    # 1. CT identity item + SPECT rigid (rotation about z and x, translation), typed RIGID;
    #    PET a pure translation.
    spect = trans([5.0, -3.0, 12.0]) @ rot_z(10.0) @ rot_x(-4.0)
    pet = trans([-2.5, 7.25, 0.5])
    write(f"{out}/rigid.dcm", [
        registration_item(CT_FRAME, [(np.eye(4), "RIGID")]),
        registration_item(SPECT_FRAME, [(spect, "RIGID")]),
        registration_item(PET_FRAME, [(pet, "RIGID")]),
    ])
    hom = lambda m, p: (m @ np.array(p + [1.0]))[:3].tolist()
    expected["rigid_ct_from_spect"] = [hom(stored(spect), p) for p in points]
    expected["rigid_spect_from_pet"] = [hom(np.linalg.inv(stored(spect)) @ stored(pet), p) for p in points]

    # 2. Two matrices applied in order (first a translation, then a rotation): p' = M2 M1 p.
    m1 = trans([10.0, 0.0, -5.0])
    m2 = rot_z(-30.0)
    write(f"{out}/chain.dcm", [registration_item(SPECT_FRAME, [(m1, "RIGID"), (m2, "RIGID")])])
    expected["chain_ct_from_spect"] = [hom(stored(m2) @ stored(m1), p) for p in points]

    # 3. AFFINE type holding a rigid matrix (accepted) and a scaled one (refused).
    write(f"{out}/affine_rigid.dcm", [registration_item(SPECT_FRAME, [(spect, "AFFINE")])])
    scaled = spect.copy()
    scaled[:3, :3] *= 1.1
    write(f"{out}/affine_scaled.dcm", [registration_item(SPECT_FRAME, [(scaled, "AFFINE")])])

    # 4. A deformable registration's SOP class.
    write(f"{out}/deformable.dcm", [registration_item(SPECT_FRAME, [(spect, "RIGID")])], DEFORMABLE)

    with open(f"{out}/expected.json", "w") as f:
        json.dump(expected, f)


if __name__ == "__main__":
    main()
