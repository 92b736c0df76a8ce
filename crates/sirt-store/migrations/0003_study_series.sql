-- sirtplan schema, version 3: the image series of an uploaded study. One text for SQLite and
-- PostgreSQL ({{ID}} as in version 1). The files lie under the server's data folder, in
-- patients/{patient_id}/{studies.source}/{folder}; a row is written only once its files are in
-- place (sirt-server's uploads), in the transaction that writes the study and its audit row.

CREATE TABLE study_series (
    id {{ID}},
    study_id BIGINT NOT NULL REFERENCES studies (id),
    folder TEXT NOT NULL,
    format TEXT NOT NULL CHECK (format IN ('dicom', 'nifti')),
    modality TEXT NOT NULL,
    description TEXT,
    study_instance_uid TEXT,
    series_instance_uid TEXT,
    series_number BIGINT,
    frame_of_reference_uid TEXT,
    images BIGINT NOT NULL CHECK (images >= 0),
    dim_i BIGINT,
    dim_j BIGINT,
    dim_k BIGINT,
    spacing_i_mm DOUBLE PRECISION,
    spacing_j_mm DOUBLE PRECISION,
    spacing_k_mm DOUBLE PRECISION,
    UNIQUE (study_id, folder)
);
CREATE INDEX study_series_study ON study_series (study_id);
