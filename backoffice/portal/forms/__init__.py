"""The portal's WTForms forms, one module per job. Field rules here are about shape; services decide the rest."""
