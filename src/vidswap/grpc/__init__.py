"""The gRPC VideoService: a second front end to the upload and task services."""
