"""Media: uploads (multipart, base64, tus), storage backends and probing."""
