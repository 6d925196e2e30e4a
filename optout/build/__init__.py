"""Building the broker catalog from state data-broker registries: importers, matching, families, contact
hygiene, names and ids, reports, and the YAML writer.

Letter writing never imports this package; its heavier dependencies (openpyxl, phonenumbers, email-validator)
are the optional extra `optout[build]`.
"""
