"""Helpers the tests share: built data, servers, planted violations, the laws and the reference answers."""
