"""Ingest: every way a photo arrives (uploads, hashtags, webcams, folders) and the one
pipeline that turns untrusted bytes into safe renditions, hashes and signals."""
