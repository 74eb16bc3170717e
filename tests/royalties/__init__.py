"""Tests of the royalties app: exact splits and apportionment."""
