"""Virus Lab services, one module per job: intake (store + dedupe), unpacking (every archive format, a package),
names (file names shown safely), yara_rules (the enabled YARA rules, compiled once per version), scanning (a file
against them), analysis (the job that unpacks and scans a request), verdicts (what a request's verdict is),
conversation (the request's thread), analyst_rules (rules kept in the console), submissions (customers' requests
and analysts' work on them), download (samples only as password zips)."""
