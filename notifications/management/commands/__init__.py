"""Commands: send_digests."""
