"""Adding a data release from downloaded files: recognise them, pin them in the manifest, report what changed."""
