"""Licensing rules: activation codes (normalise, add, remove), seats and transfers, the blacklist, bulk
import/generate/export, and the support gate. One module per job."""
