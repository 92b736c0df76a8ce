//! Encapsulated PDF: a report (the plan's PDF) as a DICOM object a PACS stores beside the
//! patient's images (PS3.3 A.45.1, SOP Class 1.2.840.10008.5.1.4.1.1.104.1).
//!
//! Modules: Patient, General Study, Patient Study, Encapsulated Document Series, General
//! Equipment, SC Equipment, Encapsulated Document, SOP Common.

use dicom_core::VR;
use dicom_dictionary_std::{tags, uids};

use super::WriteError;
use super::common::{Header, SeriesInfo, SeriesModule, StudyInfo, WrittenObject, checked_base};
use super::common::{encode, new_uid};

/// Modality of an Encapsulated Document Series: "DOC" (PS3.3 C.24.1, Defined Term).
const DOCUMENT_MODALITY: &str = "DOC";
/// Conversion Type "WSD": workstation, the document made by software (PS3.3 C.8.6.1).
const WORKSTATION: &str = "WSD";
/// MIME type of an encapsulated PDF (PS3.3 C.24.2: "application/pdf").
const PDF_MIME: &str = "application/pdf";

/// Writes a PDF as an Encapsulated PDF object in `study` (a new series: `series`), titled
/// `title` (Document Title, e.g. "SIRT plan"). The bytes must be a PDF (start with `%PDF-`).
/// Burned In Annotation is YES: a plan report names the patient.
pub fn write_encapsulated_pdf(
    pdf: &[u8],
    study: &StudyInfo,
    series: &SeriesInfo,
    title: &str,
) -> Result<WrittenObject, WriteError> {
    let object = series.name("Encapsulated PDF");
    if !pdf.starts_with(b"%PDF-") {
        return Err(WriteError::InvalidInput {
            object,
            what: "the document is not a PDF (it does not start with %PDF-)".into(),
        });
    }
    let length = u32::try_from(pdf.len()).map_err(|_| WriteError::InvalidInput {
        object: object.clone(),
        what: format!(
            "the PDF has {} bytes, more than a DICOM value holds",
            pdf.len()
        ),
    })?;
    let sop_instance_uid = new_uid();
    let h = Header {
        study,
        series,
        modality: DOCUMENT_MODALITY,
        sop_class_uid: uids::ENCAPSULATED_PDF_STORAGE,
        sop_instance_uid: &sop_instance_uid,
        instance_number: 1,
        series_module: SeriesModule::General,
        frame_of_reference_uid: None,
    };
    let mut o = checked_base(&object, &h)?;
    // The Encapsulated Document Series module has no Series Date and Time.
    o.0.remove_element(tags::SERIES_DATE);
    o.0.remove_element(tags::SERIES_TIME);
    // SC Equipment.
    o.str(tags::CONVERSION_TYPE, VR::CS, WORKSTATION);
    // Encapsulated Document.
    o.str(tags::CONTENT_DATE, VR::DA, &series.date_time.date());
    o.str(tags::CONTENT_TIME, VR::TM, &series.date_time.time());
    o.str(
        tags::ACQUISITION_DATE_TIME,
        VR::DT,
        &series.date_time.datetime(),
    );
    o.str(tags::BURNED_IN_ANNOTATION, VR::CS, "YES");
    o.str(tags::DOCUMENT_TITLE, VR::ST, title);
    o.seq(tags::CONCEPT_NAME_CODE_SEQUENCE, Vec::new());
    o.str(tags::MIME_TYPE_OF_ENCAPSULATED_DOCUMENT, VR::LO, PDF_MIME);
    o.ul(tags::ENCAPSULATED_DOCUMENT_LENGTH, &[length]);
    let mut bytes = pdf.to_vec();
    if !bytes.len().is_multiple_of(2) {
        // OB values have an even length: one NUL byte pads (PS3.5 7.1.1), after the PDF's %%EOF.
        bytes.push(0);
    }
    o.bytes(tags::ENCAPSULATED_DOCUMENT, VR::OB, bytes);
    encode(
        o,
        &object,
        "report.dcm".into(),
        uids::ENCAPSULATED_PDF_STORAGE,
        &sop_instance_uid,
    )
}
