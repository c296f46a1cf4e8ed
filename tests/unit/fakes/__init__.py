"""In-memory fakes of the ports services use, for fast unit tests of the rules."""
