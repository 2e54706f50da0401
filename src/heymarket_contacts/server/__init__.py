"""The server: a faithful, self-hostable implementation of the Heymarket Contacts API."""
