"""Tests of community: comments, follows, reports and takedowns."""
