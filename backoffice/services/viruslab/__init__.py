"""Virus Lab services, one module per job: intake (store + dedupe), archives (safe unpacking), yara_rules (the enabled
YARA rules, compiled once per version), scanning (a file against them), analyst_rules (rules kept in the console),
submissions (customers' requests and analysts' work on them), download (samples only as password zips)."""
