"""Virus Lab services, one module per job: intake (store + dedupe), archives (safe unpacking), scanning (YARA),
submissions (customers' requests and analysts' work on them), download (samples only as password zips)."""
