"""Loopback fakes of the services Cortex talks to, reached by the official clients' `base_url`."""
