"""Virus Lab services, one module per job: intake (store + dedupe), unpacking (safe unpacking of every archive
format, a package), names (member names shown safely), scanning (YARA), submissions (customers' requests and
analysts' work on them), download (samples only as password zips)."""
