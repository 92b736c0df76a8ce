# Suivi : réponse tumorale (RECIST 1.1, mRECIST, Choi), éligibilité, toxicité biologique (CTCAE v5.0, REILD), statistiques de cohorte.
