"""Sources beyond the upload form: hashtags, webcams, folders; each supervised on its own."""
