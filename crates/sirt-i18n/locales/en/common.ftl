# Words shared by every output: yes/no, check statuses and bases, the subjects of checks,
# the research-use notice.
# Variables are snake_case; numbers arrive already formatted in the reader's language.

common-yes = yes
common-no = no
common-unknown = unknown
common-none = none
common-research-notice = Research use only. sirtplan is not a medical device and has no clinical clearance; every number must be checked by a qualified professional.

status-pass = pass
status-not-evaluated = not evaluated
status-info = info
status-warn = warn
status-fail = FAIL

basis-partition = partition
basis-voxel = voxel
basis-delivered = delivered

# The words of a check's subject ("session 1, injection R, tumour T1").
subject-patient = patient
subject-session = session
subject-injection = injection
subject-tumour = tumour
subject-structure = structure
subject-plan = plan
