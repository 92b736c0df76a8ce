-- sirtplan schema, version 14: the PACS nodes a site configures (issue 17, "Web app"): each
-- reached over DICOMweb (url, optional HTTP Basic username and password) or DIMSE (called AE
-- title, host, port, our calling AE title), with its timeouts in seconds. The fields of the
-- other protocol are NULL. The password is kept here because the server must send it; it never
-- leaves the database in an answer, a log line or the audit log (whose rows say only whether a
-- password is set). Every change is audited (`pacs_node.create`, `.update`, `.delete`).

CREATE TABLE pacs_nodes (
    id {{ID}},
    name TEXT NOT NULL UNIQUE,
    protocol TEXT NOT NULL CHECK (protocol IN ('dicomweb', 'dimse')),
    url TEXT,
    username TEXT,
    password TEXT,
    called_aet TEXT,
    host TEXT,
    port BIGINT CHECK (port IS NULL OR (port >= 1 AND port <= 65535)),
    calling_aet TEXT,
    connect_timeout_s DOUBLE PRECISION NOT NULL CHECK (connect_timeout_s > 0),
    request_timeout_s DOUBLE PRECISION NOT NULL CHECK (request_timeout_s > 0),
    transfer_timeout_s DOUBLE PRECISION NOT NULL CHECK (transfer_timeout_s > 0),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK ((protocol = 'dicomweb' AND url IS NOT NULL AND called_aet IS NULL AND host IS NULL
            AND port IS NULL AND calling_aet IS NULL)
        OR (protocol = 'dimse' AND url IS NULL AND username IS NULL AND password IS NULL
            AND called_aet IS NOT NULL AND host IS NOT NULL AND port IS NOT NULL
            AND calling_aet IS NOT NULL))
);
