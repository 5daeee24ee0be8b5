"""libiscsi's command-line tools on pyiscsi's public API; ``TOOLS`` maps each name to its module."""

TOOLS = {
    "iscsi-dd": "pyiscsi.tools.iscsi_dd",
    "iscsi-discard": "pyiscsi.tools.iscsi_discard",
    "iscsi-inq": "pyiscsi.tools.iscsi_inq",
    "iscsi-ls": "pyiscsi.tools.iscsi_ls",
    "iscsi-md5sum": "pyiscsi.tools.iscsi_md5sum",
    "iscsi-perf": "pyiscsi.tools.iscsi_perf",
    "iscsi-pr": "pyiscsi.tools.iscsi_pr",
    "iscsi-readcapacity16": "pyiscsi.tools.iscsi_readcapacity16",
    "iscsi-rtpg": "pyiscsi.tools.iscsi_rtpg",
    "iscsi-swp": "pyiscsi.tools.iscsi_swp",
    "iscsi-test": "pyiscsi.tools.iscsi_test",
}
