"""The conformance suites: ``scsi_<suite>.py`` (SCSI family), ``iscsi_<suite>.py`` (iSCSI)."""
