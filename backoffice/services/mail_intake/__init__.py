"""Mail that comes in, from IMAP (`backoffice mail-fetch`) or SMTP/LMTP (`backoffice mail-receive`), through one
intake, one module per job:

- receive: store the raw message and record it with its intake job, once (raw hash and Message-ID)
- parse: addresses, references, text (HTML sanitised to text) and files of a raw message
- loops: what is never answered or never taken (auto-replies, bulk, lists, our own mail)
- bounces: delivery reports mark the outbox message bounced and the address bouncing
- auth_results: the receiving server's SPF/DKIM/DMARC verdicts
- threading: which ticket a message answers
- quoting: the new part of a reply, without quote and signature
- auto_reply: the daily answer to senders with no active account
- intake: the job that decides what a stored message becomes
- review: the staff's list of messages waiting for a decision, and the decisions
"""
