"""Open formats others build on, from the published data only: FollowTheMoney entities,
Popolo, schema.org JSON-LD, and the bulk files of the downloads page.

Below the surfaces and the jobs (the API streams these, the site embeds the
JSON-LD, a job writes the bulk files); above transfer, domain and models.
Knows no HTTP: it yields dicts and bytes.
"""
