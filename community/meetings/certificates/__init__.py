"""Certificates of attendance for training meetings.

A meeting marked as training (`Meeting.is_training`, with `training_hours`) gives each person
recorded as attended a certificate once it has ended: one `Certificate` row per attendance, issued
once with a random code, the attendee's name frozen in it. The attendee downloads it as a PDF in
their language (`pdf.py`); anyone checks it at its public verification address. Removing the
attendance revokes it, recording it again restores it; closing the account revokes it and
forgets the name.

    services.py   issuing and revoking (`certificates_sync`), the beat sweep, closing an account
    selectors.py  whose certificate is whose; the export of a person's certificates
    pdf.py        the PDF
    views.py      the download, the verification page
"""
