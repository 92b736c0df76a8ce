"""Moves the phantom's NM SPECT into a new frame of reference by a translation t and writes the
Spatial Registration that takes it back to the CT's frame (ct = spect' - t), with pydicom (an
independent writer). Usage: python3 move_spect.py NM_IN CT_SLICE NM_OUT REG_OUT tx ty tz"""
import sys

import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

nm_in, ct_slice, nm_out, reg_out = sys.argv[1:5]
t = [float(v) for v in sys.argv[5:8]]
ct = pydicom.dcmread(ct_slice, stop_before_pixels=True)
nm = pydicom.dcmread(nm_in)
moved_frame = generate_uid()
nm.FrameOfReferenceUID = moved_frame
nm.SeriesInstanceUID = generate_uid()
nm.SOPInstanceUID = generate_uid()
nm.file_meta.MediaStorageSOPInstanceUID = nm.SOPInstanceUID
for item in nm.DetectorInformationSequence:
    item.ImagePositionPatient = [float(p) + d for p, d in zip(item.ImagePositionPatient, t)]
if "ImagePositionPatient" in nm:
    nm.ImagePositionPatient = [float(p) + d for p, d in zip(nm.ImagePositionPatient, t)]
nm.save_as(nm_out)


def matrix_item(m):
    it = Dataset()
    it.FrameOfReferenceTransformationMatrixType = "RIGID"
    it.FrameOfReferenceTransformationMatrix = [f"{v:.10g}" for row in m for v in row]
    return it


def registration_item(frame, m):
    item = Dataset()
    item.FrameOfReferenceUID = frame
    mr = Dataset()
    mr.MatrixSequence = Sequence([matrix_item(m)])
    item.MatrixRegistrationSequence = Sequence([mr])
    return item


eye = [[1.0, 0, 0, 0], [0, 1.0, 0, 0], [0, 0, 1.0, 0], [0, 0, 0, 1.0]]
back = [[1.0, 0, 0, -t[0]], [0, 1.0, 0, -t[1]], [0, 0, 1.0, -t[2]], [0, 0, 0, 1.0]]
ds = Dataset()
ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.66.1"
ds.SOPInstanceUID = generate_uid()
ds.PatientName = ct.PatientName
ds.PatientID = ct.PatientID
ds.StudyInstanceUID = ct.StudyInstanceUID
ds.Modality = "REG"
ds.SeriesInstanceUID = generate_uid()
ds.FrameOfReferenceUID = ct.FrameOfReferenceUID
ds.ContentDate = "20250129"
ds.ContentTime = "100000"
ds.RegistrationSequence = Sequence([
    registration_item(ct.FrameOfReferenceUID, eye),
    registration_item(moved_frame, back),
])
meta = FileMetaDataset()
meta.MediaStorageSOPClassUID = ds.SOPClassUID
meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
meta.TransferSyntaxUID = ExplicitVRLittleEndian
ds.file_meta = meta
ds.save_as(reg_out, enforce_file_format=True)
