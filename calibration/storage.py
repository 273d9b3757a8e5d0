"""Static files for production: hashed names (cached for a year) that JavaScript modules
follow too.

Django rewrites `url()` in CSS to the hashed names, but relative `import` statements in ES
modules only with `support_js_module_import_aggregation`. Without it, the hashed
session_room.<hash>.js would import the unhashed ./live/session.js, which browsers may keep
from an older deploy.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True
