"""Security tests: who may read and change what, and what bad input gets back."""
