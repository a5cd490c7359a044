"""Running the service day after day: the « Tâches » board (background jobs, their
progress and failures), the nightly maintenance, personal data retention (RGPD:
anonymising inactive households, « Supprimer mon compte », the purge of archives
past ten years). The top of the order: it may import every other package (the
retention rules read bookings, dossiers and the ledger), none imports it. The job
framework itself is `cityviz.jobs`, usable from every package."""
