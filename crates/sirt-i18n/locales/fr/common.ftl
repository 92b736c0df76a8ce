# Mots communs à toutes les sorties : oui/non, statuts et bases des contrôles, sujets des
# contrôles, avertissement d'usage en recherche.
# Les nombres arrivent déjà mis en forme dans la langue du lecteur (virgule décimale).

common-yes = oui
common-no = non
common-unknown = inconnu
common-none = aucun
common-research-notice = Usage en recherche uniquement. sirtplan n'est pas un dispositif médical et n'a aucune autorisation clinique ; chaque valeur doit être vérifiée par un professionnel qualifié.

status-pass = conforme
status-not-evaluated = non évalué
status-info = info
status-warn = alerte
status-fail = ÉCHEC

basis-partition = partition
basis-voxel = voxel
basis-delivered = délivré

subject-patient = patient
subject-session = séance
subject-injection = injection
subject-tumour = tumeur
subject-structure = structure
subject-plan = plan
