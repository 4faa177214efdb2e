"""Bulk import and export of users as JSON Lines or CSV, streamed in constant memory.

Import (`importing`) reads records (`reading`), checks them with the API's rules (`checking`) and
prepares them for the driver (`preparing`), in worker processes when there are several jobs
(`workers`), and inserts them a batch at a time (`inserts`). Export (`exporting`) pages through the
users and writes each one through the API's wire format. `formats` names the file formats.
"""
