"""The admin's own pages: the council's service areas and teams, the audit log, data and retention."""
