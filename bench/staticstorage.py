"""The production static-files storage, minus the rewriting of JavaScript source-map comments.

`collectstatic` with the project's storage fails: static/vendor/leaflet/leaflet.js and
leaflet.markercluster.js end with `//# sourceMappingURL=...js.map`, and the .map files are not
vendored (see bench/RESULTS.md). The benchmark only needs the manifest that `{% static %}` reads,
which this storage writes the same way.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class BenchStaticFilesStorage(CompressedManifestStaticFilesStorage):
    patterns = tuple(
        (glob, rules)
        for glob, rules in CompressedManifestStaticFilesStorage.patterns
        if glob != "*.js"
    )
