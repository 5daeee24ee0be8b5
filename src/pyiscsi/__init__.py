"""pyiscsi: a pure-Python iSCSI initiator."""
